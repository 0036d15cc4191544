package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/hwcov/hwcov/internal/results"
)

// BeginRun records a run, committing at once. Beginning a run that exists
// (a resumed shard, or a merge) updates it and keeps the earliest start time.
func (d *DB) BeginRun(ctx context.Context, r results.Run) error {
	if d.readOnly {
		return fmt.Errorf("begin run %q: database %q is open read-only", r.RunID, d.path)
	}
	if r.RunID == "" {
		return fmt.Errorf("begin run: run id must not be empty")
	}
	labels := r.RunnerLabels
	if labels == nil {
		labels = []string{}
	}
	_, err := d.sql.ExecContext(ctx, `INSERT INTO runs (run_id, git_sha, git_ref, pr_number,
    workflow_run_id, run_attempt, shard, runner_name, runner_labels, hwcov_version,
    environment, started_at, finished_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (run_id) DO UPDATE SET
    git_sha = excluded.git_sha, git_ref = excluded.git_ref, pr_number = excluded.pr_number,
    workflow_run_id = excluded.workflow_run_id, run_attempt = excluded.run_attempt,
    shard = excluded.shard, runner_name = excluded.runner_name,
    runner_labels = excluded.runner_labels, hwcov_version = excluded.hwcov_version,
    environment = excluded.environment,
    started_at = least(runs.started_at, excluded.started_at),
    finished_at = excluded.finished_at`,
		r.RunID, r.GitSHA, r.GitRef, r.PRNumber, r.WorkflowRunID, r.RunAttempt, r.Shard,
		r.RunnerName, labels, r.HwcovVersion, jsonArg(r.Environment),
		nullTime(r.StartedAt), nullTime(r.FinishedAt))
	if err != nil {
		return fmt.Errorf("begin run %q in %q: %w", r.RunID, d.path, err)
	}
	return nil
}

// FinishRun sets the finish time of a run that BeginRun recorded.
func (d *DB) FinishRun(ctx context.Context, runID string, at time.Time) error {
	if d.readOnly {
		return fmt.Errorf("finish run %q: database %q is open read-only", runID, d.path)
	}
	res, err := d.sql.ExecContext(ctx, `UPDATE runs SET finished_at = ? WHERE run_id = ?`, nullTime(at), runID)
	if err != nil {
		return fmt.Errorf("finish run %q in %q: %w", runID, d.path, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("finish run %q in %q: no such run", runID, d.path)
	}
	return nil
}

// Runs returns every run, ordered by start time then run id.
func (d *DB) Runs(ctx context.Context) ([]results.Run, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT run_id, COALESCE(git_sha, ''), COALESCE(git_ref, ''),
    COALESCE(pr_number, 0), COALESCE(workflow_run_id, 0), COALESCE(run_attempt, 0),
    COALESCE(shard, ''), COALESCE(runner_name, ''), runner_labels, COALESCE(hwcov_version, ''),
    COALESCE(environment::VARCHAR, ''), started_at, finished_at
FROM runs ORDER BY started_at NULLS LAST, run_id`)
	if err != nil {
		return nil, fmt.Errorf("read runs from %q: %w", d.path, err)
	}
	defer rows.Close()
	var out []results.Run
	for rows.Next() {
		var (
			r                 results.Run
			pr, attempt       int64
			labels            duckdb.Composite[[]string]
			started, finished sql.NullTime
		)
		if err := rows.Scan(&r.RunID, &r.GitSHA, &r.GitRef, &pr, &r.WorkflowRunID, &attempt,
			&r.Shard, &r.RunnerName, &labels, &r.HwcovVersion, &r.Environment, &started, &finished); err != nil {
			return nil, fmt.Errorf("read runs from %q: %w", d.path, err)
		}
		r.PRNumber, r.RunAttempt = int(pr), int(attempt)
		if l := labels.Get(); len(l) > 0 {
			r.RunnerLabels = l
		}
		r.StartedAt, r.FinishedAt = timeOf(started), timeOf(finished)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read runs from %q: %w", d.path, err)
	}
	return out, nil
}
