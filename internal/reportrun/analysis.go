package reportrun

import (
	"context"
	"io"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/workspace"
	"github.com/hwcov/hwcov/reporter"
)

// Render writes a built report in a format.
type Render func(w io.Writer) error

// AnalysisRequest is `hwcov report coverage|templates|trends|coverage-plan`.
type AnalysisRequest struct {
	Kind      string // coverage (default), templates, trends or coverage-plan
	DB        string
	Format    string
	Hardware  []string
	RunID     string
	Metric    string // trends: pass-rate, latency or memory
	Last      int
	Threshold float64 // percent
	Alpha     float64
	Effort    bool // coverage-plan: estimate the effort
	Top       int
}

// Analysis reads the results and builds the report of req.Kind.
func Analysis(ctx context.Context, w *workspace.Workspace, req AnalysisRequest) (Render, error) {
	switch req.Kind {
	case "trends":
		return req.trends(ctx, w)
	case "coverage-plan":
		return req.plan(ctx, w)
	}
	return req.current(ctx, w)
}

// current renders the coverage or templates report of the newest results.
func (req AnalysisRequest) current(ctx context.Context, w *workspace.Workspace) (Render, error) {
	db, err := w.OpenDB(req.DB, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rs, err := db.Results(ctx, req.RunID)
	if err != nil {
		return nil, err
	}
	if req.Kind == "templates" {
		rep := reporter.BuildTemplateReport(rs)
		return func(b io.Writer) error { return reporter.WriteTemplates(b, rep, req.Format) }, nil
	}
	m, err := BuildMatrix(w, rs, req.Hardware, true, nil)
	if err != nil {
		return nil, err
	}
	c, _ := w.Catalog() // BuildMatrix read it
	cov := reporter.BuildCoverage(m, reporter.PopularityOf(c))
	return func(b io.Writer) error { return reporter.WriteCoverage(b, cov, m, req.Format) }, nil
}

// trends renders the trend of req.Metric over every run.
func (req AnalysisRequest) trends(ctx context.Context, w *workspace.Workspace) (Render, error) {
	db, err := w.OpenDB(req.DB, true)
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
	o.Threshold, o.Alpha = req.Threshold/100, req.Alpha
	tr, err := reporter.BuildTrends(reporter.TrendInput{Results: all, Runs: runs, Metric: req.Metric, Last: req.Last, Options: o})
	if err != nil {
		return nil, hwerr.Usagef("--metric pass-rate (or latency, memory) --threshold 10 --alpha 0.01", "%v", err)
	}
	return func(b io.Writer) error { return reporter.WriteTrends(b, tr, req.Format) }, nil
}

// plan renders the coverage plan of the newest results, fingerprinting
// their failures as `hwcov report failures` does.
func (req AnalysisRequest) plan(ctx context.Context, w *workspace.Workspace) (Render, error) {
	db, done, err := w.OpenFingerprintDB(req.DB)
	if err != nil {
		return nil, err
	}
	defer done()
	rs, fps, err := db.ResultsWithFingerprints(ctx, req.RunID)
	if err != nil {
		return nil, err
	}
	m, err := BuildMatrix(w, rs, req.Hardware, true, nil)
	if err != nil {
		return nil, err
	}
	c, _ := w.Catalog() // BuildMatrix read it
	p := reporter.BuildPlan(reporter.PlanInput{Matrix: m, Popularity: reporter.PopularityOf(c), Results: rs, Fingerprints: fps, Top: req.Top})
	return func(b io.Writer) error { return reporter.WritePlan(b, p, req.Effort, req.Format) }, nil
}

// FailuresRequest is `hwcov report failures`.
type FailuresRequest struct {
	DB        string
	Format    string
	GroupBy   []string
	ByPattern bool // group by fingerprint alone
	Explain   bool
	Solutions bool
	RunID     string
}

// Failures groups the failures by fingerprint (storing the fingerprints
// the database lacks, when it can be written).
func Failures(ctx context.Context, w *workspace.Workspace, req FailuresRequest) (Render, error) {
	if req.Solutions && req.Format != "markdown" {
		return nil, hwerr.Usagef("--format markdown --solutions", "--solutions writes markdown, not %s", req.Format)
	}
	groupBy := req.GroupBy
	if req.ByPattern {
		groupBy = []string{"fingerprint"}
	}
	keys, err := fingerprint.ParseKeys(groupBy)
	if err != nil {
		return nil, hwerr.Usagef("--group-by fingerprint,hardware,template", "%v", err)
	}
	db, done, err := w.OpenFingerprintDB(req.DB)
	if err != nil {
		return nil, err
	}
	defer done()
	rs, all, err := db.ResultsWithFingerprints(ctx, req.RunID)
	if err != nil {
		return nil, err
	}
	decl, err := w.Declarations()
	if err != nil {
		return nil, err
	}
	rep := fingerprint.BuildWith(rs, all, keys, decl)
	ropts := reporter.FailureOptions{Explain: req.Explain, Solutions: req.Solutions}
	if req.Solutions {
		if ropts.Fixes, err = db.VerifiedFixes(ctx); err != nil {
			return nil, err
		}
	}
	return func(b io.Writer) error { return reporter.WriteFailures(b, rep, req.Format, ropts) }, nil
}
