package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/planner"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/errpattern"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/store"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners"
)

// RunOptions are the options of `hwcov run`.
type RunOptions struct {
	F            *Factory
	Models       ModelFlags
	Hardware     []string
	TestsDir     string
	TestsOut     string
	Shard        string
	DB           string
	Timeout      time.Duration
	Workers      int
	JUnit        string
	Resume       bool
	RunID        string
	Warmup       int
	Iterations   int
	RerunFailed  int
	Precision    string
	TemplatesDir string
	FailOnError  bool
	Verbose      bool
	Plan         string
	ShardID      string
	Schedule     string
	Which        string

	// Benchmark mode (see cmd_run_benchmark.go).
	Benchmark     bool
	BatchSizes    []int
	SeqLens       []int
	Profile       string
	Optimizations string
	// Params are added to every job's params (hwcov reference sets reference_out / reference_dir).
	Params map[string]any
}

// NewCmdRun builds `hwcov run`.
func NewCmdRun(f *Factory) *cobra.Command {
	opts := &RunOptions{F: f}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run generated tests in long-lived Python workers and record every result in DuckDB",
		Long: `Generates the tests for the chosen architectures and platforms (or takes them
from --tests DIR), keeps the shard --shard i/n of them, and runs them in Python
worker processes that import torch once. Each result is committed to the
database the moment its test ends; a test past its timeout, a segfault or an
OOM kill is recorded as timeout / crash and the worker is restarted. --resume
skips what this run already recorded. (guide: --all, --model, --hardware,
--model-category --all-hardware, --all-models, --test-model-subset,
--test-by-popularity, --test-on-hardware, --expand-hf-models --db-path)`,
		Example: `  hwcov run --priority key --hardware cpu
  hwcov run --models bert,vit --hardware cpu --junit shard.xml
  hwcov run --all-models --hardware cpu --shard 2/4 --db shard-2.duckdb
  hwcov run --category text-generation --hardware all
  hwcov run --tests generated_tests/ --hardware cpu --resume`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runRun(c.Context(), opts)
		},
	}
	opts.Models.register(cmd.Flags())
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Hardware, "hardware", []string{"cpu"}, "platforms, comma-separated, or all")
	fl.StringVar(&opts.TestsDir, "tests", "", "run the generated tests in this folder instead of generating them")
	fl.StringVar(&opts.TestsOut, "tests-out", ".hwcov/generated", "where to write the tests it generates")
	fl.StringVar(&opts.Shard, "shard", "", "run only shard i of n, e.g. 2/4")
	fl.StringVar(&opts.DB, "db", "", "DuckDB file (default db in hwcov.yaml, ./benchmark_db.duckdb)")
	fl.StringVar(&opts.DB, "db-path", "", "alias of --db")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "per-test timeout (default: the platform's default_timeout_seconds)")
	fl.IntVar(&opts.Workers, "workers", 1, "parallel worker processes")
	fl.StringVar(&opts.JUnit, "junit", "", "write this run's results as JUnit XML")
	fl.BoolVar(&opts.Resume, "resume", false, "continue the newest run of this shard in the database, skipping recorded tests")
	fl.StringVar(&opts.RunID, "run-id", "", "run id (default from GITHUB_RUN_ID/GITHUB_RUN_ATTEMPT, else local-<time>)")
	fl.IntVar(&opts.Warmup, "warmup", 1, "warmup iterations per test")
	fl.IntVar(&opts.Iterations, "iterations", 5, "timed iterations per test (every sample is stored)")
	fl.IntVar(&opts.RerunFailed, "rerun-failed", 0, "re-run a failed test up to N times to tell flaky from broken")
	fl.StringVar(&opts.Precision, "precision", "", "precision (default: each platform's preferred)")
	fl.StringVar(&opts.TemplatesDir, "templates", "", "templates folder (default .hwcov/templates when present)")
	fl.BoolVar(&opts.FailOnError, "fail-on-error", false, "exit 1 when a test fails, crashes or times out")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "show what the tests print")
	fl.StringVar(&opts.Plan, "plan", "", "plan file from `hwcov plan` (with --shard-id)")
	fl.StringVar(&opts.ShardID, "shard-id", "", "the plan's shard to run, e.g. cpu-1of3")
	fl.StringVar(&opts.Schedule, "schedule", "", "run the entry of this schedule file that is due now (guide: --run-scheduled-tests)")
	fl.StringVar(&opts.Which, "which", "", "with --schedule: the entry to run (daily, weekly, monthly or its name)")
	opts.registerBenchmarkFlags(cmd)
	return cmd
}

