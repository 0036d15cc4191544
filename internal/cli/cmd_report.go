package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/reporter"
)

// NewCmdReport builds `hwcov report`.
func NewCmdReport(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Reports from the results database",
	}
	cmd.AddCommand(NewCmdReportMatrix(f), NewCmdReportFailures(f), NewCmdReportExport(f), NewCmdReportDashboard(f))
	for _, kind := range []string{"coverage", "trends", "coverage-plan", "templates"} {
		cmd.AddCommand(NewCmdReportAnalysis(f, kind))
	}
	for _, kind := range []string{"validation", "hardware", "optimal-hardware", "optimization-impact", "profile", "optimizations"} {
		cmd.AddCommand(NewCmdReportPerf(f, kind))
	}
	return cmd
}

// ReportMatrixOptions are the options of `hwcov report matrix`.
type ReportMatrixOptions struct {
	F         *Factory
	DB        string
	Format    string
	Category  string
	Hardware  []string
	AllModels bool
	RunID     string
	Out       string
}

// NewCmdReportMatrix builds `hwcov report matrix`.
func NewCmdReportMatrix(f *Factory) *cobra.Command {
	opts := &ReportMatrixOptions{F: f}
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "The compatibility matrix: architecture x hardware, with pass rates (guide: --report)",
		Long: `Reads the newest result of every test from the database and prints one row per
architecture, one column per platform. A cell is pass, fail, timeout, crash,
skip, not buildable, not run or incompatible (with the rule's reason in json and
csv), or harness (hwcov's harness failed: on cpu, or where cpu failed too) or
declared unsupported (.hwcov/unsupported.yaml; see docs/outcomes.md); pass
rates per category and per platform follow. --all-models lists every
architecture of the catalog, tested or not (guide: --expand-hf-models --report).
--format html (or --out FILE.html) writes the dashboard's matrix view alone as
one self-contained page (guide: --visualize-coverage).`,
		Example: "  hwcov report matrix\n  hwcov report matrix --format markdown --out matrix.md\n  hwcov report matrix --all-models --category vision --hardware cpu,openvino\n  hwcov report matrix --format html --out coverage_visualization.html",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runReportMatrix(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addDBFlags(fl, &opts.DB, &opts.Format, &opts.Out, formatUsage("table", matrixFormats...))
	fl.StringVar(&opts.Category, "category", "", "only this category")
	fl.StringSliceVar(&opts.Hardware, "hardware", nil, "columns (default: the platforms with results; all for every platform)")
	fl.BoolVar(&opts.AllModels, "all-models", false, "every architecture of the catalog, tested or not")
	fl.BoolVar(&opts.AllModels, "expand-hf-models", false, "alias of --all-models")
	fl.StringVar(&opts.RunID, "run", "", "only this run id (default: the newest result of every test)")
	return cmd
}

func runReportMatrix(ctx context.Context, opts *ReportMatrixOptions) error {
	f := opts.F
	if ctx == nil {
		ctx = context.Background()
	}
	format, err := outputFormat(opts.Format, opts.Out, "table", matrixFormats...)
	if err != nil {
		return err
	}
	if format == "html" {
		return writeMatrixPage(ctx, opts)
	}
	var cats []string
	if opts.Category != "" {
		cat, ok := catalog.NormalizeCategory(opts.Category)
		if !ok {
			return selectError(&catalog.UnknownError{Kind: "category", Name: opts.Category, Closest: catalog.Closest(opts.Category, catalog.Categories, 3)})
		}
		cats = []string{cat}
	}
	db, err := openDB(f, opts.DB, true)
	if err != nil {
		return err
	}
	defer db.Close()
	rs, err := db.Results(ctx, opts.RunID)
	if err != nil {
		return err
	}
	if opts.RunID == "" {
		if rs, err = db.WithLostShards(ctx, rs); err != nil {
			return err
		}
	}
	m, err := buildMatrix(f, rs, opts.Hardware, opts.AllModels, cats)
	if err != nil {
		return err
	}
	f.result(m)
	return writeOutput(f, opts.Out, func(b *strings.Builder) error { return reporter.RenderMatrix(b, m, format) })
}

// buildMatrix builds the matrix of rs over the platforms named in hw (else
// those with results): the architectures with results, or every catalog
// architecture with all, of categories cats (empty: all).
func buildMatrix(f *Factory, rs []results.Result, hw []string, all bool, cats []string) (reporter.Matrix, error) {
	c, err := f.Catalog()
	if err != nil {
		return reporter.Matrix{}, err
	}
	reg, err := f.Hardware()
	if err != nil {
		return reporter.Matrix{}, err
	}
	keys, err := platformKeys(f, hw, rs, reg)
	if err != nil {
		return reporter.Matrix{}, err
	}
	decl, err := f.Declarations()
	if err != nil {
		return reporter.Matrix{}, err
	}
	return reporter.BuildMatrix(reporter.MatrixInput{Archs: reporter.CatalogArchs(c.Architectures), Platforms: keys, Results: rs,
		All: all, Categories: cats, Declared: decl, Compat: hardware.CompatFunc(c, reg)}), nil
}

// platformKeys are the matrix's columns: hw, else the platforms the
// results are of (reporter.ResultPlatforms).
func platformKeys(f *Factory, hw []string, rs []results.Result, reg *hardware.Registry) (keys []string, err error) {
	if len(hw) == 0 {
		return reporter.ResultPlatforms(rs, reg.Keys()), nil
	}
	ps, err := f.Platforms(hw)
	for _, p := range ps {
		keys = append(keys, p.PlatformKey)
	}
	return keys, err
}
