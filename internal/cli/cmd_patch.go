package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/patch"
	"github.com/hwcov/hwcov/reporter"
)

// NewCmdPatch builds `hwcov patch`.
func NewCmdPatch(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "patch",
		Short: "Turn failure groups into verified template patches (see docs/patches.md)",
	}
	cmd.AddCommand(NewCmdPatchSuggest(f), NewCmdPatchPatterns(f), NewCmdPatchApply(f), NewCmdPatchVerify(f), NewCmdPatchPR(f))
	return cmd
}

// PatchInputs are the flags every patch command shares: where the failures
// and the templates are.
type PatchInputs struct {
	DB           string
	TemplatesDir string
	Format       string
}

func (in *PatchInputs) register(fl *pflag.FlagSet) {
	fl.StringVar(&in.DB, "db", "", "DuckDB file (default db in hwcov.yaml, ./benchmark_db.duckdb)")
	fl.StringVar(&in.DB, "db-path", "", "alias of --db")
	fl.StringVar(&in.TemplatesDir, "templates", "", "your templates folder (default templates_dir in hwcov.yaml, .hwcov/templates); rules are read from patches/ beside it")
}

// templatesDir is --templates, else templates_dir in hwcov.yaml.
func (in *PatchInputs) templatesDir(f *Factory) (string, error) {
	if in.TemplatesDir != "" {
		return in.TemplatesDir, nil
	}
	cfg, err := f.Config()
	return cfg.TemplatesDir, err
}

// failures reads the newest result of every test with its fingerprint
// (storing fingerprints the database lacks, when it can be written).
func (in *PatchInputs) failures(ctx context.Context, f *Factory) ([]patch.Failure, error) {
	db, done, err := openFingerprintDB(f, in.DB)
	if err != nil {
		return nil, err
	}
	defer done()
	rs, err := db.Results(ctx, "")
	if err != nil {
		return nil, err
	}
	stored, err := db.Fingerprints(ctx)
	if err != nil {
		return nil, err
	}
	all, fresh := fingerprint.Assign(rs, stored)
	if !db.ReadOnly() {
		if err := db.SaveFingerprints(ctx, fresh); err != nil {
			return nil, err
		}
	}
	return patch.Failures(rs, all), nil
}

// load reads the templates folder, the failures and the rules (those of
// input when set).
func (in *PatchInputs) load(ctx context.Context, f *Factory, input string) (tdir string, failures []patch.Failure, rules []patch.Rule, err error) {
	if tdir, err = in.templatesDir(f); err != nil {
		return "", nil, nil, err
	}
	if failures, err = in.failures(ctx, f); err != nil {
		return "", nil, nil, err
	}
	rules, err = in.rules(tdir, input)
	return tdir, failures, rules, err
}

// rules loads the shipped rules and the repository's, or only those of input.
func (in *PatchInputs) rules(tdir, input string) ([]patch.Rule, error) {
	var rules []patch.Rule
	var err error
	if input != "" {
		rules, err = patch.LoadInput(input)
	} else {
		rules, err = patch.Load(patch.RulesDir(tdir))
	}
	if err != nil {
		return nil, usagef("fix the rule named above (docs/patches.md)", "%v", err)
	}
	return rules, nil
}

// PatchSuggestOptions are the options of `hwcov patch suggest`.
type PatchSuggestOptions struct {
	F *Factory
	PatchInputs
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
		Long: `Matches the patch rules (shipped, and your own in .hwcov/patches/) against the
newest result of every test and lists each matching rule, the template files
it would change and the tests it touches. --out DIR writes <rule>.yaml and
<rule>.diff per patch for review; hwcov patch apply --input DIR applies them.
--manual writes the steps for failures no rule patches (guide:
--suggest-manual-patches); --kind optimization lists optimization patches
(guide: --generate-optimization-patches).`,
		Example: "  hwcov patch suggest\n  hwcov patch suggest --out template_patches/\n  hwcov patch suggest --manual --out manual_patches.md\n  hwcov patch suggest --kind optimization --out optimization_patches/",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPatchSuggest(c.Context(), opts)
		},
	}
	opts.register(cmd.Flags())
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
	if opts.Kind != patch.KindFix && opts.Kind != patch.KindOptimization {
		return usagef("--kind fix (or optimization)", "--kind %q is not one of fix, optimization", opts.Kind)
	}
	tdir, failures, rules, err := opts.load(ctx, opts.F, "")
	if err != nil {
		return err
	}
	if opts.Manual {
		manual := patch.Suggest(rules, failures, patch.KindManual)
		return writeOutput(opts.F, opts.Out, func(b *strings.Builder) error {
			return reporter.WriteManual(b, manual, patch.Patterns(rules, failures))
		})
	}
	planned, held, err := patch.Plan(patch.DirSources(tdir), patch.Suggest(rules, failures, opts.Kind))
	if err != nil {
		return usagef("fix the rule or template named above", "%v", err)
	}
	printHeld(opts.F, held)
	if opts.Out != "" {
		written, err := patch.WriteSuggestions(opts.Out, tdir, planned)
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
	PatchInputs
}

// NewCmdPatchPatterns builds `hwcov patch patterns`.
func NewCmdPatchPatterns(f *Factory) *cobra.Command {
	opts := &PatchPatternsOptions{F: f}
	cmd := &cobra.Command{
		Use:     "patterns",
		Short:   "Failure patterns (fingerprints) and the patch rules that match them (guide: --identify-patch-patterns)",
		Example: "  hwcov patch patterns --db benchmark_db.duckdb",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPatchPatterns(c.Context(), opts)
		},
	}
	opts.register(cmd.Flags())
	cmd.Flags().StringVar(&opts.Format, "format", "table", formatUsage("table", reporter.PatchFormats...))
	return cmd
}

func runPatchPatterns(ctx context.Context, opts *PatchPatternsOptions) error {
	if err := checkFormat("format", opts.Format, reporter.PatchFormats...); err != nil {
		return err
	}
	_, failures, rules, err := opts.load(ctx, opts.F, "")
	if err != nil {
		return err
	}
	return reporter.WritePatterns(opts.F.Out, patch.Patterns(rules, failures), opts.Format)
}

// printHeld says which rules a plan held back.
func printHeld(f *Factory, held []string) {
	for _, h := range held {
		fmt.Fprintf(f.Err, "held back %s\n", h)
	}
}

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
