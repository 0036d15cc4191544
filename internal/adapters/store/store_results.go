package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/hwcov/hwcov/internal/results"
)

// ResultID is the id of one attempt of one test in one run: the FNV-64a hash
// of the three, masked to 63 bits so it is a positive BIGINT. Shards compute
// it independently and agree, so merged files never collide and the same
// attempt recorded twice is one row.
func ResultID(runID, testID string, attempt int) int64 {
	h := fnv.New64a()
	h.Write([]byte(runID))
	h.Write([]byte{0})
	h.Write([]byte(testID))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(attempt)))
	id := int64(h.Sum64() & (1<<63 - 1))
	if id == 0 {
		id = 1
	}
	return id
}

// resultColumns are the comprehensive_test_results columns in the order
// insertResultSQL binds them and scanResult reads them.
const resultColumns = `id, run_id, test_id, model_name, model_architecture, category,
    hardware_platform, precision, batch_size, seq_len, status, test_success,
    execution_time_ms, samples_ms, memory_usage_mb, error_message, error_category,
    traceback, template_chain, generated_file, patch_version, output, extra,
    attempt, started_at, finished_at, wall_ms, test_timestamp`

// insertResultSQL inserts one result. It is a plain INSERT rather than an
// upsert: DuckDB's ON CONFLICT clause makes every commit about three times
// slower, and a duplicate is rare, so Record falls back to updateResultSQL
// when the insert hits the primary key.
const insertResultSQL = `INSERT INTO comprehensive_test_results (` + resultColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// updateResultSQL replaces every column but id of an existing result; it
// binds the insert's arguments with the id moved to the end.
const updateResultSQL = `UPDATE comprehensive_test_results SET
    run_id = ?, test_id = ?, model_name = ?, model_architecture = ?, category = ?,
    hardware_platform = ?, precision = ?, batch_size = ?, seq_len = ?, status = ?, test_success = ?,
    execution_time_ms = ?, samples_ms = ?, memory_usage_mb = ?, error_message = ?, error_category = ?,
    traceback = ?, template_chain = ?, generated_file = ?, patch_version = ?, output = ?, extra = ?,
    attempt = ?, started_at = ?, finished_at = ?, wall_ms = ?, test_timestamp = ?
WHERE id = ?`

// selectResultColumns reads resultColumns back, NULLs as zero values and
// JSON as text.
const selectResultColumns = `r.id, COALESCE(r.run_id, ''), COALESCE(r.test_id, ''),
    COALESCE(r.model_name, ''), COALESCE(r.model_architecture, ''), COALESCE(r.category, ''),
    COALESCE(r.hardware_platform, ''), COALESCE(r.precision, ''), COALESCE(r.batch_size, 0),
    COALESCE(r.seq_len, 0), COALESCE(r.status, ''), COALESCE(r.test_success, false),
    COALESCE(r.execution_time_ms, 0), r.samples_ms, COALESCE(r.memory_usage_mb, 0),
    COALESCE(r.error_message, ''), COALESCE(r.error_category, ''), COALESCE(r.traceback, ''),
    COALESCE(r.template_chain, ''), COALESCE(r.generated_file, ''), COALESCE(r.patch_version, ''),
    COALESCE(r.output::VARCHAR, ''), COALESCE(r.extra::VARCHAR, ''), COALESCE(r.attempt, 0),
    r.started_at, r.finished_at, COALESCE(r.wall_ms, 0)`

// storable lists the statuses a result may have; not_run and incompatible are
// derived by reports, never recorded.
var storable = map[results.Status]bool{
	results.StatusPass: true, results.StatusFail: true, results.StatusTimeout: true,
	results.StatusCrash: true, results.StatusSkip: true, results.StatusNotBuildable: true,
	results.StatusInfraError: true,
}

// Record stores one result and commits it before returning; recording an id
// that exists replaces that row. A result without
// ID gets ResultID(RunID, TestID, Attempt); Attempt 0 is stored as 1. Success
// is stored as Status == pass. Output and Extra must be JSON; anything else
// is stored as a JSON string so the result is not lost.
func (d *DB) Record(ctx context.Context, r results.Result) error {
	if d.insert == nil {
		return fmt.Errorf("record %q: database %q is open read-only", r.TestID, d.path)
	}
	if r.RunID == "" || r.TestID == "" {
		return fmt.Errorf("record result: run id %q and test id %q must not be empty", r.RunID, r.TestID)
	}
	if !storable[r.Status] {
		return fmt.Errorf("record %q: status %q cannot be recorded", r.TestID, r.Status)
	}
	if r.Attempt <= 0 {
		r.Attempt = 1
	}
	if r.ID == 0 {
		r.ID = ResultID(r.RunID, r.TestID, r.Attempt)
	}
	stamp := r.FinishedAt
	if stamp.IsZero() {
		stamp = r.StartedAt
	}
	args := []any{r.ID, r.RunID, r.TestID, r.ModelName, r.Architecture, r.Category,
		r.Hardware, r.Precision, r.BatchSize, r.SeqLen, string(r.Status), r.Status.Passed(),
		r.ExecutionMS, samplesArg(r.SamplesMS), r.MemoryMB, nullString(r.ErrorMessage), nullString(r.ErrorCategory),
		nullString(r.Traceback), r.TemplateChain, r.GeneratedFile, r.PatchVersion, jsonArg(r.Output), jsonArg(r.Extra),
		r.Attempt, nullTime(r.StartedAt), nullTime(r.FinishedAt), r.WallMS, nullTime(stamp)}
	_, err := d.insert.ExecContext(ctx, args...)
	if isDuplicateKey(err) {
		_, err = d.sql.ExecContext(ctx, updateResultSQL, append(args[1:], r.ID)...)
	}
	if err != nil {
		return fmt.Errorf("record %q in %q: %w", r.TestID, d.path, err)
	}
	return nil
}

