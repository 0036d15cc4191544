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

var analysisReports = map[string]struct{ short, long, example string }{
	"coverage": {
		"Coverage per category, platform and priority tier, and the gaps (guide: --analyze-coverage, --detailed-analysis)",
		"Counts the catalog's architectures that are tested and pass, per category, platform and tier, from the newest result of every test; lists the tested architectures that pass nowhere and the key models missing a platform. --format markdown is the detailed analysis, with the matrix of the tested architectures.",
		"  hwcov report coverage\n  hwcov report coverage --format markdown --out detailed_analysis.md",
	},
	"trends": {
		"Pass rate, latency or memory per platform and category over the runs of a history database (guide: --analyze-trends, --performance-trends)",
		"One row per run (the shards of a workflow run are one run), one column per platform, then per category. Regressions are marked the way `hwcov compare` decides them: new failures for the pass rate; for latency and memory a change over --threshold that the statistical test confirms against the previous runs.",
		"  hwcov report trends\n  hwcov report trends --metric latency --last 10\n  hwcov report trends --metric memory --format json",
	},
	"coverage-plan": {
		"What to do next: architectures ordered by popularity x gap, with the effort of the failure groups blocking them (guide: --generate-coverage-plan, --estimate-effort)",
		"Score = tier weight (key 3, high 2, normal 1) x platforms the architecture can run on but does not pass on. --effort adds, per failure group (hwcov report failures), the cells it blocks, the templates a fix touches and an effort estimate.",
		"  hwcov report coverage-plan --out coverage_plan.md\n  hwcov report coverage-plan --effort",
	},
	"templates": {
		"Generator effectiveness: the pass rate per template and per template chain (guide: --analyze-generators)",
		"Every result records the chain of templates its test was made from (base > category > family > hardware); each template counts the tests it took part in.",
		"  hwcov report templates\n  hwcov report templates --format markdown --out generators.md",
	},
}

// NewCmdReportAnalysis builds one of the analysis reports.
func NewCmdReportAnalysis(f *Factory, kind string) *cobra.Command {
	opts := &ReportAnalysisOptions{F: f, Req: reportrun.AnalysisRequest{Kind: kind}}
	doc := analysisReports[kind]
	cmd := &cobra.Command{
		Use: kind, Short: doc.short, Long: doc.long, Example: doc.example, Args: cobra.NoArgs,
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