// parseShard reads "i/n" with 1 <= i <= n.
func parseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, usagef("--shard 1/4 (shards count from 1)", "--shard %q: want i/n with 1 <= i <= n", s)
	}
	return i, n, nil
}

func runRun(ctx context.Context, opts *RunOptions) error {
	f := opts.F
	if ctx == nil {
		ctx = context.Background()
	}
	shardI, shardN, err := opts.check()
	if err != nil {
		return err
	}
	tests, cells, planned, err := opts.selectTests(shardI, shardN)
	if err != nil {
		return err
	}
	if len(cells) == 0 {
		fmt.Fprintf(f.Err, "hwcov: shard %s has no tests\n", cmpOr(opts.Shard, "1/1"))
	}

	py, err := f.Python()
	if err != nil {
		return err
	}
	harness, err := f.HarnessDir()
	if err != nil {
		return err
	}
	db, err := openDB(f, opts.DB, false)
	if err != nil {
		return err
	}
	defer db.Close()

	if len(planned) > 0 {
		if err := db.RecordPlan(ctx, planned); err != nil {
			return err
		}
	}
	run := opts.runRecord(ctx, db)

	jobs, err := opts.jobs(tests, cells)
	if err != nil {
		return err
	}
	sum, runErr := opts.execute(ctx, db, run, jobs, py, harness)
	if opts.JUnit != "" {
		rs, err := db.Results(context.Background(), run.RunID)
		if err == nil {
			err = writeOutput(f, opts.JUnit, func(b *strings.Builder) error { return reporter.WriteJUnit(b, "hwcov "+run.RunID, rs) })
		}
		if err != nil && runErr == nil {
			runErr = err
		}
	}
	return opts.report(db, run, sum, runErr)
}

// runRecord is the record of this run; with --resume, it continues the
// shard's newest run in db.
func (opts *RunOptions) runRecord(ctx context.Context, db *store.DB) results.Run {
	f := opts.F
	run := runners.NewRun(f.Getenv, f.Now(), version(), opts.Shard, opts.Hardware)
	run.Environment = opts.runEnvironment(run.Environment)
	if opts.RunID != "" {
		run.RunID = opts.RunID
	}
	if opts.Resume && opts.RunID == "" {
		if prev, ok, _ := db.NewestRun(ctx, run.Shard); ok {
			run.RunID = prev
		}
	}
	return run
}

// report prints the run's summary and turns its outcome into the command's
// error: interrupted, infrastructure, or failed tests with --fail-on-error.
func (opts *RunOptions) report(db *store.DB, run results.Run, sum runners.Summary, runErr error) error {
	f := opts.F
	fmt.Fprintf(f.Out, "run %s: %d tests, %s; wall %s, in-test %s, overhead %.2fx; database %s\n",
		run.RunID, sum.Tests, countsLine(sum.Counts), sum.Wall.Round(time.Millisecond), sum.InTest.Round(time.Millisecond), sum.Overhead(), db.Path())
	if sum.Resumed > 0 {
		fmt.Fprintf(f.Out, "resumed: %d tests were already recorded\n", sum.Resumed)
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) || errors.Is(runErr, errInterrupted) {
			return &interruptedError{msg: fmt.Sprintf("run %s: finished results are in %s (continue with --resume)", run.RunID, db.Path())}
		}
		return runErr
	}
	if err := infraOf(sum); err != nil {
		return err
	}
	if opts.FailOnError && sum.Failed() > 0 {
		return &policyError{msg: fmt.Sprintf("%d tests failed, crashed or timed out (--fail-on-error)", sum.Failed())}
	}
	return nil
}

