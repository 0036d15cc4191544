// Package planrun plans the tests of a workspace: the planner's options
// resolved against the workspace's catalog, platforms, templates and
// history database.
package planrun

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hint"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/workspace"
	"github.com/hwcov/hwcov/planner"
)

// Request is `hwcov plan`.
type Request struct {
	Models          catalog.Choice
	Hardware        []string
	BatchSizes      []int
	SeqLengths      []int
	Benchmark       bool // the guide's benchmark cells
	Precision       string
	Shards          int
	MaxShardMinutes float64
	HistoryDB       string // test durations and the last run's failures
	CIMode          bool   // alias of Priority high
	ChangedFiles    []string
	BaseRef         string
	BudgetMinutes   float64
	Explain         bool
}

// Planned is a plan and, in CI mode with Explain, why each test was picked.
type Planned struct {
	Plan    *planner.Plan
	Explain string
}

// Build plans the request's tests; log hears the notes about the choice
// of shards.
func Build(ctx context.Context, w *workspace.Workspace, req Request, log io.Writer) (Planned, error) {
	if req.CIMode && req.Models.Priority == "" {
		req.Models.Priority = catalog.PriorityHigh
	}
	ciMode := strings.EqualFold(req.Models.Priority, catalog.PriorityHigh) && !req.Models.GivenOtherThanPriority()
	if !ciMode && (len(req.ChangedFiles) > 0 || req.BaseRef != "" || req.BudgetMinutes > 0 || req.Explain) {
		return Planned{}, hwerr.Usagef("hwcov plan --priority high --changed-files FILE... --explain", "--changed-files, --base-ref, --budget-minutes and --explain belong to --priority high")
	}
	bo, err := req.buildOptions(ctx, w, ciMode, log)
	if err != nil {
		return Planned{}, err
	}
	plan, sel, err := planner.Build(bo)
	if err != nil {
		return Planned{}, hint.Planner(err)
	}
	p := Planned{Plan: plan}
	if sel != nil && req.Explain {
		p.Explain = sel.Explain()
	}
	return p, nil
}

// buildOptions are the planner's options for the request: the cells, the
// history, the change (CI mode) and the sharding.
func (req Request) buildOptions(ctx context.Context, w *workspace.Workspace, ciMode bool, log io.Writer) (planner.BuildOptions, error) {
	platforms, err := w.Platforms(req.Hardware)
	if err != nil {
		return planner.BuildOptions{}, err
	}
	bo := planner.BuildOptions{CI: ciMode, BudgetMinutes: req.BudgetMinutes, ChangedFiles: req.ChangedFiles,
		Matrix: planner.MatrixOptions{Platforms: platforms, BatchSizes: req.BatchSizes, SeqLens: req.SeqLengths, Precision: req.Precision}}
	if req.Benchmark {
		bo.Matrix.BatchSizes, bo.Matrix.SeqLens = planner.BenchmarkCells()
	}
	durations, lastFailed, err := history(ctx, w, req.HistoryDB)
	if err != nil {
		return bo, err
	}
	bo.LastFailed = lastFailed
	bo.Shard = planner.ShardOptions{Shards: req.Shards, MaxShardMinutes: req.MaxShardMinutes, Durations: durations}
	if req.Models.AllModels && !ciMode {
		// One shard per platform would be a job of the whole catalog.
		if bo.Shard = bo.Shard.WholeCatalog(); req.MaxShardMinutes == 0 && req.Shards == 0 {
			fmt.Fprintf(log, "note: --all-models: shards of at most %g estimated minutes (--shards or --max-shard-minutes to choose)\n",
				bo.Shard.MaxShardMinutes)
		}
	}
	if !ciMode {
		bo.Matrix.Architectures, err = w.Archs(req.Models)
		return bo, err
	}
	c, err := w.Catalog()
	if err != nil {
		return bo, err
	}
	bo.AllArchitectures = c.Architectures
	if req.BaseRef != "" {
		more, err := planner.GitChangedFiles(ctx, req.BaseRef)
		if err != nil {
			return bo, err
		}
		bo.ChangedFiles = append(append([]string{}, bo.ChangedFiles...), more...)
	}
	dir := ""
	if cfg, err := w.Config(); err == nil {
		dir = cfg.TemplatesDir
	}
	bo.HasTemplate = planner.TemplateExists(generator.TemplateNames(), dir)
	return bo, nil
}

// history reads test durations (seconds, mean per test id) and the failures of
// the newest run from a history database. An empty path gives no history.
func history(ctx context.Context, w *workspace.Workspace, path string) (map[string]float64, []string, error) {
	if path == "" {
		return nil, nil, nil
	}
	db, err := w.OpenDB(path, true)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	h, err := db.History(ctx)
	return h.Durations, h.Failed, err
}
