package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hwcov/hwcov/internal/patch"
	"github.com/hwcov/hwcov/internal/patchrun"
	"github.com/hwcov/hwcov/reporter"
)

// NewCmdPatch builds `hwcov patch`.
func NewCmdPatch(f *Factory) *cobra.Command {
	return group("patch", "Turn failure groups into verified template patches (see docs/patches.md)",
		NewCmdPatchSuggest(f), NewCmdPatchPatterns(f), NewCmdPatchApply(f), NewCmdPatchVerify(f), NewCmdPatchPR(f))
}

// addPatchInputFlags registers the flags every patch command shares: where
// the failures and the templates are.
func addPatchInputFlags(fl *pflag.FlagSet, in *patchrun.Inputs) {
	fl.StringVar(&in.DB, "db", "", "DuckDB file (default db in hwcov.yaml, ./benchmark_db.duckdb)")
	fl.StringVar(&in.DB, "db-path", "", "alias of --db")
	fl.StringVar(&in.TemplatesDir, "templates", "", "your templates folder (default templates_dir in hwcov.yaml, .hwcov/templates); rules are read from patches/ beside it")
}

// PatchSuggestOptions are the options of `hwcov patch suggest`.
type PatchSuggestOptions struct {
	F *Factory
	patchrun.Inputs
	Manual bool
	Kind   string
	Out    string
}

// NewCmdPatchSuggest builds `hwcov patch suggest`.
func NewCmdPatchSuggest(f *Factory) *cobra.Command {
	opts := &PatchSuggestOptions{F: f}
	cmd := &cobra.Command{
		Use:   "suggest",
		Short: "List the patches whose rules match the failures, and the tests each one touches",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runPatchSuggest(c.Context(), opts) },
	}
	addPatchInputFlags(cmd.Flags(), &opts.Inputs)
	cmd.Flags().BoolVar(&opts.Manual, "manual", false, "write manual steps (markdown) for failures no rule patches")
	cmd.Flags().StringVar(&opts.Kind, "kind", patch.KindFix, "rules of this kind: fix or optimization")
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "folder for <rule>.yaml and <rule>.diff (with --manual: a markdown file)")
	cmd.Flags().StringVar(&opts.Out, "output", "", "alias of --out")
	cmd.Flags().StringVar(&opts.Format, "format", "table", formatUsage("table", reporter.PatchFormats...))
	return cmd
}

func runPatchSuggest(ctx context.Context, opts *PatchSuggestOptions) error {
	if err := checkFormat("format", opts.Format, reporter.PatchFormats...); err != nil {
		return err
	}
	if err := patchrun.CheckKind(opts.Kind); err != nil {
		return err
	}
	l, err := opts.Load(ctx, opts.F.Workspace, "")
	if err != nil {
		return err
	}
	if opts.Manual {
		manual := patch.Suggest(l.Rules, l.Failures, patch.KindManual)
		return writeOutput(opts.F, opts.Out, func(b *strings.Builder) error {
			return reporter.WriteManual(b, manual, patch.Patterns(l.Rules, l.Failures))
		})
	}
	planned, held, err := patchrun.Plan(l.TemplatesDir, patch.Suggest(l.Rules, l.Failures, opts.Kind))
	if err != nil {
		return err
	}
	printHeld(opts.F, held)
	if opts.Out != "" {
		written, err := patch.WriteSuggestions(opts.Out, l.TemplatesDir, planned)
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.F.Err, "wrote %d files to %s\n", len(written), opts.Out)
	}
	return reporter.WriteSuggestions(opts.F.Out, planned, opts.Format)
}

// PatchPatternsOptions are the options of `hwcov patch patterns`.
type PatchPatternsOptions struct {
	F *Factory
	patchrun.Inputs
}

// NewCmdPatchPatterns builds `hwcov patch patterns`.
func NewCmdPatchPatterns(f *Factory) *cobra.Command {
	opts := &PatchPatternsOptions{F: f}
	cmd := &cobra.Command{
		Use:   "patterns",
		Short: "Failure patterns (fingerprints) and the patch rules that match them (guide: --identify-patch-patterns)",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runPatchPatterns(c.Context(), opts) },
	}
	addPatchInputFlags(cmd.Flags(), &opts.Inputs)
	cmd.Flags().StringVar(&opts.Format, "format", "table", formatUsage("table", reporter.PatchFormats...))
	return cmd
}

func runPatchPatterns(ctx context.Context, opts *PatchPatternsOptions) error {
	if err := checkFormat("format", opts.Format, reporter.PatchFormats...); err != nil {
		return err
	}
	l, err := opts.Load(ctx, opts.F.Workspace, "")
	if err != nil {
		return err
	}
	return reporter.WritePatterns(opts.F.Out, patch.Patterns(l.Rules, l.Failures), opts.Format)
}

// printHeld says which rules a plan held back.
func printHeld(f *Factory, held []string) {
	for _, h := range held {
		fmt.Fprintf(f.Err, "held back %s\n", h)
	}
}