// check validates the flags of `hwcov run` and returns the --shard i/n.
func (opts *RunOptions) check() (shardI, shardN int, err error) {
	f := opts.F
	shardI, shardN = 1, 1
	if opts.Shard != "" {
		if shardI, shardN, err = parseShard(opts.Shard); err != nil {
			return 0, 0, err
		}
	}
	if opts.Workers < 1 || opts.Iterations < 1 || opts.Warmup < 0 || opts.RerunFailed < 0 {
		return 0, 0, usagef("--workers 1 --iterations 5 --warmup 1", "--workers and --iterations must be at least 1, --warmup and --rerun-failed at least 0")
	}
	if opts.TestsDir != "" && opts.Models.given() {
		return 0, 0, usagef("drop --models/--category/... or --tests", "--tests runs the files in a folder; it does not go with a model selection")
	}
	if err := opts.checkBenchmarkFlags(); err != nil {
		return 0, 0, err
	}
	if opts.Which != "" && opts.Schedule == "" {
		return 0, 0, usagef("hwcov run --schedule schedule.json --which daily", "--which goes with --schedule")
	}
	if opts.Schedule != "" {
		if opts.Plan != "" || opts.TestsDir != "" {
			return 0, 0, usagef("hwcov run --schedule schedule.json --which daily", "--schedule picks the tests: drop --plan/--tests")
		}
		if _, err := applySchedule(f, &opts.Models, &opts.Hardware, opts.Schedule, opts.Which); err != nil {
			return 0, 0, err
		}
	}
	if (opts.Plan == "") != (opts.ShardID == "") {
		return 0, 0, usagef("hwcov run --plan plan.json --shard-id cpu-1of2", "--plan and --shard-id go together")
	}
	if opts.Plan != "" && (opts.Models.given() || opts.TestsDir != "" || opts.Shard != "") {
		return 0, 0, usagef("hwcov run --plan plan.json --shard-id ID", "--plan picks the tests: drop --models/--category/--tests/--shard")
	}
	return shardI, shardN, nil
}

// selectTests picks the shard's tests: from the plan, else from the
// selection or folder dealt round-robin, and the cells they run.
func (opts *RunOptions) selectTests(shardI, shardN int) (tests []testFile, cells []testid.ID, planned []store.PlannedTest, err error) {
	if opts.Plan != "" {
		tests, cells, planned, err = opts.planTests()
		opts.Shard = opts.ShardID
	} else {
		tests, err = opts.collectTests()
		if err == nil && opts.sweeping() {
			cells, err = opts.sweepCells(tests)
			cells = planner.RoundRobin(cells, shardI, shardN)
		} else {
			tests = shardOf(tests, shardI, shardN)
			for _, t := range tests {
				cells = append(cells, t.ID)
			}
		}
	}
	return tests, cells, planned, err
}

// jobs are the runner jobs of cells, each with its generated file.
func (opts *RunOptions) jobs(tests []testFile, cells []testid.ID) ([]runners.Job, error) {
	byPair := map[string]testFile{}
	for _, t := range tests {
		byPair[t.ID.Pair()] = t
	}
	jobs := make([]runners.Job, 0, len(cells))
	for _, c := range cells {
		t, ok := byPair[c.Pair()]
		if !ok {
			return nil, fmt.Errorf("run: no generated file for %s", c)
		}
		timeout := opts.Timeout
		if timeout == 0 && t.HW.DefaultTimeoutSeconds > 0 {
			timeout = time.Duration(t.HW.DefaultTimeoutSeconds) * time.Second
		}
		params := opts.jobParams(c)
		if timeout > 0 {
			params["timeout_s"] = timeout.Seconds() // the browser gets the same budget
		}
		jobs = append(jobs, runners.Job{
			ID: c, File: t.File, Timeout: timeout, Category: t.Arch.Category, TemplateChain: t.Chain,
			PatchVersion: t.Revision,
			Params:       params,
			Requires:     runners.FileImports(t.File),
		})
	}
	return jobs, nil
}

