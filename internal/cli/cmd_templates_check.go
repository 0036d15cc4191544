package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
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
	tests, err := readTestsDir(opts.Tests)
	if err != nil {
		return err
	}
	g, err := f.Generator(opts.TemplatesDir)
	if err != nil {
		return err
	}
	resolve, err := opts.resolver()
	if err != nil {
		return err
	}
	stale := 0
	for _, t := range tests {
		s, err := g.Check(t.File, resolve)
		if err != nil {
			return templateError(err)
		}
		if s != nil {
			stale++
			fmt.Fprintf(f.Err, "hwcov: %v\n", s)
		}
	}
	if stale > 0 {
		return &policyError{msg: fmt.Sprintf("%d of %d generated tests in %s differ from the templates; regenerate them: hwcov generate ... --out %s",
			stale, len(tests), opts.Tests, opts.Tests)}
	}
	fmt.Fprintf(f.Out, "%d generated tests in %s match the templates\n", len(tests), opts.Tests)
	return nil
}

// resolver finds a test id's architecture in the catalog and platform in the registry.
func (opts *TemplatesCheckOptions) resolver() (generator.Resolver, error) {
	c, err := opts.F.Catalog()
	if err != nil {
		return nil, err
	}
	hw, err := opts.F.Hardware()
	if err != nil {
		return nil, err
	}
	return func(id testid.ID) (catalog.Architecture, hardware.Platform, error) {
		a, ok := c.Get(id.Model)
		if !ok {
			return a, hardware.Platform{}, errors.New("architecture " + id.Model + " is not in the catalog")
		}
		p, ok := hw.Get(id.Hardware)
		if !ok {
			return a, p, errors.New("platform " + id.Hardware + " is unknown")
		}
		return a, p, nil
	}, nil
}
