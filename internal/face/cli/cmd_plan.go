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
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runPlan(c.Context(), opts) },
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
