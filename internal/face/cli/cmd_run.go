package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/runners/shard"
)

// RunOptions are the options of `hwcov run`.
type RunOptions struct {
	F       *Factory
	Req     shard.RunRequest
	Verbose bool
}

// NewCmdRun builds `hwcov run`.
func NewCmdRun(f *Factory) *cobra.Command {
	opts := &RunOptions{F: f}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run generated tests in long-lived Python workers and record every result in DuckDB",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runRun(c.Context(), opts) },
	}
	r, o := &opts.Req, &opts.Req.Options
	addModelFlags(cmd.Flags(), &r.Models)
	fl := cmd.Flags()
	fl.StringSliceVar(&r.Hardware, "hardware", []string{"cpu"}, "platforms, comma-separated, or all")
	fl.StringVar(&r.TestsDir, "tests", "", "run the generated tests in this folder instead of generating them")
	fl.StringVar(&r.TestsOut, "tests-out", ".hwcov/generated", "where to write the tests it generates")
	fl.StringVar(&r.Shard, "shard", "", "run only shard i of n, e.g. 2/4")
	fl.StringVar(&r.DB, "db", "", "DuckDB file (default db in hwcov.yaml, ./benchmark_db.duckdb)")
	fl.StringVar(&r.DB, "db-path", "", "alias of --db")
	fl.DurationVar(&o.Timeout, "timeout", 0, "per-test timeout (default: the platform's default_timeout_seconds)")
	fl.IntVar(&o.Workers, "workers", 1, "parallel worker processes")
	fl.StringVar(&r.JUnit, "junit", "", "write this run's results as JUnit XML")
	fl.BoolVar(&o.Resume, "resume", false, "continue the newest run of this shard in the database, skipping recorded tests")
	fl.StringVar(&o.RunID, "run-id", "", "run id (default from GITHUB_RUN_ID/GITHUB_RUN_ATTEMPT, else local-<time>)")
	fl.IntVar(&o.Warmup, "warmup", 1, "warmup iterations per test")
	fl.IntVar(&o.Iterations, "iterations", 5, "timed iterations per test (every sample is stored)")
	fl.IntVar(&o.RerunFailed, "rerun-failed", 0, "re-run a failed test up to N times to tell flaky from broken")
	fl.StringVar(&r.Precision, "precision", "", "precision (default: each platform's preferred)")
	fl.StringVar(&r.TemplatesDir, "templates", "", "templates folder (default .hwcov/templates when present)")
	fl.BoolVar(&r.FailOnError, "fail-on-error", false, "exit 1 when a test fails, crashes or times out")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "show what the tests print")
	fl.StringVar(&r.Plan, "plan", "", "plan file from `hwcov plan` (with --shard-id)")
	fl.StringVar(&r.ShardID, "shard-id", "", "the plan's shard to run, e.g. cpu-1of3")
	fl.StringVar(&r.Schedule, "schedule", "", "run the entry of this schedule file that is due now (guide: --run-scheduled-tests)")
	fl.StringVar(&r.Which, "which", "", "with --schedule: the entry to run (daily, weekly, monthly or its name)")
	fl.BoolVar(&r.Benchmark, "benchmark", false, "sweep batch sizes x sequence lengths (default 1,2,4,8 x 128,256,512), skipping cells past memory or position limits (guide: --benchmark-all)")
	fl.IntSliceVar(&r.BatchSizes, "batch-sizes", nil, "batch sizes of the sweep (implies --benchmark)")
	fl.IntSliceVar(&r.SeqLens, "seq-lengths", nil, "sequence lengths of the sweep (implies --benchmark)")
	fl.StringVar(&o.Profile, "profile", "", "after timing, profile each test: layers (per-module time, top operators) or memory (peak and growth per iteration)")
	fl.StringVar(&o.Optimizations, "optimizations", "default", "default applies each platform's optimizations; none runs the baseline (guide: --benchmark-baseline)")
	return cmd
}

func runRun(ctx context.Context, opts *RunOptions) error {
	if err := opts.Req.Prepare(opts.F.Now(), opts.F.Err); err != nil {
		return err
	}
	_, err := opts.F.runShard(ctx, opts.Req.Request, opts.Verbose, opts.Req.FailOnError)
	return err
}
