package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/reporter"
)

// ReportAnalysisOptions are the options of `hwcov report coverage|trends|coverage-plan|templates`.
type ReportAnalysisOptions struct {
	F         *Factory
	Kind      string
	DB        string
	Format    string
	Out       string
	Hardware  []string
	RunID     string
	Metric    string
	Last      int
	Threshold float64 // percent
	Alpha     float64
	Effort    bool
	Top       int
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
	opts := &ReportAnalysisOptions{F: f, Kind: kind}
	doc := analysisReports[kind]
	cmd := &cobra.Command{
		Use: kind, Short: doc.short, Long: doc.long, Example: doc.example, Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runReportAnalysis(c.Context(), opts) },
	}
	fl := cmd.Flags()
	addDBFlags(fl, &opts.DB, &opts.Format, &opts.Out, formatUsage("table", reporter.AnalysisFormats...))
	switch kind {
	case "trends":
		d := compare.DefaultOptions()
		fl.StringVar(&opts.Metric, "metric", "pass-rate", "what to follow: "+strings.Join(reporter.TrendMetrics, ", "))
		fl.IntVar(&opts.Last, "last", 10, "the newest runs to show (0: all)")
		fl.Float64Var(&opts.Threshold, "threshold", d.Threshold*100, "smallest change of a median that counts as a regression, in percent")
		fl.Float64Var(&opts.Alpha, "alpha", d.Alpha, "significance level the statistical test must reach")
	case "coverage-plan":
		fl.BoolVar(&opts.Effort, "effort", false, "add the effort estimate: failure groups, templates to touch (guide: --estimate-effort)")
		fl.BoolVar(&opts.Effort, "estimate-effort", false, "alias of --effort")
		fl.IntVar(&opts.Top, "top", 25, "architectures to list (0: all)")
		fallthrough
	default:
		fl.StringSliceVar(&opts.Hardware, "hardware", nil, "platforms to look at (default: the platforms with results; all for every platform)")
		fl.StringVar(&opts.RunID, "run", "", "only this run id (default: the newest result of every test)")
	}
	return cmd
}

func runReportAnalysis(ctx context.Context, opts *ReportAnalysisOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	format, err := outputFormat(opts.Format, opts.Out, "table", reporter.AnalysisFormats...)
	if err != nil {
		return err
	}
	var render func(b *strings.Builder) error
	switch opts.Kind {
	case "trends":
		render, err = opts.trends(ctx, format)
	case "coverage-plan":
		render, err = opts.plan(ctx, format)
	default:
		render, err = opts.current(ctx, format)
	}
	if err != nil {
		return err
	}
	return writeOutput(opts.F, opts.Out, render)
}

// current renders the coverage or templates report of the newest results.
func (opts *ReportAnalysisOptions) current(ctx context.Context, format string) (func(*strings.Builder) error, error) {
	db, err := openDB(opts.F, opts.DB, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rs, err := db.Results(ctx, opts.RunID)
	if err != nil {
		return nil, err
	}
	if opts.Kind == "templates" {
		rep := reporter.BuildTemplateReport(rs)
		return func(b *strings.Builder) error { return reporter.WriteTemplates(b, rep, format) }, nil
	}
	m, err := buildMatrix(opts.F, rs, opts.Hardware, true, nil)
	if err != nil {
		return nil, err
	}
	c, _ := opts.F.Catalog() // buildMatrix read it
	cov := reporter.BuildCoverage(m, reporter.PopularityOf(c))
	return func(b *strings.Builder) error { return reporter.WriteCoverage(b, cov, m, format) }, nil
}

// trends renders the trend of opts.Metric over every run.
func (opts *ReportAnalysisOptions) trends(ctx context.Context, format string) (func(*strings.Builder) error, error) {
	db, err := openDB(opts.F, opts.DB, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	all, err := db.AllResults(ctx)
	if err != nil {
		return nil, err
	}
	runs, err := db.Runs(ctx)
	if err != nil {
		return nil, err
	}
	o := compare.DefaultOptions()
	o.Threshold, o.Alpha = opts.Threshold/100, opts.Alpha
	tr, err := reporter.BuildTrends(reporter.TrendInput{Results: all, Runs: runs, Metric: opts.Metric, Last: opts.Last, Options: o})
	if err != nil {
		return nil, usagef("--metric pass-rate (or latency, memory) --threshold 10 --alpha 0.01", "%v", err)
	}
	return func(b *strings.Builder) error { return reporter.WriteTrends(b, tr, format) }, nil
}

// plan renders the coverage plan of the newest results, fingerprinting
// their failures as `hwcov report failures` does.
func (opts *ReportAnalysisOptions) plan(ctx context.Context, format string) (func(*strings.Builder) error, error) {
	db, done, err := openFingerprintDB(opts.F, opts.DB)
	if err != nil {
		return nil, err
	}
	defer done()
	rs, fps, err := db.ResultsWithFingerprints(ctx, opts.RunID)
	if err != nil {
		return nil, err
	}
	m, err := buildMatrix(opts.F, rs, opts.Hardware, true, nil)
	if err != nil {
		return nil, err
	}
	c, _ := opts.F.Catalog() // buildMatrix read it
	p := reporter.BuildPlan(reporter.PlanInput{Matrix: m, Popularity: reporter.PopularityOf(c), Results: rs, Fingerprints: fps, Top: opts.Top})
	return func(b *strings.Builder) error { return reporter.WritePlan(b, p, opts.Effort, format) }, nil
}
