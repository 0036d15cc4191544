package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/results"
)

// The dashboard reads a long history (a million results) in well under a
// second, so these queries never sort or group the whole table by test: they
// group by the few columns a chart needs and drop superseded attempts with
// the rare retried tests only.

// runKeySQL is the CI run a result belongs to: one workflow run, split into
// shards that each record their own run id. A run without a workflow run id
// (a local `hwcov run`) is its own key.
const runKeySQL = `COALESCE(CAST(NULLIF(u.workflow_run_id, 0) AS VARCHAR), r.run_id, '')`

// finalRows are the results that are the last attempt of their test in
// their run: every result but the earlier attempts of retried tests.
const finalRows = `comprehensive_test_results r
    LEFT JOIN runs u ON u.run_id = r.run_id
    LEFT JOIN (SELECT run_id, test_id, max(attempt) AS top FROM comprehensive_test_results
               WHERE attempt > 1 GROUP BY ALL) x ON x.run_id = r.run_id AND x.test_id = r.test_id
WHERE (x.top IS NULL OR r.attempt = x.top)`

// RunGroups aggregates the whole history: per CI run, platform, category
// and status, the number of final results (the last attempt of each test)
// and the summed mean latency of the passing ones. Rows come in run order
// (the run's earliest start), runs without a time first.
func (d *DB) RunGroups(ctx context.Context) ([]results.RunGroup, error) {
	q := `SELECT run_key, min(started) OVER (PARTITION BY run_key) AS run_started,
    any_value(sha) OVER (PARTITION BY run_key), any_value(ref) OVER (PARTITION BY run_key),
    max(pr) OVER (PARTITION BY run_key), hw, category, status, n, sum_ms
FROM (SELECT ` + runKeySQL + ` AS run_key,
        COALESCE(r.hardware_platform, '') AS hw, COALESCE(r.category, '') AS category, COALESCE(r.status, '') AS status,
        min(COALESCE(u.started_at, r.started_at, r.test_timestamp)) AS started,
        COALESCE(any_value(u.git_sha), '') AS sha, COALESCE(any_value(u.git_ref), '') AS ref, COALESCE(max(u.pr_number), 0) AS pr,
        count(*) AS n, COALESCE(sum(r.execution_time_ms) FILTER (WHERE r.status = 'pass'), 0) AS sum_ms
    FROM ` + finalRows + `
    GROUP BY ALL) g
ORDER BY run_started NULLS FIRST, run_key, hw, category, status`
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

// CellRuns aggregates the given CI runs (keys as RunGroups names them) per
// architecture, platform and status. SQL folds each cell's runs into one
// string so that a long history crosses the driver as one row per cell.
func (d *DB) CellRuns(ctx context.Context, runs []string) ([]results.CellRun, error) {
	if len(runs) == 0 {
		return nil, nil
	}
	keys := make([]string, len(runs))
	for i, r := range runs {
		keys[i] = quoteLiteral(r)
	}
	// chr(30) separates runs, chr(31) the fields of one
	q := `SELECT arch, hw, string_agg(run_key || chr(31) || status || chr(31) || n, chr(30))
FROM (SELECT ` + runKeySQL + ` AS run_key, COALESCE(r.model_architecture, '') AS arch,
        COALESCE(r.hardware_platform, '') AS hw, COALESCE(r.status, '') AS status, count(*) AS n
    FROM ` + finalRows + ` AND ` + runKeySQL + ` IN (` + strings.Join(keys, ", ") + `)
    GROUP BY ALL)
GROUP BY arch, hw`
	rows, err := d.sql.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read the newest %d runs per cell: %w", len(runs), err)
	}
	defer rows.Close()
	var out []results.CellRun
	for rows.Next() {
		var arch, hw, agg string
		if err := rows.Scan(&arch, &hw, &agg); err != nil {
			return nil, fmt.Errorf("read the newest %d runs per cell: %w", len(runs), err)
		}
		for _, part := range strings.Split(agg, "\x1e") {
			f := strings.Split(part, "\x1f")
			if len(f) != 3 {
				continue
			}
			n, _ := strconv.Atoi(f[2])
			out = append(out, results.CellRun{Run: f[0], Architecture: arch, Hardware: hw, Status: results.Status(f[1]), N: n})
		}
	}
	return out, rows.Err()
}

// NewestResults returns the newest result of every test, like
// Results(ctx, ""), without sorting the history: it picks each test's
// newest id first and reads the full rows of those only.
func (d *DB) NewestResults(ctx context.Context) ([]results.Result, error) {
	q := `SELECT ` + selectResultColumns + `
FROM comprehensive_test_results r
SEMI JOIN (SELECT arg_max(id, (COALESCE(finished_at, started_at, test_timestamp, TIMESTAMP '0001-01-01'),
        COALESCE(attempt, 0), COALESCE(run_id, ''), id)) AS id
    FROM comprehensive_test_results GROUP BY test_id) k ON k.id = r.id
ORDER BY r.test_id`
	rs, err := d.queryResults(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read newest results: %w", err)
	}
	return rs, nil
}
