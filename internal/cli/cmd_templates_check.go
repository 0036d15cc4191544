package cli

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/generator"
)

// TemplatesCheckOptions are the options of `hwcov templates check`.
type TemplatesCheckOptions struct {
	F            *Factory
	Tests        string
	TemplatesDir string
}

// NewCmdTemplatesCheck builds `hwcov templates check`.
func NewCmdTemplatesCheck(f *Factory) *cobra.Command {
	opts := &TemplatesCheckOptions{F: f}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Fail when committed generated tests differ from what the templates render (for CI)",
		Long: `Re-renders every generated test in --tests (test_*.py with a TEST_ID) from the
templates and fails, naming each file and its first differing line, when one
differs: edit the templates, not the generated files, and regenerate. The
"# Versions:" header line is not compared.`,
		Example: "  hwcov templates check --tests generated_tests/",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return runTemplatesCheck(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Tests, "tests", "generated_tests", "folder of committed generated tests")
	cmd.Flags().StringVar(&opts.TemplatesDir, "templates", "", "templates folder (default templates_dir in hwcov.yaml, .hwcov/templates when present)")
	return cmd
}

func runTemplatesCheck(opts *TemplatesCheckOptions) error {
	f := opts.F
	tests, err := generator.ReadTests(opts.Tests)
	if err != nil {
		return err
	}
	g, err := f.Generator(opts.TemplatesDir)
	if err != nil {
		return err
	}
	resolve, err := f.Resolver()
	if err != nil {
		return err
	}
	var models, hws []string
	for _, t := range tests {
		s, err := g.Check(filepath.Join(opts.Tests, filepath.Base(t.File)), resolve)
		if err != nil {
			return generator.UsageError(err)
		}
		if s != nil {
			models, hws = addOnce(models, t.ID.Model), addOnce(hws, t.ID.Hardware)
			fmt.Fprintf(f.Err, "hwcov: %v\n", s)
		}
	}
	if len(models) > 0 {
		return &policyError{Msg: fmt.Sprintf("generated tests in %s differ from the templates (edit the templates, not the files); regenerate them: hwcov generate --models %s --hardware %s --out %s",
			opts.Tests, strings.Join(models, ","), strings.Join(hws, ","), opts.Tests)}
	}
	fmt.Fprintf(f.Out, "%d generated tests in %s match the templates\n", len(tests), opts.Tests)
	return nil
}

func addOnce(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}
