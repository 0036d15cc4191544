package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/store"
	"github.com/hwcov/hwcov/reporter"
)

// CompareFlags are the flags compare, comment and check share: which
// databases, how to decide, and when to fail.
type CompareFlags struct {
	Base       string
	Head       string
	Threshold  float64 // percent
	Alpha      float64
	Test       string
	MinSamples int
	Window     int
	IgnoreEnv  []string
	FailOn     string
}

func (c *CompareFlags) register(fl *pflag.FlagSet) {
	d := compare.DefaultOptions()
	fl.StringVar(&c.Base, "base", "", "base branch results database, from hwcov baseline fetch (empty: no baseline)")
	fl.StringVar(&c.Head, "head", "", "this run's merged results database (required)")
	fl.StringVar(&c.Head, "db", "", "alias of --head")
	fl.Float64Var(&c.Threshold, "threshold", d.Threshold*100, "smallest change of a median that counts as a regression, in percent")
	fl.Float64Var(&c.Alpha, "alpha", d.Alpha, "significance level the statistical test must reach")
	fl.StringVar(&c.Test, "test", d.Test, "statistical test: "+strings.Join(compare.Tests, " or "))
	fl.IntVar(&c.MinSamples, "min-samples", d.MinSamples, "fewest values a side needs for a statistical test")
	fl.IntVar(&c.Window, "window", d.Window, "newest base runs of a test whose samples are pooled (a history database holds many)")
	fl.StringSliceVar(&c.IgnoreEnv, "ignore-env", nil, "environment keys that may differ between base and head (e.g. numpy)")
	fl.StringVar(&c.FailOn, "fail-on", "new-failures", "what exits 1: comma-separated "+strings.Join(compare.PolicyNames, ", "))
}

// options checks the flags and turns them into compare options and a policy.
func (c *CompareFlags) options(cmd string) (compare.Options, compare.Policy, error) {
	if c.Head == "" {
		return compare.Options{}, compare.Policy{}, usagef(cmd+" --base base.duckdb --head run.duckdb", "--head is required")
	}
	policy, err := compare.ParsePolicy(c.FailOn)
	if err != nil {
		return compare.Options{}, compare.Policy{}, usagef("--fail-on new-failures,regressions", "%v", err)
	}
	if c.Threshold <= 0 {
		return compare.Options{}, compare.Policy{}, usagef("--threshold 10", "--threshold %g: want a percentage above 0", c.Threshold)
	}
	o := compare.Options{Threshold: c.Threshold / 100, Alpha: c.Alpha, Test: c.Test, MinSamples: c.MinSamples,
		Window: c.Window, IgnoreEnv: c.IgnoreEnv}
	if _, err := compare.Compare(nil, nil, o); err != nil {
		return o, policy, usagef(cmd+" --help", "%v", err)
	}
	return o, policy, nil
}

// comparison is a loaded and compared base and head.
type comparison struct {
	report     compare.Report
	matrix     reporter.Matrix
	headRuns   []results.Run
	baseRuns   []results.Run
	policy     compare.Policy
	violations []string
	baseLabel  string
	headLabel  string
	noBaseline string // why the base is empty, from baseline fetch's note
}

// loadComparison opens both databases, compares them and builds the
// head's compatibility matrix.
func loadComparison(ctx context.Context, f *Factory, c *CompareFlags, cmd string) (*comparison, error) {
	opts, policy, err := c.options(cmd)
	if err != nil {
		return nil, err
	}
	head, headRuns, err := readResults(ctx, f, c.Head, "head", true, 0)
	if err != nil {
		return nil, err
	}
	var base []results.Result
	var baseRuns []results.Run
	if c.Base != "" {
		if _, err := os.Stat(c.Base); errors.Is(err, os.ErrNotExist) {
			return nil, usagef("hwcov baseline fetch --out "+c.Base+", or leave --base out to report without a baseline",
				"base database %q does not exist", c.Base)
		}
		if base, baseRuns, err = readResults(ctx, f, c.Base, "base", false, opts.Window); err != nil {
			return nil, err
		}
	}
	opts.BaseRuns, opts.HeadRuns = baseRuns, headRuns
	rep, err := compare.Compare(base, head, opts)
	if err != nil {
		return nil, usagef(cmd+" --help", "%v", err)
	}
	cmp := &comparison{report: rep, headRuns: headRuns, baseRuns: baseRuns, policy: policy,
		violations: policy.Violations(rep), matrix: headMatrix(f, head)}
	if c.Base != "" && len(base) == 0 {
		if n := readBaselineNote(c.Base); n != nil {
			cmp.noBaseline = n.Markdown()
		}
	}
	cmp.baseLabel = runsLabel(baseRuns, c.Base)
	cmp.headLabel = runsLabel(headRuns, c.Head)
	return cmp, nil
}

