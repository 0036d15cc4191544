package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/internal/planrun"
	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/reporter"
)

// PlanOptions are the options of `hwcov plan`.
type PlanOptions struct {
	F           *Factory
	Req         planrun.Request
	Format, Out string
}

// NewCmdPlan builds `hwcov plan`.
func NewCmdPlan(f *Factory) *cobra.Command {
	opts := &PlanOptions{F: f}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Plan the test matrix, split it into shards per hardware, emit GitHub's matrix JSON",
		Long: `Builds the guide's testing matrix — architecture x hardware x batch size x
sequence length, skipping incompatible pairs, batch sizes above 4 on
memory-constrained platforms and sequence lengths past a model's limit, sorted
by priority — and splits each platform's tests into shards balanced by the
durations in --db (longest first onto the least-loaded shard). --all-models
without --shards or --max-shard-minutes keeps each shard under 30 estimated
minutes. Writes the full
plan to --out for 'hwcov run --plan plan.json --shard-id ID' and prints the
GitHub matrix (at most 256 jobs; more shards are merged and the plan says so).

--priority high is the CI mode (guide: --ci-mode --priority high): the key
models, everything the diff touches (--changed-files or --base-ref: a changed
template selects every test rendered from it), and what failed in the last run
of --db, capped by --budget-minutes; --explain says why each test was picked.`,
		Example: `  hwcov plan --priority key --hardware cpu,cuda --shards 2 --out plan.json
  hwcov plan --all-models --hardware all --max-shard-minutes 30 --db history.duckdb
  hwcov plan --priority high --base-ref origin/main --budget-minutes 60 --explain
  hwcov plan --models bert --hardware cpu --benchmark --format table`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPlan(c.Context(), opts)
		},
	}
	fl, r := cmd.Flags(), &opts.Req
	addModelFlags(fl, &r.Models)
	fl.StringSliceVar(&r.Hardware, "hardware", []string{"cpu"}, "platforms, comma-separated, or all")
	fl.IntSliceVar(&r.BatchSizes, "batch-sizes", nil, "batch sizes (default: each platform's default batch size)")
	fl.IntSliceVar(&r.SeqLengths, "seq-lengths", nil, "sequence lengths (default 128)")
	fl.BoolVar(&r.Benchmark, "benchmark", false, "the guide's benchmark cells: batch 1,2,4,8 x sequence 128,256,512")
	fl.StringVar(&r.Precision, "precision", "", "precision (default: each platform's preferred)")
	fl.IntVar(&r.Shards, "shards", 0, "shards per platform (default 1)")
	fl.Float64Var(&r.MaxShardMinutes, "max-shard-minutes", 0, "as many shards as needed to keep each under this estimate")
	fl.StringVar(&r.HistoryDB, "db", "", "history database: test durations and the last run's failures (in CI: the base branch's, from hwcov baseline fetch)")
	fl.StringVar(&opts.Format, "format", "github-matrix", "github-matrix, json (the plan) or table")
	fl.StringVar(&opts.Out, "out", "plan.json", "where to write the plan")
	fl.BoolVar(&r.CIMode, "ci-mode", false, "alias of --priority high")
	fl.StringSliceVar(&r.ChangedFiles, "changed-files", nil, "files the change touches (priority high)")
	fl.StringVar(&r.BaseRef, "base-ref", "", "take the changed files from `git diff --name-only REF...HEAD` (priority high)")
	fl.Float64Var(&r.BudgetMinutes, "budget-minutes", 0, "cap the picked tests' estimated machine time (priority high)")
	fl.BoolVar(&r.Explain, "explain", false, "print why each test was picked (priority high)")
	return cmd
}

func runPlan(ctx context.Context, opts *PlanOptions) error {
	f := opts.F
	if err := checkFormat("format", opts.Format, "github-matrix", "json", "table"); err != nil {
		return err
	}
	p, err := planrun.Build(ctx, f.Workspace, opts.Req, f.Err)
	if err != nil {
		return err
	}
	plan := p.Plan
	f.result(plan)
	data, err := plan.Marshal()
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileDirs(opts.Out, data); err != nil {
		return err
	}
	fmt.Fprint(f.Err, p.Explain)
	for _, n := range plan.Notes {
		fmt.Fprintf(f.Err, "note: %s\n", n)
	}
	fmt.Fprintf(f.Err, "plan: %d tests in %d shards, %d skipped; written to %s\n", plan.TestCount(), len(plan.Shards), len(plan.Skipped), opts.Out)
	return printPlan(f, opts.Format, plan, data)
}

// printPlan writes the plan to stdout as format: the GitHub matrix, the plan
// file itself or a table of shards.
func printPlan(f *Factory, format string, plan *planner.Plan, data []byte) error {
	switch format {
	case "json":
		_, err := f.Out.Write(data)
		return err
	case "table":
		return reporter.PlanShards(f.Out, plan)
	}
	gm, err := plan.GitHubMatrix()
	if errors.Is(err, planner.ErrNoJobs) {
		fmt.Fprintln(f.Err, "plan: no tests to run; the matrix is empty")
		_, err = fmt.Fprintln(f.Out, `{"include":[]}`)
		return err
	}
	if err != nil {
		return plannerError(err)
	}
	b, err := gm.Marshal()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f.Out, string(b))
	return err
}