// execute runs the jobs in the shard's workers, with the browser service
// when web platforms are among them.
func (opts *RunOptions) execute(ctx context.Context, db *store.DB, run results.Run, jobs []runners.Job, py, harness string) (runners.Summary, error) {
	f := opts.F
	ghActions := f.Getenv("GITHUB_ACTIONS") == "true"
	var testOut = f.Err
	if !opts.Verbose {
		testOut = nil
	}
	web, err := runners.StartBrowserService(ctx, f.Getenv, f.webOptions, f.Err, jobs)
	if err != nil {
		return runners.Summary{}, err
	}
	defer web.Stop()
	ex := &runners.Executor{
		Python: py, HarnessPath: harness, Workers: opts.Workers, Store: db,
		Env:         append([]string{"TRANSFORMERS_OFFLINE=1", "PYTHONDONTWRITEBYTECODE=1", "TOKENIZERS_PARALLELISM=false"}, web.Env...),
		Progress:    runners.NewProgress(f.Err, isTerminal(f.Err), ghActions),
		Clock:       f.Now,
		Stderr:      testOut,
		Resume:      opts.Resume,
		RerunFailed: opts.RerunFailed,
		Categorize:  errpattern.Categorize,
		Unavailable: web.Unavailable,
	}
	return ex.Run(ctx, run, jobs)
}

