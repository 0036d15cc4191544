package cli

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/runners/shard"
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
	if ctx == nil {
		ctx = context.Background()
	}
	shardI, shardN, err := opts.check()
	if err != nil {
		return err
	}
	res, runErr := opts.F.runShard(ctx, opts.shardRun(shardI, shardN))
	if res.DB == "" {
		return runErr
	}
	opts.F.printRun(res)
	opts.F.result(res)
	return res.Verdict(runErr, opts.FailOnError)
}

// shardRun is the shard the flags describe.
func (opts *RunOptions) shardRun(shardI, shardN int) shardRun {
	s := shardRun{
		Models: opts.Models, Hardware: opts.Hardware, TestsDir: opts.TestsDir, TestsOut: opts.TestsOut,
		Shard: opts.Shard, Plan: opts.Plan, ShardID: opts.ShardID, DB: opts.DB, Precision: opts.Precision,
		TemplatesDir: opts.TemplatesDir, JUnit: opts.JUnit, Verbose: opts.Verbose, Index: shardI, Count: shardN,
		Options: shard.Options{
			Workers: opts.Workers, Warmup: opts.Warmup, Iterations: opts.Iterations, RerunFailed: opts.RerunFailed,
			Timeout: opts.Timeout, Resume: opts.Resume, RunID: opts.RunID, Profile: opts.Profile,
			Optimizations: opts.Optimizations, Benchmark: opts.sweeping(), Params: opts.Params,
		},
	}
	if opts.sweeping() {
		s.Sweep = &planner.Sweep{BatchSizes: opts.BatchSizes, SeqLens: opts.SeqLens}
	}
	return s
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
