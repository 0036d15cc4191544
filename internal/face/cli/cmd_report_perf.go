package cli

import (
	"cmp"
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/reportrun"
	"github.com/hwcov/hwcov/reporter"
)

// ReportPerfOptions are the options of `hwcov report validation|hardware|optimal-hardware|optimization-impact|profile`.
type ReportPerfOptions struct {
	F           *Factory
	Req         reportrun.PerfRequest
	Format, Out string
}

// perfReports are the Short texts of the reports, by name; their long help is
// in help/report.md.
var perfReports = map[string]string{
	"validation":          "Outputs compared with the CPU reference: max abs/rel diff, tolerance, verdict (guide: --validation-report)",
	"hardware":            "Latency per model and platform: mean, median, CV, speed-up vs cpu (guide: --compare-hardware-performance)",
	"optimal-hardware":    "The fastest compatible platform per architecture and per category (guide: --optimal-hardware-analysis)",
	"optimization-impact": "Compare a baseline run with an optimized one using the stored samples (guide: --optimization-impact)",
	"optimizations":       "Optimization opportunities in benchmark data: unapplied platform optimizations, faster platforms, noisy timings (guide: --identify-optimizations)",
	"profile":             "A test's layer or memory profile (from hwcov run --profile layers|memory)",
}

// NewCmdReportPerf builds one of the performance reports.
func NewCmdReportPerf(f *Factory, kind string) *cobra.Command {
	opts := &ReportPerfOptions{F: f, Req: reportrun.PerfRequest{Kind: kind}}
	cmd := &cobra.Command{
		Use: kind, Short: perfReports[kind], Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runReportPerf(c.Context(), opts) },
	}
	fl, r := cmd.Flags(), &opts.Req
	addDBFlags(fl, &r.DB, &opts.Format, &opts.Out, formatUsage("table", reporter.PerfFormats...))
	switch kind {
	case "optimization-impact":
		fl.StringVar(&r.Base, "base", "", "run id of the baseline (e.g. run with --optimizations none)")
		fl.StringVar(&r.Head, "head", "", "run id of the optimized run")
		fl.Float64Var(&r.Alpha, "alpha", 0.05, "significance level")
	case "profile":
		fl.StringVar(&r.Test, "test", "", "test id, e.g. bert@cpu/fp32/b1/s128")
		fl.IntVar(&r.Top, "top", 15, "rows per table")
		fl.StringVar(&r.RunID, "run", "", "the result of this run id (default: the newest profiled result)")
	default:
		fl.StringSliceVar(&r.Models, "models", nil, "only these architectures")
		fl.StringSliceVar(&r.Models, "model", nil, "alias of --models")
		fl.StringVar(&r.RunID, "run", "", "only this run id (default: the newest result of every test)")
	}
	return cmd
}

func runReportPerf(ctx context.Context, opts *ReportPerfOptions) error {
	format, err := outputFormat(opts.Format, opts.Out, "table", reporter.PerfFormats...)
	if err != nil {
		return err
	}
	tables, err := reportrun.Perf(cmp.Or(ctx, context.Background()), opts.F.Workspace, opts.Req)
	if err != nil {
		return err
	}
	return writeOutput(opts.F, opts.Out, func(b *strings.Builder) error { return reporter.RenderTables(b, tables, format) })
}
