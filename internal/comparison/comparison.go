package comparison

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/baseline"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/reporter"
)

// Comparison is a loaded and compared base and head.
type Comparison struct {
	Report     compare.Report
	Matrix     reporter.Matrix
	HeadRuns   []results.Run
	BaseRuns   []results.Run
	Policy     compare.Policy
	Violations []string
	BaseLabel  string
	HeadLabel  string
	NoBaseline string // why the base is empty, from baseline fetch's note
}

// Input names the databases and how to compare them. Catalog and Hardware
// give the head's matrix its order, categories and compatibility; either may
// be nil.
type Input struct {
	Base, Head string
	Options    compare.Options
	Policy     compare.Policy
	Catalog    *catalog.Catalog
	Hardware   *hardware.Registry
}

// Load opens both databases, compares them and builds the head's
// compatibility matrix. cmd names the command for hints.
func Load(ctx context.Context, in Input, cmd string) (*Comparison, error) {
	head, headRuns, err := ReadDB(ctx, in.Head, "head", true, 0)
	if err != nil {
		return nil, err
	}
	var base []results.Result
	var baseRuns []results.Run
	if in.Base != "" {
		if _, err := os.Stat(in.Base); errors.Is(err, os.ErrNotExist) {
			return nil, hwerr.Usagef("hwcov baseline fetch --out "+in.Base+", or leave --base out to report without a baseline",
				"base database %q does not exist", in.Base)
		}
		if base, baseRuns, err = ReadDB(ctx, in.Base, "base", false, in.Options.Window); err != nil {
			return nil, err
		}
	}
	opts := in.Options
	opts.BaseRuns, opts.HeadRuns = baseRuns, headRuns
	rep, err := compare.Compare(base, head, opts)
	if err != nil {
		return nil, hwerr.Usagef(cmd+" --help", "%v", err)
	}
	c := &Comparison{Report: rep, HeadRuns: headRuns, BaseRuns: baseRuns, Policy: in.Policy,
		Violations: in.Policy.Violations(rep), Matrix: HeadMatrix(head, in.Catalog, in.Hardware, in.Options.Declared)}
	if in.Base != "" && len(base) == 0 {
		if n := baseline.ReadNote(in.Base); n != nil {
			c.NoBaseline = n.Markdown()
		}
	}
	c.BaseLabel = RunsLabel(baseRuns, in.Base)
	c.HeadLabel = RunsLabel(headRuns, in.Head)
	return c, nil
}

// recentReader is a store that can read only each test's newest runs, all
// a comparison needs from a history database.
type recentReader interface {
	RecentResults(ctx context.Context, window int) ([]results.Result, error)
}

// ReadDB reads every attempt of every test in a database (or, with a
// window and a store that can, of each test's newest window runs), plus a
// not-run result for each planned test of a lost shard (head only). An
// older-schema file (a base from an older hwcov) is migrated on a copy.
func ReadDB(ctx context.Context, path, side string, lost bool, window int) ([]results.Result, []results.Run, error) {
	db, cleanup, err := store.OpenReadOnlyMigrated(path)
	defer cleanup()
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, hwerr.Usagef("pass the merged database: hwcov merge --into run.duckdb shards/", "%s database %q does not exist", side, path)
		}
		return nil, nil, &store.FileError{Path: path, Side: side, Err: err}
	}
	defer db.Close()
	var rs []results.Result
	if rr, ok := any(db).(recentReader); ok && window > 0 {
		rs, err = rr.RecentResults(ctx, window)
	} else {
		rs, err = db.AllResults(ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	if lost {
		if rs, err = db.WithLostShards(ctx, rs); err != nil {
			return nil, nil, err
		}
	}
	runs, err := db.Runs(ctx)
	if err != nil {
		return nil, nil, err
	}
	return rs, runs, nil
}

// HeadMatrix builds the head's compatibility matrix: catalog order and
// categories, the platforms that have results, the compatibility rules and
// the declared unsupported pairs.
func HeadMatrix(rs []results.Result, c *catalog.Catalog, reg *hardware.Registry, decl outcome.Declarations) reporter.Matrix {
	in := reporter.MatrixInput{Results: store.NewestPerTest(rs), Declared: decl}
	if reg != nil {
		in.Platforms = reporter.ResultPlatforms(rs, reg.Keys())
	}
	if c != nil {
		in.Archs = reporter.CatalogArchs(c.Architectures)
		if reg != nil {
			in.Compat = hardware.CompatFunc(c, reg)
		}
	}
	return reporter.BuildMatrix(in)
}

// RunsLabel names what a database holds: "`main` @ `abc1234`", "#7 @
// `abc1234`", or the file name.
func RunsLabel(runs []results.Run, path string) string {
	if path == "" {
		return ""
	}
	var newest *results.Run
	for i := range runs {
		if runs[i].GitSHA != "" && (newest == nil || runs[i].StartedAt.After(newest.StartedAt)) {
			newest = &runs[i]
		}
	}
	if newest == nil {
		return "`" + safeLabel(filepath.Base(path)) + "`"
	}
	sha := safeLabel(newest.GitSHA)
	if len(sha) > 7 {
		sha = sha[:7]
	}
	switch ref := newest.GitRef; {
	case newest.PRNumber > 0:
		return fmt.Sprintf("#%d @ `%s`", newest.PRNumber, sha)
	case strings.HasPrefix(ref, "refs/heads/"):
		return fmt.Sprintf("`%s` @ `%s`", safeLabel(strings.TrimPrefix(ref, "refs/heads/")), sha)
	}
	return "`" + sha + "`"
}

// safeLabel keeps characters that cannot break out of a code span.
func safeLabel(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '`' || r == '\n' || r == '\r' || r == '|' || r == '<' || r == '>' {
			return '_'
		}
		return r
	}, s)
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// ReportInput is what the reporter renders for the comparison.
func (c *Comparison) ReportInput(details string, chart bool) reporter.ReportInput {
	m := c.Matrix
	return reporter.ReportInput{Report: c.Report, Matrix: &m, BaseLabel: c.BaseLabel, HeadLabel: c.HeadLabel,
		DetailsURL: details, Chart: chart, NoBaseline: c.NoBaseline}
}

