package reporter

import (
	"context"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/results"
)

// DashboardHistoryRuns is how many of the newest runs a cell's history shows.
const DashboardHistoryRuns = 30

// DashboardSource is the history the dashboard reads: the store's queries.
type DashboardSource interface {
	NewestResults(ctx context.Context) ([]results.Result, error)
	WithLostShards(ctx context.Context, rs []results.Result) ([]results.Result, error)
	Fingerprints(ctx context.Context) (map[int64]fingerprint.Stored, error)
	RunGroups(ctx context.Context) ([]results.RunGroup, error)
	CellRuns(ctx context.Context, runs []string) ([]results.CellRun, error)
}

// LoadDashboard fills in's history from src: the newest result of every
// test (lost shards included), their fingerprints (computed where src has
// none, not stored), the run groups and the newest runs of every cell.
func LoadDashboard(ctx context.Context, src DashboardSource, in DashboardInput) (DashboardInput, error) {
	var err error
	if in.Latest, err = src.NewestResults(ctx); err != nil {
		return in, err
	}
	if in.Latest, err = src.WithLostShards(ctx, in.Latest); err != nil {
		return in, err
	}
	stored, err := src.Fingerprints(ctx)
	if err != nil {
		return in, err
	}
	in.Fingerprints, _ = fingerprint.Assign(in.Latest, stored)
	if in.RunGroups, err = src.RunGroups(ctx); err != nil {
		return in, err
	}
	in.CellRuns, err = src.CellRuns(ctx, HistoryRuns(in.RunGroups, DashboardHistoryRuns))
	return in, err
}
