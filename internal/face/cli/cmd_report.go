package cli

import (
	"cmp"
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/reportrun"
	"github.com/hwcov/hwcov/reporter"
)

// NewCmdReport builds `hwcov report`.
func NewCmdReport(f *Factory) *cobra.Command {
	cmd := group("report", "Reports from the results database",
		NewCmdReportMatrix(f), NewCmdReportFailures(f), NewCmdReportExport(f), NewCmdReportDashboard(f))
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
	F           *Factory
	Req         reportrun.MatrixRequest
	Format, Out string
}

// NewCmdReportMatrix builds `hwcov report matrix`.
func NewCmdReportMatrix(f *Factory) *cobra.Command {
	opts := &ReportMatrixOptions{F: f}
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "The compatibility matrix: architecture x hardware, with pass rates (guide: --report)",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runReportMatrix(c.Context(), opts) },
	}
	fl, r := cmd.Flags(), &opts.Req
	addDBFlags(fl, &r.DB, &opts.Format, &opts.Out, formatUsage("table", matrixFormats...))
	fl.StringVar(&r.Category, "category", "", "only this category")
	fl.StringSliceVar(&r.Hardware, "hardware", nil, "columns (default: the platforms with results; all for every platform)")
	fl.BoolVar(&r.AllModels, "all-models", false, "every architecture of the catalog, tested or not")
	fl.BoolVar(&r.AllModels, "expand-hf-models", false, "alias of --all-models")
	fl.StringVar(&r.RunID, "run", "", "only this run id (default: the newest result of every test)")
	return cmd
}

func runReportMatrix(ctx context.Context, opts *ReportMatrixOptions) error {
	f := opts.F
	ctx = cmp.Or(ctx, context.Background())
	format, err := outputFormat(opts.Format, opts.Out, "table", matrixFormats...)
	if err != nil {
		return err
	}
	if format == "html" {
		return writeMatrixPage(ctx, opts)
	}
	m, err := reportrun.Matrix(ctx, f.Workspace, opts.Req)
	if err != nil {
		return err
	}
	f.result(m)
	return writeOutput(f, opts.Out, func(b *strings.Builder) error { return reporter.RenderMatrix(b, m, format) })
}