// Done lists the test ids run runID recorded, whatever their status.
func (d *DB) Done(ctx context.Context, runID string) (map[string]bool, error) {
	rows, err := d.sql.QueryContext(ctx,
		`SELECT DISTINCT test_id FROM comprehensive_test_results WHERE run_id = ? AND test_id IS NOT NULL`, runID)
	if err != nil {
		return nil, fmt.Errorf("list done tests of run %q: %w", runID, err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list done tests of run %q: %w", runID, err)
		}
		done[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list done tests of run %q: %w", runID, err)
	}
	return done, nil
}

// Results returns the newest result per test id, across all runs or within
// run runID when it is not empty, ordered by test id. Newest is the latest
// finish (or start) time, then the highest attempt.
func (d *DB) Results(ctx context.Context, runID string) ([]results.Result, error) {
	q := `SELECT ` + selectResultColumns + `
FROM comprehensive_test_results r
WHERE (? = '' OR r.run_id = ?)
QUALIFY row_number() OVER (
    PARTITION BY r.test_id
    ORDER BY COALESCE(r.finished_at, r.started_at, r.test_timestamp) DESC NULLS LAST,
             r.attempt DESC, r.run_id DESC, r.id DESC) = 1
ORDER BY r.test_id`
	rs, err := d.queryResults(ctx, q, runID, runID)
	if err != nil {
		if runID == "" {
			return nil, fmt.Errorf("read newest results: %w", err)
		}
		return nil, fmt.Errorf("read results of run %q: %w", runID, err)
	}
	return rs, nil
}

// AllResults returns every attempt of every test of every run, ordered by
// run start time, run id, test id and attempt.
func (d *DB) AllResults(ctx context.Context) ([]results.Result, error) {
	q := `SELECT ` + selectResultColumns + `
FROM comprehensive_test_results r LEFT JOIN runs u ON u.run_id = r.run_id
ORDER BY u.started_at NULLS LAST, r.run_id, r.test_id, r.attempt, r.id`
	rs, err := d.queryResults(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read all results: %w", err)
	}
	return rs, nil
}

// RecentResults returns every attempt of the newest window runs of each test
// (a history database's recent past), ordered like AllResults. It reads far
// fewer rows than AllResults on a long history.
func (d *DB) RecentResults(ctx context.Context, window int) ([]results.Result, error) {
	q := `SELECT ` + selectResultColumns + `
FROM comprehensive_test_results r LEFT JOIN runs u ON u.run_id = r.run_id
WHERE (r.test_id, r.run_id) IN (
    SELECT (k.test_id, k.run_id) FROM (
        SELECT test_id, run_id, max(COALESCE(finished_at, started_at, test_timestamp)) AS at
        FROM comprehensive_test_results GROUP BY test_id, run_id) k
    QUALIFY row_number() OVER (PARTITION BY k.test_id ORDER BY k.at DESC NULLS LAST, k.run_id DESC) <= ?)
ORDER BY u.started_at NULLS LAST, r.run_id, r.test_id, r.attempt, r.id`
	rs, err := d.queryResults(ctx, q, max(window, 1))
	if err != nil {
		return nil, fmt.Errorf("read the newest %d runs of every test: %w", window, err)
	}
	return rs, nil
}

func (d *DB) queryResults(ctx context.Context, q string, args ...any) ([]results.Result, error) {
	rows, err := d.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []results.Result
	for rows.Next() {
		var (
			r                 results.Result
			status            string
			samples           duckdb.Composite[[]float64]
			started, finished sql.NullTime
			batchSize, seqLen int64
			attempt           int64
		)
		err := rows.Scan(&r.ID, &r.RunID, &r.TestID, &r.ModelName, &r.Architecture, &r.Category,
			&r.Hardware, &r.Precision, &batchSize, &seqLen, &status, &r.Success,
			&r.ExecutionMS, &samples, &r.MemoryMB, &r.ErrorMessage, &r.ErrorCategory,
			&r.Traceback, &r.TemplateChain, &r.GeneratedFile, &r.PatchVersion, &r.Output, &r.Extra,
			&attempt, &started, &finished, &r.WallMS)
		if err != nil {
			return nil, err
		}
		r.Status = results.Status(status)
		r.BatchSize, r.SeqLen, r.Attempt = int(batchSize), int(seqLen), int(attempt)
		if s := samples.Get(); len(s) > 0 {
			r.SamplesMS = s
		}
		r.StartedAt, r.FinishedAt = timeOf(started), timeOf(finished)
		out = append(out, r)
	}
	return out, rows.Err()
}

// isDuplicateKey reports whether err is DuckDB refusing a second row with
// the same primary key.
func isDuplicateKey(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == duckdb.ErrorTypeConstraint &&
		strings.Contains(de.Msg, "Duplicate key")
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func samplesArg(s []float64) any {
	if s == nil {
		return nil
	}
	return s
}

// jsonArg binds a JSON column: NULL when empty, the text when it is valid
// JSON, else the text as a JSON string.
func jsonArg(s string) any {
	if s == "" {
		return nil
	}
	if json.Valid([]byte(s)) {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}