// JSON is `hwcov compare --format json`: the report plus the verdict.
type JSON struct {
	Verdict    string   `json:"verdict"`
	FailOn     string   `json:"fail_on"`
	Failed     bool     `json:"failed"`
	Violations []string `json:"violations"`
	compare.Report
}

// JSON is the comparison as `hwcov compare --format json` writes it.
func (c *Comparison) JSON() JSON {
	v := JSON{Verdict: reporter.Verdict(c.Report), FailOn: c.Policy.String(), Failed: len(c.Violations) > 0,
		Violations: c.Violations, Report: c.Report}
	if v.Violations == nil {
		v.Violations = []string{}
	}
	return v
}

// Verdict is the policy's exit: a *hwerr.PolicyError naming what failed, or nil.
func (c *Comparison) Verdict() error {
	if len(c.Violations) == 0 {
		return nil
	}
	return &hwerr.PolicyError{Msg: fmt.Sprintf("%s (--fail-on %s)", strings.Join(c.Violations, ", "), c.Policy)}
}

// Annotations are the report's annotations, pointing at the repository's
// templates (in templatesDir) when it has them; repo is owner/name.
func (c *Comparison) Annotations(workspace, repo, dir string) []reporter.Annotation {
	repoName := ""
	if _, name, ok := strings.Cut(repo, "/"); ok {
		repoName = name
	}
	return reporter.Annotations(c.Report, reporter.AnnotationOptions{
		Workspace: workspace, RepoName: repoName,
		Template: func(ch compare.Change) string { return templateFile(dir, ch) },
	})
}

// templateFile is the most specific template of the repository's templates
// folder the test was generated from, "" when the folder does not exist.
func templateFile(dir string, c compare.Change) string {
	if dir == "" || filepath.IsAbs(dir) {
		return ""
	}
	var cands []string
	if c.Architecture != "" {
		cands = append(cands, "family/"+c.Architecture+".py.tmpl")
	}
	if c.Category != "" {
		if c.Hardware != "" {
			cands = append(cands, "modality/"+c.Category+"_"+c.Hardware+".py.tmpl")
		}
		cands = append(cands, "modality/"+c.Category+".py.tmpl")
	}
	if c.Hardware != "" {
		cands = append(cands, "hardware/"+c.Hardware+".py.tmpl")
	}
	cands = append(cands, "base.py.tmpl")
	for _, cand := range cands {
		if strings.Contains(cand, "..") {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(cand))
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return filepath.ToSlash(filepath.Clean(p))
		}
	}
	return ""
}

// CheckRun is the check run of the comparison on commit sha: its verdict,
// summary and the annotations that point at a file, at most max; skipped
// counts those left out.
func (c *Comparison) CheckRun(name, sha, details string, anns []reporter.Annotation, max int) (run ghapi.CheckRun, skipped int) {
	run = ghapi.CheckRun{Name: name, HeadSHA: sha, Conclusion: "success", DetailsURL: details,
		Title:   strings.TrimSpace(reporter.Verdict(c.Report)),
		Summary: reporter.RenderCheckSummary(c.ReportInput(details, false))}
	if len(c.Violations) > 0 {
		run.Conclusion = "failure"
	}
	for _, a := range anns {
		if a.File == "" || len(run.Annotations) >= max {
			skipped++
			continue
		}
		level := ghapi.LevelWarning
		if a.Level == "error" {
			level = ghapi.LevelFailure
		}
		run.Annotations = append(run.Annotations, ghapi.Annotation{Path: a.File, StartLine: a.Line, EndLine: a.Line, Level: level,
			Title: a.Title, Message: a.Message})
	}
	return run, skipped
}
