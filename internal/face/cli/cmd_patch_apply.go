package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/patchrun"
)

// PatchApplyOptions are the options of `hwcov patch apply`.
type PatchApplyOptions struct {
	F   *Factory
	Req patchrun.ApplyRequest
}

// NewCmdPatchApply builds `hwcov patch apply`.
func NewCmdPatchApply(f *Factory) *cobra.Command {
	opts := &PatchApplyOptions{F: f}
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Write the matching patches into your templates, or show the diff (--dry-run)",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runPatchApply(c.Context(), opts) },
	}
	r := &opts.Req
	addPatchInputFlags(cmd.Flags(), &r.Inputs)
	cmd.Flags().BoolVar(&r.DryRun, "dry-run", false, "print the template diff, write nothing")
	cmd.Flags().StringVar(&r.Input, "input", "", "apply the rules in this folder (from hwcov patch suggest --out) instead of the shipped and repository rules")
	cmd.Flags().StringSliceVar(&r.Rules, "rule", nil, "only these rule ids")
	cmd.Flags().StringVar(&r.Kind, "kind", "", "only rules of this kind: fix or optimization (default fix; with --input, every rule there)")
	return cmd
}

func runPatchApply(ctx context.Context, opts *PatchApplyOptions) error {
	f := opts.F
	a, err := patchrun.Apply(ctx, f.Workspace, opts.Req, f.Now())
	printHeld(f, a.Held)
	fmt.Fprint(f.Out, a.Diff)
	switch {
	case err != nil:
		return err
	case len(a.Planned) == 0:
		fmt.Fprintf(f.Out, "nothing to patch: %d rules, none matches a failure that is not patched already\n", a.Rules)
	case opts.Req.DryRun:
		fmt.Fprintf(f.Out, "dry run: %d rules would change %d templates in %s\n", len(a.Planned), len(a.Edits), a.TemplatesDir)
	default:
		if a.Initialised > 0 {
			fmt.Fprintf(f.Err, "wrote %d templates to %s (hwcov templates init)\n", a.Initialised, a.TemplatesDir)
		}
		fmt.Fprintf(f.Out, "applied %s to %d templates in %s; next: hwcov patch verify\n", strings.Join(a.IDs(), ", "), len(a.Edits), a.TemplatesDir)
	}
	return nil
}
