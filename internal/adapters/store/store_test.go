package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func openNew(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "hwcov.duckdb")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func sampleRun(id string, started time.Time) results.Run {
	return results.Run{
		RunID: id, GitSHA: "0123abcd", GitRef: "refs/pull/7/merge", PRNumber: 7,
		WorkflowRunID: 9876543210, RunAttempt: 2, Shard: "1/4", RunnerName: "gpu-runner-3",
		RunnerLabels: []string{"self-hosted", "linux", "cuda"}, HwcovVersion: "v0.1.0",
		Environment: `{"python":"3.12","torch":"2.6.0"}`, StartedAt: started,
	}
}

func sampleResult(runID, testID string, status results.Status, finished time.Time) results.Result {
	return results.Result{
		RunID: runID, TestID: testID, ModelName: "hf-internal-tiny/bert", Architecture: "bert",
		Category: "text-encoder", Hardware: "cpu", Precision: "fp32", BatchSize: 1, SeqLen: 128,
		Status: status, Success: status == results.StatusPass, ExecutionMS: 2,
		SamplesMS: []float64{1.5, 2, 2.5}, MemoryMB: 312.25,
		TemplateChain: "base > text-encoder > cpu", GeneratedFile: "generated/test_bert_cpu.py",
		PatchVersion: "t1", Output: `{"shape":[1,128,32],"finite":true}`, Extra: `{"threads":2}`,
		Attempt: 1, StartedAt: finished.Add(-3 * time.Second), FinishedAt: finished, WallMS: 3000,
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, path := openNew(t)
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	run := sampleRun("run-1", t0)
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	pass := sampleResult("run-1", "bert@cpu/fp32/b1/s128", results.StatusPass, t0.Add(time.Minute))
	fail := sampleResult("run-1", "bert@cpu/fp32/b4/s128", results.StatusFail, t0.Add(2*time.Minute))
	fail.BatchSize, fail.SamplesMS, fail.ExecutionMS = 4, nil, 0
	fail.ErrorMessage, fail.ErrorCategory = "RuntimeError: shape mismatch", "shape_mismatch"
	fail.Traceback = "Traceback (most recent call last):\n  ...\nRuntimeError: shape mismatch"
	for _, r := range []results.Result{pass, fail} {
		if err := db.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.FinishRun(ctx, "run-1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	runs, err := ro.Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run.FinishedAt = t0.Add(time.Hour)
	if !reflect.DeepEqual(runs, []results.Run{run}) {
		t.Errorf("Runs:\n got %+v\nwant %+v", runs, []results.Run{run})
	}
	got, err := ro.AllResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pass.ID = ResultID("run-1", pass.TestID, 1)
	fail.ID = ResultID("run-1", fail.TestID, 1)
	want := []results.Result{pass, fail}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AllResults:\n got %+v\nwant %+v", got, want)
	}
	done, err := ro.Done(ctx, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(done, map[string]bool{pass.TestID: true, fail.TestID: true}) {
		t.Errorf("Done = %v", done)
	}
	if err := ro.Record(ctx, pass); err == nil {
		t.Error("Record on a read-only database succeeded")
	}

	// The guide's columns are filled too, for the guide's own queries.
	var (
		success bool
		ms      float64
		errMsg  sql.NullString
		stamp   time.Time
		n       int
	)
	err = ro.sql.QueryRow(`SELECT test_success, execution_time_ms, error_message, test_timestamp, len(samples_ms)
		FROM comprehensive_test_results WHERE test_id = ?`, pass.TestID).Scan(&success, &ms, &errMsg, &stamp, &n)
	if err != nil {
		t.Fatal(err)
	}
	if !success || ms != 2 || errMsg.Valid || !stamp.Equal(pass.FinishedAt) || n != 3 {
		t.Errorf("guide columns: success=%v ms=%v error=%v stamp=%v samples=%d", success, ms, errMsg, stamp, n)
	}
}

func TestRecordSameAttemptTwiceKeepsOneRow(t *testing.T) {
	ctx := context.Background()
	db, _ := openNew(t)
	r := sampleResult("run-1", "bert@cpu/fp32/b1/s128", results.StatusFail, t0)
	if err := db.Record(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Success = results.StatusPass, true
	if err := db.Record(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Attempt = 2 // a rerun is a new row
	if err := db.Record(ctx, r); err != nil {
		t.Fatal(err)
	}
	all, err := db.AllResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("got %d rows, want 2: %+v", len(all), all)
	}
	if all[0].Attempt != 1 || all[0].Status != results.StatusPass || all[1].Attempt != 2 {
		t.Errorf("rows = %+v", all)
	}
}

func TestResultsNewest(t *testing.T) {
	ctx := context.Background()
	db, _ := openNew(t)
	const a, b = "bert@cpu/fp32/b1/s128", "vit@cpu/fp32/b1/s1"
	rec := func(run, test string, attempt int, status results.Status, at time.Time) {
		t.Helper()
		r := sampleResult(run, test, status, at)
		r.Attempt = attempt
		if err := db.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	rec("run-1", a, 1, results.StatusFail, t0)
	rec("run-1", a, 2, results.StatusPass, t0.Add(time.Minute))
	rec("run-1", b, 1, results.StatusPass, t0)
	rec("run-2", b, 1, results.StatusCrash, t0.Add(time.Hour))
	rec("run-0", a, 1, results.StatusTimeout, t0.Add(-time.Hour))

	tests := []struct {
		run  string
		want []string // run/test/status per test id, in test id order
	}{
		{"", []string{"run-1 " + a + " pass", "run-2 " + b + " crash"}},
		{"run-1", []string{"run-1 " + a + " pass", "run-1 " + b + " pass"}},
		{"run-0", []string{"run-0 " + a + " timeout"}},
		{"run-9", nil},
	}
	for _, tt := range tests {
		rs, err := db.Results(ctx, tt.run)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rs {
			got = append(got, fmt.Sprintf("%s %s %s", r.RunID, r.TestID, r.Status))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Results(%q) = %q, want %q", tt.run, got, tt.want)
		}
	}
}

func TestResultID(t *testing.T) {
	id := ResultID("run-1", "bert@cpu/fp32/b1/s128", 1)
	if id <= 0 {
		t.Fatalf("ResultID = %d, want positive", id)
	}
	if id != ResultID("run-1", "bert@cpu/fp32/b1/s128", 1) {
		t.Error("ResultID is not stable")
	}
	others := []int64{
		ResultID("run-1", "bert@cpu/fp32/b1/s128", 2),
		ResultID("run-2", "bert@cpu/fp32/b1/s128", 1),
		ResultID("run-1", "bert@cpu/fp32/b1/s12", 81), // no ambiguity between fields
	}
	for _, o := range others {
		if o == id {
			t.Errorf("collision: %d", o)
		}
	}
}

func TestRecordRejects(t *testing.T) {
	ctx := context.Background()
	db, _ := openNew(t)
	ok := sampleResult("run-1", "bert@cpu/fp32/b1/s128", results.StatusPass, t0)
	tests := map[string]func(r *results.Result){
		"no run id":      func(r *results.Result) { r.RunID = "" },
		"no test id":     func(r *results.Result) { r.TestID = "" },
		"no status":      func(r *results.Result) { r.Status = "" },
		"not_run":        func(r *results.Result) { r.Status = results.StatusNotRun },
		"incompatible":   func(r *results.Result) { r.Status = results.StatusIncompatible },
		"unknown status": func(r *results.Result) { r.Status = "great" },
	}
	for name, mutate := range tests {
		r := ok
		mutate(&r)
		if err := db.Record(ctx, r); err == nil {
			t.Errorf("%s: Record succeeded", name)
		}
	}
}

func TestRecordEdgeValues(t *testing.T) {
	ctx := context.Background()
	db, err := Open("", Options{}) // in memory
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := results.Result{RunID: "r", TestID: "x@cpu/fp32/b1/s1", Status: results.StatusSkip,
		Output: "not json", SamplesMS: []float64{}}
	if err := db.Record(ctx, r); err != nil {
		t.Fatal(err)
	}
	rs, err := db.Results(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	want := results.Result{ID: ResultID("r", r.TestID, 1), RunID: "r", TestID: r.TestID,
		Status: results.StatusSkip, Output: `"not json"`, Attempt: 1}
	if len(rs) != 1 || !reflect.DeepEqual(rs[0], want) {
		t.Errorf("got %+v\nwant %+v", rs, want)
	}
}

func TestRuns(t *testing.T) {
	ctx := context.Background()
	db, _ := openNew(t)
	r := sampleRun("run-1", t0)
	if err := db.BeginRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	// Resuming restarts later: keeps the first start, takes the new facts.
	r2 := r
	r2.StartedAt, r2.RunAttempt, r2.RunnerLabels = t0.Add(time.Hour), 3, nil
	if err := db.BeginRun(ctx, r2); err != nil {
		t.Fatal(err)
	}
	// A run begun without a start time takes the later one.
	if err := db.BeginRun(ctx, results.Run{RunID: "run-0"}); err != nil {
		t.Fatal(err)
	}
	if err := db.BeginRun(ctx, results.Run{RunID: "run-0", StartedAt: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishRun(ctx, "nope", t0); err == nil {
		t.Error("FinishRun of an unknown run succeeded")
	}
	runs, err := db.Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2.StartedAt = t0
	want := []results.Run{r2, {RunID: "run-0", StartedAt: t0.Add(2 * time.Hour)}}
	if !reflect.DeepEqual(runs, want) {
		t.Errorf("Runs:\n got %+v\nwant %+v", runs, want)
	}
	if err := db.BeginRun(ctx, results.Run{}); err == nil {
		t.Error("BeginRun without id succeeded")
	}
}

func TestOpenNotFound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.duckdb")
	for _, opts := range []Options{{}, {ReadOnly: true}, {ReadOnly: true, Create: true}} {
		_, err := Open(path, opts)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%+v) = %v, want ErrNotFound naming the path", opts, err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open without Create left a file: %v", err)
	}
}

func TestOpenCorrupt(t *testing.T) {
	for name, content := range map[string][]byte{
		"text":    []byte("this is not a duckdb file\n"),
		"garbage": []byte(strings.Repeat("\x00\xffDUCK garbage ", 1000)),
		"sqlite":  append([]byte("SQLite format 3\x00"), make([]byte, 8192)...),
		"parquet": []byte("PAR1" + strings.Repeat("x", 5000) + "PAR1"),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.duckdb")
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, opts := range []Options{{}, {Create: true}, {ReadOnly: true}} {
				_, err := Open(path, opts)
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
					t.Errorf("Open(%+v) = %v, want ErrCorrupt naming the path", opts, err)
				}
			}
			if got, _ := os.ReadFile(path); string(got) != string(content) {
				t.Error("Open changed a file it could not read")
			}
		})
	}
}

func TestOpenNewerSchema(t *testing.T) {
	_, path := openClosed(t)
	execSQL(t, path, `INSERT INTO schema_version VALUES (99, 'from the future', now())`)
	for _, opts := range []Options{{}, {ReadOnly: true}} {
		_, err := Open(path, opts)
		if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "99") {
			t.Errorf("Open(%+v) = %v, want ErrNewerSchema naming version 99", opts, err)
		}
	}
}

func TestOpenOlderSchemaMigrates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.duckdb")
	schemaV1DB(t, path)

	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, ErrOldSchema) {
		t.Errorf("read-only Open of an old schema = %v, want ErrOldSchema", err)
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.sql.QueryRow(`SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != SchemaVersion {
		t.Errorf("schema version = %d, %v; want %d", v, err, SchemaVersion)
	}
	all, err := db.AllResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].ID != 42 || all[0].ModelName != "bert-tiny" || all[0].ExecutionMS != 3.5 || !all[0].Success {
		t.Errorf("old row after migration: %+v", all)
	}
	if err := db.Record(ctx, sampleResult("run-1", "bert@cpu/fp32/b1/s128", results.StatusPass, t0)); err != nil {
		t.Fatal(err)
	}
}

// schemaV1DB writes a database at schema version 1 holding one row written
// the way the guide's own code writes it (id 42, bert-tiny).
func schemaV1DB(t *testing.T, path string) {
	t.Helper()
	sqldb, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	if err := migrate(context.Background(), sqldb, 0, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := sqldb.Exec(`INSERT INTO comprehensive_test_results (id, model_name, model_architecture,
		hardware_platform, test_success, execution_time_ms) VALUES (42, 'bert-tiny', 'bert', 'cpu', true, 3.5)`); err != nil {
		t.Fatal(err)
	}
}

func TestOpenForeignGuideDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmark_db.duckdb")
	execSQL(t, path, `CREATE TABLE comprehensive_test_results (id INTEGER PRIMARY KEY, model_name TEXT)`)
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "not written by hwcov") {
		t.Errorf("Open = %v, want a not-written-by-hwcov error", err)
	}
}

func TestCreateFailureRemovesFile(t *testing.T) {
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	broken := migration{"broken", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE oops (`)
		return err
	}}
	migrations = append(saved[:len(saved):len(saved)], broken)
	path := filepath.Join(t.TempDir(), "new.duckdb")
	_, err := Open(path, Options{Create: true})
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("Open = %v, want the broken migration's error", err)
	}
	for _, p := range []string{path, path + ".wal"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind after a failed create (%v)", filepath.Base(p), err)
		}
	}

	// An existing database that fails to migrate is kept, at its old version.
	migrations = saved
	_, old := openClosed(t)
	migrations = append(saved[:len(saved):len(saved)], broken)
	if _, err := Open(old, Options{}); err == nil {
		t.Fatal("Open with a broken migration succeeded")
	}
	migrations = saved
	db, err := Open(old, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the old database is no longer usable: %v", err)
	}
	db.Close()
}