// recentReader is a store that can read only each test's newest runs, all
// a comparison needs from a history database.
type recentReader interface {
	RecentResults(ctx context.Context, window int) ([]results.Result, error)
}

// readResults reads every attempt of every test in a database (or, with a
// window and a store that can, of each test's newest window runs), plus a
// not-run result for each planned test of a lost shard (head only). An
// older-schema file (a base from an older hwcov) is migrated on a copy.
func readResults(ctx context.Context, f *Factory, path, side string, lost bool, window int) ([]results.Result, []results.Run, error) {
	db, cleanup, err := store.OpenReadOnlyMigrated(path)
	defer cleanup()
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, usagef("pass the merged database: hwcov merge --into run.duckdb shards/", "%s database %q does not exist", side, path)
		}
		return nil, nil, dbError(path, side, err)
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
		if rs, err = withLostShards(ctx, db, rs); err != nil {
			return nil, nil, err
		}
	}
	runs, err := db.Runs(ctx)
	if err != nil {
		return nil, nil, err
	}
	return rs, runs, nil
}

// headMatrix builds the head's compatibility matrix: catalog order and
// categories, the platforms that have results, the compatibility rules.
func headMatrix(f *Factory, rs []results.Result) reporter.Matrix {
	in := reporter.MatrixInput{Results: store.NewestPerTest(rs)}
	c, cerr := f.Catalog()
	reg, herr := f.Hardware()
	if herr == nil {
		seen := map[string]bool{}
		for _, r := range rs {
			if r.Hardware != "" {
				seen[r.Hardware] = true
			}
		}
		for _, k := range reg.Keys() {
			if seen[k] {
				in.Platforms = append(in.Platforms, k)
				delete(seen, k)
			}
		}
		var unknown []string
		for k := range seen {
			unknown = append(unknown, k)
		}
		sort.Strings(unknown)
		in.Platforms = append(in.Platforms, unknown...)
	}
	if cerr == nil {
		for _, a := range c.Architectures {
			in.Archs = append(in.Archs, reporter.Arch{Name: a.Name, Category: a.Category})
		}
		if herr == nil {
			in.Compat = func(arch, hw string) (bool, string) {
				a, ok1 := c.Get(arch)
				p, ok2 := reg.Get(hw)
				if !ok1 || !ok2 {
					return true, ""
				}
				return hardware.Compatible(a, p, "")
			}
		}
	}
	return reporter.BuildMatrix(in)
}

