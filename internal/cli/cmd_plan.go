package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/reporter"
)

// PlanOptions are the options of `hwcov plan`.
type PlanOptions struct {
	F               *Factory
	Models          ModelFlags
	Hardware        []string
	BatchSizes      []int
	SeqLengths      []int
	Benchmark       bool
	Precision       string
	Shards          int
	MaxShardMinutes float64
	HistoryDB       string
	Format          string
	Out             string
	CIMode          bool
	ChangedFiles    []string
	BaseRef         string
	BudgetMinutes   float64
	Explain         bool
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
	addModelFlags(cmd.Flags(), &opts.Models)
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Hardware, "hardware", []string{"cpu"}, "platforms, comma-separated, or all")
	fl.IntSliceVar(&opts.BatchSizes, "batch-sizes", nil, "batch sizes (default: each platform's default batch size)")
	fl.IntSliceVar(&opts.SeqLengths, "seq-lengths", nil, "sequence lengths (default 128)")
	fl.BoolVar(&opts.Benchmark, "benchmark", false, "the guide's benchmark cells: batch 1,2,4,8 x sequence 128,256,512")
	fl.StringVar(&opts.Precision, "precision", "", "precision (default: each platform's preferred)")
	fl.IntVar(&opts.Shards, "shards", 0, "shards per platform (default 1)")
	fl.Float64Var(&opts.MaxShardMinutes, "max-shard-minutes", 0, "as many shards as needed to keep each under this estimate")
	fl.StringVar(&opts.HistoryDB, "db", "", "history database: test durations and the last run's failures (in CI: the base branch's, from hwcov baseline fetch)")
	fl.StringVar(&opts.Format, "format", "github-matrix", "github-matrix, json (the plan) or table")
	fl.StringVar(&opts.Out, "out", "plan.json", "where to write the plan")
	fl.BoolVar(&opts.CIMode, "ci-mode", false, "alias of --priority high")
	fl.StringSliceVar(&opts.ChangedFiles, "changed-files", nil, "files the change touches (priority high)")
	fl.StringVar(&opts.BaseRef, "base-ref", "", "take the changed files from `git diff --name-only REF...HEAD` (priority high)")
	fl.Float64Var(&opts.BudgetMinutes, "budget-minutes", 0, "cap the picked tests' estimated machine time (priority high)")
	fl.BoolVar(&opts.Explain, "explain", false, "print why each test was picked (priority high)")
	return cmd
}

func runPlan(ctx context.Context, opts *PlanOptions) error {
	f := opts.F
	if err := checkFormat("format", opts.Format, "github-matrix", "json", "table"); err != nil {
		return err
	}
	if opts.CIMode && opts.Models.Priority == "" {
		opts.Models.Priority = catalog.PriorityHigh
	}
	ciMode := strings.EqualFold(opts.Models.Priority, catalog.PriorityHigh) && !opts.Models.GivenOtherThanPriority()
	if !ciMode && (len(opts.ChangedFiles) > 0 || opts.BaseRef != "" || opts.BudgetMinutes > 0 || opts.Explain) {
		return usagef("hwcov plan --priority high --changed-files FILE... --explain", "--changed-files, --base-ref, --budget-minutes and --explain belong to --priority high")
	}
	platforms, err := f.Platforms(opts.Hardware)
	if err != nil {
		return err
	}
	bo, err := opts.buildOptions(ctx, ciMode, platforms)
	if err != nil {
		return err
	}
	plan, sel, err := planner.Build(bo)
	if err != nil {
		return plannerError(err)
	}
	f.result(plan)
	data, err := plan.Marshal()
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileDirs(opts.Out, data); err != nil {
		return err
	}
	if sel != nil && opts.Explain {
		fmt.Fprint(f.Err, sel.Explain())
	}
	for _, n := range plan.Notes {
		fmt.Fprintf(f.Err, "note: %s\n", n)
	}
	fmt.Fprintf(f.Err, "plan: %d tests in %d shards, %d skipped; written to %s\n", plan.TestCount(), len(plan.Shards), len(plan.Skipped), opts.Out)
	return printPlan(f, opts.Format, plan, data)
}

// buildOptions are the planner's options for the flags: the cells, the
// history, the change (CI mode) and the sharding.
func (opts *PlanOptions) buildOptions(ctx context.Context, ciMode bool, platforms []hardware.Platform) (planner.BuildOptions, error) {
	f := opts.F
	bo := planner.BuildOptions{CI: ciMode, BudgetMinutes: opts.BudgetMinutes, ChangedFiles: opts.ChangedFiles,
		Matrix: planner.MatrixOptions{Platforms: platforms, BatchSizes: opts.BatchSizes, SeqLens: opts.SeqLengths, Precision: opts.Precision}}
	if opts.Benchmark {
		bo.Matrix.BatchSizes, bo.Matrix.SeqLens = planner.BenchmarkCells()
	}
	durations, lastFailed, err := history(ctx, f, opts.HistoryDB)
	if err != nil {
		return bo, err
	}
	bo.LastFailed = lastFailed
	bo.Shard = planner.ShardOptions{Shards: opts.Shards, MaxShardMinutes: opts.MaxShardMinutes, Durations: durations}
	if opts.Models.AllModels && !ciMode {
		// One shard per platform would be a job of the whole catalog.
		if bo.Shard = bo.Shard.WholeCatalog(); opts.MaxShardMinutes == 0 && opts.Shards == 0 {
			fmt.Fprintf(f.Err, "note: --all-models: shards of at most %g estimated minutes (--shards or --max-shard-minutes to choose)\n",
				bo.Shard.MaxShardMinutes)
		}
	}
	if !ciMode {
		bo.Matrix.Architectures, err = f.Archs(opts.Models)
		return bo, err
	}
	c, err := f.Catalog()
	if err != nil {
		return bo, err
	}
	bo.AllArchitectures = c.Architectures
	if opts.BaseRef != "" {
		more, err := planner.GitChangedFiles(ctx, opts.BaseRef)
		if err != nil {
			return bo, err
		}
		bo.ChangedFiles = append(append([]string{}, bo.ChangedFiles...), more...)
	}
	dir := ""
	if cfg, err := f.Config(); err == nil {
		dir = cfg.TemplatesDir
	}
	bo.HasTemplate = planner.TemplateExists(generator.TemplateNames(), dir)
	return bo, nil
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

// history reads test durations (seconds, mean per test id) and the failures of
// the newest run from a history database. An empty path gives no history.
func history(ctx context.Context, f *Factory, path string) (map[string]float64, []string, error) {
	if path == "" {
		return nil, nil, nil
	}
	db, err := openDB(f, path, true)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	h, err := db.History(ctx)
	return h.Durations, h.Failed, err
}
