package cli

import (
	"fmt"

	"github.com/spf13/cobra"
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
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runTemplatesCheck(opts) },
	}
	cmd.Flags().StringVar(&opts.Tests, "tests", "generated_tests", "folder of committed generated tests")
	cmd.Flags().StringVar(&opts.TemplatesDir, "templates", "", "templates folder (default templates_dir in hwcov.yaml, .hwcov/templates when present)")
	return cmd
}

func runTemplatesCheck(opts *TemplatesCheckOptions) error {
	f := opts.F
	n, stale, err := f.CheckTests(opts.Tests, opts.TemplatesDir)
	for _, s := range stale {
		fmt.Fprintf(f.Err, "hwcov: %v\n", s)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(f.Out, "%d generated tests in %s match the templates\n", n, opts.Tests)
	return nil
}