// runsLabel names what a database holds: "`main` @ `abc1234`", "#7 @
// `abc1234`", or the file name.
func runsLabel(runs []results.Run, path string) string {
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

// reportInput is what the reporter renders for a comparison.
func (c *comparison) reportInput(details string, chart bool) reporter.ReportInput {
	m := c.matrix
	return reporter.ReportInput{Report: c.report, Matrix: &m, BaseLabel: c.baseLabel, HeadLabel: c.headLabel,
		DetailsURL: details, Chart: chart, NoBaseline: c.noBaseline}
}

// verdict is the policy's exit: a policyError naming what failed, or nil.
func (c *comparison) verdict() error {
	if len(c.violations) == 0 {
		return nil
	}
	return &policyError{Msg: fmt.Sprintf("%s (--fail-on %s)", strings.Join(c.violations, ", "), c.policy)}
}

// annotations are the report's annotations, pointing at the repository's
// templates when it has them.
func (c *comparison) annotations(f *Factory) []reporter.Annotation {
	repoName := ""
	if _, name, ok := strings.Cut(f.Getenv("GITHUB_REPOSITORY"), "/"); ok {
		repoName = name
	}
	dir := ""
	if cfg, err := f.Config(); err == nil {
		dir = cfg.TemplatesDir
	}
	return reporter.Annotations(c.report, reporter.AnnotationOptions{
		Workspace: f.Getenv("GITHUB_WORKSPACE"), RepoName: repoName,
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

// appendStepSummary appends markdown to $GITHUB_STEP_SUMMARY when it is set.
func appendStepSummary(f *Factory, markdown string) error {
	path := f.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	file, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write the job summary: %w", err)
	}
	if _, err := io.WriteString(file, markdown+"\n"); err != nil {
		file.Close()
		return fmt.Errorf("write the job summary: %w", err)
	}
	return file.Close()
}

// detailsURL is the run's page: $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID.
func detailsURL(f *Factory) string {
	server, repo, run := f.Getenv("GITHUB_SERVER_URL"), f.Getenv("GITHUB_REPOSITORY"), f.Getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || run == "" {
		return ""
	}
	return strings.TrimSuffix(server, "/") + "/" + repo + "/actions/runs/" + run
}

// CompareOptions are the options of `hwcov compare`.
type CompareOptions struct {
	F       *Factory
	Flags   CompareFlags
	Format  string
	Out     string
	Summary bool
	Details string
}

// CompareFormats are the formats `hwcov compare` writes.
var CompareFormats = []string{"markdown", "json"}

// NewCmdCompare builds `hwcov compare`.
func NewCmdCompare(f *Factory) *cobra.Command {
	opts := &CompareOptions{F: f}
	cmd := &cobra.Command{
		Use:   "compare --base base.duckdb --head run.duckdb",
		Short: "Compare a run with the base branch: new failures, fixed, flaky, not run, regressions",
		Long: `Compares every test of the head database with the same test id in the base:
new failures (passed in the base, fail now), fixed, still failing, flaky (failed,
then passed on a rerun), not run (ran in the base; a lost shard), new tests.
Latency (the timed samples) and peak memory are compared per test id, never
across hardware, precision, batch or sequence length, and only between runs whose
recorded environment agrees. A change is a regression only when the median moved
by at least --threshold percent AND the statistical test (Mann-Whitney U, or
Welch's t) gives p < --alpha; too few samples are reported as insufficient data.

Writes the job summary to $GITHUB_STEP_SUMMARY and annotations for new failures
when run in GitHub Actions. Exits 1 when --fail-on says so (default: new failures).`,
		Example: "  hwcov compare --base base.duckdb --head run.duckdb\n" +
			"  hwcov compare --base history.duckdb --head run.duckdb --format json --fail-on new-failures,regressions\n" +
			"  hwcov compare --head run.duckdb --threshold 5 --alpha 0.001 --test welch",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runCompare(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.Flags.register(fl)
	fl.StringVar(&opts.Format, "format", "", formatUsage("markdown", CompareFormats...))
	fl.StringVarP(&opts.Out, "out", "o", "", "write to this file instead of stdout")
	fl.BoolVar(&opts.Summary, "summary", true, "append the report to $GITHUB_STEP_SUMMARY when it is set")
	fl.StringVar(&opts.Details, "details-url", "", "link to the full report (default: this workflow run's page)")
	return cmd
}

// compareJSON is `hwcov compare --format json`: the report plus the verdict.
type compareJSON struct {
	Verdict    string   `json:"verdict"`
	FailOn     string   `json:"fail_on"`
	Failed     bool     `json:"failed"`
	Violations []string `json:"violations"`
	compare.Report
}

func runCompare(ctx context.Context, opts *CompareOptions) error {
	f := opts.F
	if ctx == nil {
		ctx = context.Background()
	}
	format, err := outputFormat(opts.Format, opts.Out, "markdown", CompareFormats...)
	if err != nil {
		return err
	}
	cmp, err := loadComparison(ctx, f, &opts.Flags, "hwcov compare")
	if err != nil {
		return err
	}
	details := cmpOr(opts.Details, detailsURL(f))
	in := cmp.reportInput(details, true)
	summary := reporter.RenderSummary(in)
	err = writeOutput(f, opts.Out, func(b *strings.Builder) error {
		if format == "json" {
			v := compareJSON{Verdict: reporter.Verdict(cmp.report), FailOn: cmp.policy.String(),
				Failed: len(cmp.violations) > 0, Violations: cmp.violations, Report: cmp.report}
			if v.Violations == nil {
				v.Violations = []string{}
			}
			return writeJSON(b, v)
		}
		b.WriteString(summary)
		return nil
	})
	if err != nil {
		return err
	}
	if opts.Summary {
		if err := appendStepSummary(f, summary); err != nil {
			return err
		}
	}
	if f.Getenv("GITHUB_ACTIONS") == "true" {
		if err := reporter.WriteAnnotations(f.Err, cmp.annotations(f), 10); err != nil {
			return err
		}
	}
	fmt.Fprintf(f.Err, "hwcov compare: %s\n", reporter.Verdict(cmp.report))
	if cmp.noBaseline != "" {
		fmt.Fprintf(f.Err, "hwcov compare: %s\n", strings.ReplaceAll(cmp.noBaseline, "`", ""))
	}
	return cmp.verdict()
}