func TestSchemaVersionConstant(t *testing.T) {
	if SchemaVersion != len(migrations) {
		t.Errorf("SchemaVersion = %d, but there are %d migrations", SchemaVersion, len(migrations))
	}
}

func TestGuideTablesExist(t *testing.T) {
	db, _ := openNew(t)
	for _, table := range []string{"comprehensive_test_results", "generator_updates",
		"model_architecture_coverage", "hardware_platforms", "hardware_compatibility_matrix",
		"generator_improvements", "runs", "schema_version"} {
		var n int
		if err := db.sql.QueryRow(`SELECT count(*) FROM duckdb_tables() WHERE table_name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: count %d, %v", table, n, err)
		}
	}
}

// openClosed creates a current database and closes it.
func openClosed(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hwcov.duckdb")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return db, path
}

// execSQL runs statements on a file directly, bypassing Open.
func execSQL(t *testing.T, path string, stmts ...string) {
	t.Helper()
	sqldb, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	for _, s := range stmts {
		if _, err := sqldb.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkRecord(b *testing.B) {
	ctx := context.Background()
	db, err := Open(filepath.Join(b.TempDir(), "bench.duckdb"), Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	r := sampleResult("run-1", "", results.StatusPass, t0)
	r.SamplesMS = make([]float64, 10)
	i := 0
	for b.Loop() {
		r.TestID = fmt.Sprintf("arch%d@cpu/fp32/b1/s128", i)
		if err := db.Record(ctx, r); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
