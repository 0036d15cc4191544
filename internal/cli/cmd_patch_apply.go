package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/patch"
)

// PatchApplyOptions are the options of `hwcov patch apply`.
type PatchApplyOptions struct {
	F *Factory
	PatchInputs
	DryRun bool
	Input  string
	Rules  []string
	Kind   string
}

// NewCmdPatchApply builds `hwcov patch apply`.
func NewCmdPatchApply(f *Factory) *cobra.Command {
	opts := &PatchApplyOptions{F: f}
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Write the matching patches into your templates, or show the diff (--dry-run)",
		Long: `Renders the edits of every rule that matches a failure into your copy of the
templates (hwcov templates init runs first when there is none), prints the
template diff and records what changed in .hwcov/patches/applied.json for
hwcov patch verify. A rule already applied changes nothing; no match means
nothing to do. (guide: --update-generators, --auto-patch-generators,
--apply-optimization-patches --input DIR)`,
		Example: "  hwcov patch apply --dry-run\n  hwcov patch apply --rule musicgen-text-to-waveform\n  hwcov patch apply --input optimization_patches/",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPatchApply(c.Context(), opts)
		},
	}
	opts.register(cmd.Flags())
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the template diff, write nothing")
	cmd.Flags().StringVar(&opts.Input, "input", "", "apply the rules in this folder (from hwcov patch suggest --out) instead of the shipped and repository rules")
	cmd.Flags().StringSliceVar(&opts.Rules, "rule", nil, "only these rule ids")
	cmd.Flags().StringVar(&opts.Kind, "kind", "", "only rules of this kind: fix or optimization (default fix; with --input, every rule there)")
	return cmd
}

func runPatchApply(ctx context.Context, opts *PatchApplyOptions) error {
	f := opts.F
	tdir, failures, rules, err := opts.load(ctx, f, opts.Input)
	if err != nil {
		return err
	}
	if len(opts.Rules) > 0 {
		rules = slices.DeleteFunc(rules, func(r patch.Rule) bool { return !slices.Contains(opts.Rules, r.ID) })
	}
	kind := opts.Kind
	if kind == "" && opts.Input == "" {
		kind = patch.KindFix // optimizations only when asked for, or reviewed in --input
	}
	suggestions := patch.Suggest(rules, failures, kind)
	planned, held, err := patch.Plan(patch.DirSources(tdir), suggestions)
	if err != nil {
		return usagef("fix the rule or template named above", "%v", err)
	}
	printHeld(f, held)
	if len(planned) == 0 {
		fmt.Fprintf(f.Out, "nothing to patch: %d rules, none matches a failure that is not patched already\n", len(rules))
		return nil
	}
	edits := patch.Combined(planned)
	fmt.Fprint(f.Out, patch.Diff(tdir, edits))
	if opts.DryRun {
		fmt.Fprintf(f.Out, "dry run: %d rules would change %d templates in %s\n", len(planned), len(edits), tdir)
		return nil
	}
	if !exists(tdir) {
		written, err := generator.InitTemplates(tdir, false)
		if err != nil {
			return err
		}
		fmt.Fprintf(f.Err, "wrote %d templates to %s (hwcov templates init)\n", len(written), tdir)
	}
	if err := patch.WriteEdits(tdir, edits); err != nil {
		return err
	}
	if err := appendManifest(tdir, planned, f); err != nil {
		return err
	}
	ids := make([]string, len(planned))
	for i, p := range planned {
		ids[i] = p.Rule.ID
	}
	fmt.Fprintf(f.Out, "applied %s to %d templates in %s; next: hwcov patch verify\n", strings.Join(ids, ", "), len(edits), tdir)
	return nil
}

// appendManifest adds the rules just applied to the manifest verify reads.
func appendManifest(tdir string, planned []patch.AppliedRule, f *Factory) error {
	path := patch.ManifestPath(tdir)
	m, err := patch.ReadManifest(path)
	if err != nil && exists(path) {
		return err
	}
	m.TemplatesDir, m.AppliedAt = tdir, f.Now().UTC()
	m.Rules = append(m.Rules, planned...)
	return patch.WriteManifest(path, m)
}
