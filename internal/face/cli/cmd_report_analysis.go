package cli

import (
	"cmp"
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/reportrun"
	"github.com/hwcov/hwcov/reporter"
)

// ReportAnalysisOptions are the options of `hwcov report coverage|trends|coverage-plan|templates`.
type ReportAnalysisOptions struct {
	F   *Factory
	Req reportrun.AnalysisRequest
	Out string
}

// analysisReports are the Short texts of the reports, by name; their long help is
// in help/report.md.
var analysisReports = map[string]string{
	"coverage":      "Coverage per category, platform and priority tier, and the gaps (guide: --analyze-coverage, --detailed-analysis)",
	"trends":        "Pass rate, latency or memory per platform and category over the runs of a history database (guide: --analyze-trends, --performance-trends)",
	"coverage-plan": "What to do next: architectures ordered by popularity x gap, with the effort of the failure groups blocking them (guide: --generate-coverage-plan, --estimate-effort)",
	"templates":     "Generator effectiveness: the pass rate per template and per template chain (guide: --analyze-generators)",
}

// NewCmdReportAnalysis builds one of the analysis reports.
func NewCmdReportAnalysis(f *Factory, kind string) *cobra.Command {
	opts := &ReportAnalysisOptions{F: f, Req: reportrun.AnalysisRequest{Kind: kind}}
	cmd := &cobra.Command{
		Use: kind, Short: analysisReports[kind], Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runReportAnalysis(c.Context(), opts) },
	}
	fl, r := cmd.Flags(), &opts.Req
	addDBFlags(fl, &r.DB, &r.Format, &opts.Out, formatUsage("table", reporter.AnalysisFormats...))
	switch kind {
	case "trends":
		d := compare.DefaultOptions()
		fl.StringVar(&r.Metric, "metric", "pass-rate", "what to follow: "+strings.Join(reporter.TrendMetrics, ", "))
		fl.IntVar(&r.Last, "last", 10, "the newest runs to show (0: all)")
		fl.Float64Var(&r.Threshold, "threshold", d.Threshold*100, "smallest change of a median that counts as a regression, in percent")
		fl.Float64Var(&r.Alpha, "alpha", d.Alpha, "significance level the statistical test must reach")
	case "coverage-plan":
		fl.BoolVar(&r.Effort, "effort", false, "add the effort estimate: failure groups, templates to touch (guide: --estimate-effort)")
		fl.BoolVar(&r.Effort, "estimate-effort", false, "alias of --effort")
		fl.IntVar(&r.Top, "top", 25, "architectures to list (0: all)")
		fallthrough
	default:
		fl.StringSliceVar(&r.Hardware, "hardware", nil, "platforms to look at (default: the platforms with results; all for every platform)")
		fl.StringVar(&r.RunID, "run", "", "only this run id (default: the newest result of every test)")
	}
	return cmd
}

func runReportAnalysis(ctx context.Context, opts *ReportAnalysisOptions) error {
	r := opts.Req
	var err error
	if r.Format, err = outputFormat(r.Format, opts.Out, "table", reporter.AnalysisFormats...); err != nil {
		return err
	}
	render, err := reportrun.Analysis(cmp.Or(ctx, context.Background()), opts.F.Workspace, r)
	if err != nil {
		return err
	}
	return writeOutput(opts.F, opts.Out, func(b *strings.Builder) error { return render(b) })
}