// infraOf is the error of a run some of whose tests the runner was not set
// up for: one line with the reasons, and each fix.
func infraOf(sum runners.Summary) error {
	n := sum.Counts[results.StatusInfraError]
	if n == 0 {
		return nil
	}
	msgs := make([]string, 0, len(sum.Infra))
	for m := range sum.Infra {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	var reasons, fixes []string
	seen := map[string]bool{}
	for _, m := range msgs {
		reason, fix, _ := strings.Cut(m, ". Try: ")
		reasons = append(reasons, reason)
		if fix != "" && !seen[fix] {
			seen[fix] = true
			fixes = append(fixes, fix)
		}
	}
	return &infraError{
		msg:   fmt.Sprintf("%d tests could not run on this runner (infra_error): %s", n, strings.Join(reasons, "; ")),
		fixes: fixes,
	}
}

// collectTests generates the tests, or reads them from --tests.
func (opts *RunOptions) collectTests() ([]testFile, error) {
	f := opts.F
	platforms, err := f.platforms(opts.Hardware)
	if err != nil {
		return nil, err
	}
	if opts.TestsDir != "" {
		tests, err := readTestsDir(opts.TestsDir)
		if err != nil {
			return nil, err
		}
		keep := map[string]bool{}
		for _, p := range platforms {
			keep[p.PlatformKey] = true
		}
		c, err := f.Catalog()
		if err != nil {
			return nil, err
		}
		var out []testFile
		for _, t := range tests {
			if !keep[t.ID.Hardware] {
				continue
			}
			t.Arch, _ = c.Get(t.ID.Model)
			for _, p := range platforms {
				if p.PlatformKey == t.ID.Hardware {
					t.HW = p
				}
			}
			out = append(out, t)
		}
		return out, nil
	}
	archs, err := opts.Models.archs(f)
	if err != nil {
		return nil, err
	}
	g, err := f.Generator(opts.TemplatesDir)
	if err != nil {
		return nil, err
	}
	tests, skipped, err := renderTests(g, archs, platforms, opts.Precision)
	if err != nil {
		return nil, err
	}
	if len(skipped) > 0 {
		fmt.Fprintf(f.Err, "hwcov: %d incompatible pairs skipped (hwcov generate --dry-run lists them)\n", len(skipped))
	}
	if err := writeTests(g, opts.TestsOut, tests); err != nil {
		return nil, err
	}
	return tests, nil
}

// planTests renders the files for one shard of a plan and returns its cells.
func (opts *RunOptions) planTests() ([]testFile, []testid.ID, []store.PlannedTest, error) {
	f := opts.F
	cells, planned, err := opts.planCells()
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := f.Catalog()
	if err != nil {
		return nil, nil, nil, err
	}
	reg, err := f.Hardware()
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := f.Generator(opts.TemplatesDir)
	if err != nil {
		return nil, nil, nil, err
	}
	var tests []testFile
	seen := map[string]bool{}
	for _, id := range cells {
		if seen[id.Pair()] {
			continue
		}
		seen[id.Pair()] = true
		a, ok := c.Get(id.Model)
		if !ok {
			return nil, nil, nil, usagef("regenerate the plan with this hwcov's catalog", "plan test %s: unknown model %q", id, id.Model)
		}
		hw, ok := reg.Get(id.Hardware)
		if !ok {
			return nil, nil, nil, usagef("add the platform with `hwcov hardware add` on this runner", "plan test %s: unknown hardware %q", id, id.Hardware)
		}
		r, err := g.Render(a, hw, id)
		if err != nil {
			return nil, nil, nil, templateError(err)
		}
		tests = append(tests, renderedTest(a, hw, r))
	}
	if err := writeTests(g, opts.TestsOut, tests); err != nil {
		return nil, nil, nil, err
	}
	return tests, cells, planned, nil
}

// planCells reads the cells of shard --shard-id from --plan, and every
// planned test; the shard's platform becomes --hardware.
func (opts *RunOptions) planCells() ([]testid.ID, []store.PlannedTest, error) {
	data, err := os.ReadFile(opts.Plan)
	if err != nil {
		return nil, nil, usagef("hwcov plan --out "+opts.Plan, "read plan: %v", err)
	}
	plan, err := planner.ParsePlan(data)
	if err != nil {
		return nil, nil, plannerError(fmt.Errorf("%s: %w", opts.Plan, err))
	}
	shard, err := plan.Shard(opts.ShardID)
	if err != nil {
		return nil, nil, plannerError(err)
	}
	opts.Hardware = []string{shard.Hardware}
	cells, err := shard.TestIDs()
	if err != nil {
		return nil, nil, plannerError(err)
	}
	return cells, plannedTests(plan), nil
}

// cmpOr returns the first of vals that is not empty.
func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// shardOf keeps shard i of n: the tests sorted by id, every n-th from i-1.
func shardOf(tests []testFile, i, n int) []testFile {
	sort.Slice(tests, func(a, b int) bool { return tests[a].ID.String() < tests[b].ID.String() })
	return planner.RoundRobin(tests, i, n)
}

func countsLine(c map[results.Status]int) string {
	order := []results.Status{results.StatusPass, results.StatusFail, results.StatusTimeout, results.StatusCrash, results.StatusSkip, results.StatusNotBuildable, results.StatusInfraError}
	var parts []string
	for _, s := range order {
		if c[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
		}
	}
	if len(parts) == 0 {
		return "nothing ran"
	}
	return strings.Join(parts, ", ")
}

func isTerminal(w any) bool {
	if f, ok := w.(*os.File); ok {
		return isatty.IsTerminal(f.Fd())
	}
	return false
}

// plannedTests lists every test of plan with its shard, for the database to
// tell lost shards.
func plannedTests(plan *planner.Plan) []store.PlannedTest {
	var planned []store.PlannedTest
	for _, s := range plan.Shards {
		for _, id := range s.Tests {
			planned = append(planned, store.PlannedTest{TestID: id, ShardID: s.ID, Hardware: s.Hardware})
		}
	}
	return planned
}
