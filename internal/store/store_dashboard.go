package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hwcov/hwcov/internal/results"
)

// A CI run is one workflow run, split into shards that each record their
// own run id; the dashboard counts the workflow run. A run without a
// workflow run id (a local `hwcov run`) is its own key.
const runKeySQL = `COALESCE(CAST(NULLIF(u.workflow_run_id, 0) AS VARCHAR), r.run_id, '')`

// finalAttempts is the last attempt of every test in every run key, with the
// run's start time and git identity: the rows the dashboard aggregates.
const finalAttempts = `attempts AS (
    SELECT ` + runKeySQL + ` AS run_key,
        r.test_id,
        arg_max(COALESCE(r.status, ''), COALESCE(r.attempt, 0)) AS status,
        arg_max(COALESCE(r.execution_time_ms, 0), COALESCE(r.attempt, 0)) AS ms,
        any_value(COALESCE(r.model_architecture, '')) AS arch,
        any_value(COALESCE(r.category, '')) AS category,
        any_value(COALESCE(r.hardware_platform, '')) AS hw,
        min(COALESCE(u.started_at, r.started_at, r.test_timestamp)) AS started,
        any_value(COALESCE(u.git_sha, '')) AS sha,
        any_value(COALESCE(u.git_ref, '')) AS ref,
        max(COALESCE(u.pr_number, 0)) AS pr
    FROM comprehensive_test_results r LEFT JOIN runs u ON u.run_id = r.run_id
    %s
    GROUP BY ALL)`

// RunGroups aggregates the whole history: per run key, platform, category
// and status, the number of final results (the last attempt of each test)
// and their summed mean latency when passing. Rows come in run order.
func (d *DB) RunGroups(ctx context.Context) ([]results.RunGroup, error) {
	q := `WITH ` + fmt.Sprintf(finalAttempts, "") + `
SELECT run_key, min(started) OVER (PARTITION BY run_key) AS run_at, any_value(sha) OVER (PARTITION BY run_key),
    any_value(ref) OVER (PARTITION BY run_key), max(pr) OVER (PARTITION BY run_key),
    hw, category, status, n, sum_ms
FROM (SELECT run_key, hw, category, status, min(started) AS started, any_value(sha) AS sha, any_value(ref) AS ref, max(pr) AS pr,
        count(*) AS n, COALESCE(sum(ms) FILTER (WHERE status = 'pass'), 0) AS sum_ms
      FROM attempts GROUP BY ALL) g
ORDER BY run_at NULLS FIRST, run_key, hw, category, status`
	rows, err := d.sql.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read the history per run: %w", err)
	}
	defer rows.Close()
	var out []results.RunGroup
	for rows.Next() {
		var g results.RunGroup
		var at sql.NullTime
		var pr, n int64
		var status string
		if err := rows.Scan(&g.Run, &at, &g.GitSHA, &g.GitRef, &pr, &g.Hardware, &g.Category, &status, &n, &g.SumMS); err != nil {
			return nil, fmt.Errorf("read the history per run: %w", err)
		}
		g.At, g.PR, g.N, g.Status = timeOf(at), int(pr), int(n), results.Status(status)
		out = append(out, g)
	}
	return out, rows.Err()
}

// CellRuns aggregates the newest window run keys per architecture,
// platform and status.
func (d *DB) CellRuns(ctx context.Context, window int) ([]results.CellRun, error) {
	recent := `WHERE ` + runKeySQL + ` IN (
        SELECT k FROM (SELECT ` + runKeySQL + ` AS k, min(COALESCE(u.started_at, r.started_at, r.test_timestamp)) AS started
            FROM comprehensive_test_results r LEFT JOIN runs u ON u.run_id = r.run_id GROUP BY k)
        ORDER BY started DESC NULLS LAST, k DESC LIMIT ` + fmt.Sprint(max(window, 1)) + `)`
	q := `WITH ` + fmt.Sprintf(finalAttempts, recent) + `
SELECT run_key, arch, hw, status, count(*) FROM attempts GROUP BY ALL ORDER BY run_key, arch, hw, status`
	rows, err := d.sql.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read the newest %d runs per cell: %w", window, err)
	}
	defer rows.Close()
	var out []results.CellRun
	for rows.Next() {
		var c results.CellRun
		var n int64
		var status string
		if err := rows.Scan(&c.Run, &c.Architecture, &c.Hardware, &status, &n); err != nil {
			return nil, fmt.Errorf("read the newest %d runs per cell: %w", window, err)
		}
		c.N, c.Status = int(n), results.Status(status)
		out = append(out, c)
	}
	return out, rows.Err()
}
