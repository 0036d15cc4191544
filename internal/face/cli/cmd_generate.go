package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/generator"
)

// GenerateOptions are the options of `hwcov generate`.
type GenerateOptions struct {
	F            *Factory
	Models       ModelFlags
	Hardware     []string
	Out          string
	DryRun       bool
	Precision    string
	TemplatesDir string
	Quiet        bool
}

// NewCmdGenerate builds `hwcov generate`.
func NewCmdGenerate(f *Factory) *cobra.Command {
	opts := &GenerateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write one readable pytest file per (architecture, hardware) from the templates",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runGenerate(opts) },
	}
	addModelFlags(cmd.Flags(), &opts.Models)
	cmd.Flags().StringSliceVar(&opts.Hardware, "hardware", []string{"cpu"}, "platforms, comma-separated, or all")
	cmd.Flags().StringVar(&opts.Out, "out", "generated_tests", "folder to write the tests into")
	cmd.Flags().StringVar(&opts.Out, "output-dir", "generated_tests", "alias of --out")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "render everything, write nothing, list what would be written")
	cmd.Flags().StringVar(&opts.Precision, "precision", "", "precision (default: each platform's preferred)")
	cmd.Flags().StringVar(&opts.TemplatesDir, "templates", "", "templates folder (default templates_dir in hwcov.yaml, .hwcov/templates when present)")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "do not list skipped pairs")
	return cmd
}

func runGenerate(opts *GenerateOptions) error {
	f := opts.F
	start := time.Now()
	r, err := f.RenderTests(opts.Models, opts.Hardware, opts.TemplatesDir, opts.Precision)
	if err != nil {
		return err
	}
	if !opts.Quiet {
		for _, s := range r.Skipped {
			fmt.Fprintf(f.Err, "skip %s: %s\n", s.Pair, s.Reason)
		}
	}
	if opts.DryRun {
		for _, t := range r.Tests {
			fmt.Fprintf(f.Out, "%s\t%s\t%s\n", t.Rendered.Path, t.ID, t.Chain)
		}
		fmt.Fprintf(f.Out, "dry run: %d files would be written to %s, %d incompatible pairs skipped (%s)\n",
			len(r.Tests), opts.Out, len(r.Skipped), time.Since(start).Round(time.Millisecond))
		return nil
	}
	if len(r.Tests) == 0 {
		return usagef("hwcov generate --models bert --hardware cpu", "no compatible (architecture, hardware) pair to generate (%d skipped)", len(r.Skipped))
	}
	if err := r.WriteTests(opts.Out, r.Tests); err != nil {
		return err
	}
	fmt.Fprintf(f.Out, "wrote %d tests to %s (%s), %d incompatible pairs skipped\n", len(r.Tests), opts.Out, generator.CountByHardware(r.Tests), len(r.Skipped))
	return nil
}

// NewCmdTemplates builds `hwcov templates`.
func NewCmdTemplates(f *Factory) *cobra.Command {
	return group("templates", "Copy, list and explain the template hierarchy",
		NewCmdTemplatesInit(f), NewCmdTemplatesWhich(f), NewCmdTemplatesList(f), NewCmdTemplatesCheck(f))
}

// TemplatesInitOptions are the options of `hwcov templates init`.
type TemplatesInitOptions struct {
	F     *Factory
	Dir   string
	Force bool
}

// NewCmdTemplatesInit builds `hwcov templates init`.
func NewCmdTemplatesInit(f *Factory) *cobra.Command {
	opts := &TemplatesInitOptions{F: f}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write the default templates into your repository; from then on your copies win",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runTemplatesInit(opts) },
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "folder to write into (default templates_dir in hwcov.yaml, .hwcov/templates)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite files that exist")
	return cmd
}

func runTemplatesInit(opts *TemplatesInitOptions) error {
	dir := opts.Dir
	if dir == "" {
		cfg, err := opts.F.Config()
		if err != nil {
			return err
		}
		dir = cfg.TemplatesDir
	}
	written, err := generator.InitTemplates(dir, opts.Force)
	if err != nil {
		var ee *generator.ExistsError
		if asErr(err, &ee) {
			return usagef("pass --force to overwrite, or edit the existing files", "%v", err)
		}
		return err
	}
	fmt.Fprintf(opts.F.Out, "wrote %d templates to %s\n", len(written), dir)
	return nil
}

// TemplatesWhichOptions are the options of `hwcov templates which`.
type TemplatesWhichOptions struct {
	F            *Factory
	Model        string
	Hardware     string
	TemplatesDir string
}

// NewCmdTemplatesWhich builds `hwcov templates which`.
func NewCmdTemplatesWhich(f *Factory) *cobra.Command {
	opts := &TemplatesWhichOptions{F: f}
	cmd := &cobra.Command{
		Use:   "which --model M --hardware H",
		Short: "Print the chain of template files a test is made from",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runTemplatesWhich(opts) },
	}
	cmd.Flags().StringVar(&opts.Model, "model", "", "architecture (required)")
	cmd.Flags().StringVar(&opts.Hardware, "hardware", "cpu", "platform")
	cmd.Flags().StringVar(&opts.TemplatesDir, "templates", "", "templates folder (default .hwcov/templates when present)")
	return cmd
}

func runTemplatesWhich(opts *TemplatesWhichOptions) error {
	chain, err := opts.F.Chain(opts.Model, opts.Hardware, opts.TemplatesDir)
	if err != nil {
		return err
	}
	for _, l := range chain {
		fmt.Fprintf(opts.F.Out, "%-18s %s\n", l.Role, l)
	}
	fmt.Fprintf(opts.F.Out, "selected (the guide's select_optimal_template): %s; the hardware layer applies on top\n", generator.Selected(chain).Name)
	return nil
}

// TemplatesListOptions are the options of `hwcov templates list`.
type TemplatesListOptions struct{ F *Factory }

// NewCmdTemplatesList builds `hwcov templates list`.
func NewCmdTemplatesList(f *Factory) *cobra.Command {
	opts := &TemplatesListOptions{F: f}
	return &cobra.Command{
		Use:   "list",
		Short: "List the embedded default templates",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			for _, n := range generator.TemplateNames() {
				fmt.Fprintln(opts.F.Out, n)
			}
			return nil
		},
	}
}
