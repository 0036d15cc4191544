package shard

import (
	"context"
	"fmt"
	"io"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/workspace"
)

// MergeRequest is `hwcov merge`: shard databases (or folders of them) into
// one, with the plan they came from to report the lost ones.
type MergeRequest struct {
	Into    string
	Plan    string
	History string // also append the merged run to this history database
	Strict  bool   // a skipped or lost shard fails the merge
	Shards  []string
	// Results asks for the merged results (for a JUnit report).
	Results bool
}

// Merged is what Merge did.
type Merged struct {
	store.ShardsMerged
	Line    string // the one-line account
	Results []results.Result
	// Appended says the run was appended to the history database, with
	// NewHistory results it lacked.
	Appended   bool
	NewHistory int
}

// Merge merges the shards into Into (log hears about skipped shards) and
// appends the result to History; with Strict a skipped or lost shard is a
// policy error, returned with what was merged.
func Merge(ctx context.Context, w *workspace.Workspace, req MergeRequest, log io.Writer) (Merged, error) {
	if req.Into == "" {
		return Merged{}, hwerr.Usagef("hwcov merge --into run.duckdb shard-*.duckdb", "--into is required")
	}
	if len(req.Shards) == 0 {
		return Merged{}, hwerr.Usagef("hwcov merge --into run.duckdb shard-*.duckdb", "name at least one shard database or folder")
	}
	files, err := store.ShardFiles(req.Shards, req.Into)
	if err != nil {
		return Merged{}, err
	}
	db, err := w.OpenDB(req.Into, false)
	if err != nil {
		return Merged{}, err
	}
	defer db.Close()
	if req.Plan != "" {
		plan, err := ReadPlan(req.Plan, "pass the plan.json from the plan job")
		if err != nil {
			return Merged{}, err
		}
		if err := db.RecordPlan(ctx, PlannedTests(plan)); err != nil {
			return Merged{}, err
		}
	}
	var m Merged
	if m.ShardsMerged, err = db.MergeShards(ctx, files, log); err != nil {
		return m, err
	}
	m.Line = m.ShardsMerged.Line(req.Into)
	if req.Results {
		if m.Results, err = db.Results(ctx, ""); err != nil {
			return m, err
		}
	}
	if req.History != "" {
		if err := db.Close(); err != nil {
			return m, err
		}
		if m.NewHistory, err = appendHistory(ctx, w, req.History, req.Into); err != nil {
			return m, err
		}
		m.Appended = true
	}
	if req.Strict && (m.Skipped > 0 || len(m.Lost) > 0) {
		return m, &hwerr.PolicyError{Msg: fmt.Sprintf("%d shards skipped and %d lost (--strict)", m.Skipped, len(m.Lost))}
	}
	return m, nil
}

// appendHistory appends the merged database into to the history database.
func appendHistory(ctx context.Context, w *workspace.Workspace, history, into string) (int, error) {
	hist, err := w.OpenDB(history, false)
	if err != nil {
		return 0, err
	}
	defer hist.Close()
	rep, err := hist.Merge(ctx, into)
	if err != nil {
		return 0, fmt.Errorf("append to history %q: %w", history, err)
	}
	return rep.NewResults, nil
}
