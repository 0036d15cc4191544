package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// exportDB writes a database with two runs: bert passes in both, vit fails
// in the second.
func exportDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db, path := openNew(t)
	for i, run := range []string{"run-1", "run-2"} {
		at := t0.Add(time.Duration(i) * time.Hour)
		if err := db.BeginRun(ctx, sampleRun(run, at)); err != nil {
			t.Fatal(err)
		}
		if err := db.Record(ctx, sampleResult(run, "bert@cpu/fp32/b1/s128", results.StatusPass, at.Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
		vit := sampleResult(run, "vit@cpu/fp32/b1/s224", results.StatusPass, at.Add(2*time.Minute))
		vit.Architecture, vit.Category = "vit", "vision"
		if i == 1 {
			vit.Status, vit.Success, vit.SamplesMS, vit.ErrorMessage = results.StatusFail, false, nil, "KeyError: 'pixel_values'"
		}
		if err := db.Record(ctx, vit); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// readBack reads an exported file with DuckDB (an in-memory database with
// external access, as a user's would be).
func readBack(t *testing.T, path, format string) *sql.Rows {
	t.Helper()
	sqldb, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqldb.Close() })
	reader := map[string]string{"csv": "read_csv", "json": "read_json", "parquet": "read_parquet"}[format]
	rows, err := sqldb.Query(`SELECT * FROM ` + reader + `(` + quoteLiteral(path) + `) ORDER BY run_id, test_id`)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rows.Close() })
	return rows
}

func TestExportRoundTrip(t *testing.T) {
	src := exportDB(t)
	for _, format := range ExportFormats {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out", "results."+format)
			n, err := Export(context.Background(), src, out, format, "")
			if err != nil {
				t.Fatal(err)
			}
			if n != 4 {
				t.Errorf("Export wrote %d rows, want 4", n)
			}
			rows := readBack(t, out, format)
			cols, _ := rows.Columns()
			if !slices.Equal(cols, ExportColumnNames()) {
				t.Errorf("columns = %v\nwant %v", cols, ExportColumnNames())
			}
			type row struct{ run, test, status, arch, hw, chain string }
			var got []row
			var medians []sql.NullFloat64
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				get := func(name string) any { return vals[slices.Index(cols, name)] }
				str := func(name string) string { s, _ := get(name).(string); return s }
				got = append(got, row{str("run_id"), str("test_id"), str("status"), str("architecture"), str("hardware"), str("template_chain")})
				m, ok := get("median_ms").(float64)
				medians = append(medians, sql.NullFloat64{Float64: m, Valid: ok})
			}
			want := []row{
				{"run-1", "bert@cpu/fp32/b1/s128", "pass", "bert", "cpu", "base > text-encoder > cpu"},
				{"run-1", "vit@cpu/fp32/b1/s224", "pass", "vit", "cpu", "base > text-encoder > cpu"},
				{"run-2", "bert@cpu/fp32/b1/s128", "pass", "bert", "cpu", "base > text-encoder > cpu"},
				{"run-2", "vit@cpu/fp32/b1/s224", "fail", "vit", "cpu", "base > text-encoder > cpu"},
			}
			if !slices.Equal(got, want) {
				t.Errorf("rows = %v\nwant %v", got, want)
			}
			if medians[0] != (sql.NullFloat64{Float64: 2, Valid: true}) || medians[3].Valid {
				t.Errorf("median_ms = %v, want 2 for a pass and NULL for the failure without samples", medians)
			}
		})
	}
}

func TestExportRun(t *testing.T) {
	src := exportDB(t)
	out := filepath.Join(t.TempDir(), "r.csv")
	n, err := Export(context.Background(), src, out, "csv", "run-2")
	if err != nil || n != 2 {
		t.Fatalf("Export(run-2) = %d, %v; want 2 rows", n, err)
	}
	data, _ := os.ReadFile(out)
	if strings.Contains(string(data), "run-1") {
		t.Errorf("the export of run-2 holds run-1:\n%s", data)
	}
}

// TestExportRefusesHostile: a source holding a view or a macro is refused
// before anything is written, and nothing outside the staging folder is read.
func TestExportRefusesHostile(t *testing.T) {
	secret, content := secretFile(t)
	for _, k := range hostileKinds(secret) {
		t.Run(k.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "hostile.duckdb")
			hostileDB(t, src, k.stmts...)
			out := filepath.Join(t.TempDir(), "out.csv")
			_, err := Export(context.Background(), src, out, "csv", "")
			if !errors.Is(err, ErrNotHwcov) {
				t.Fatalf("Export = %v, want ErrNotHwcov", err)
			}
			if data, err := os.ReadFile(out); err == nil {
				t.Errorf("wrote %s:\n%s", out, data)
			}
			if strings.Contains(err.Error(), content) {
				t.Errorf("the error leaks the secret: %v", err)
			}
		})
	}
}

func TestExportErrors(t *testing.T) {
	src := exportDB(t)
	dir := t.TempDir()
	if _, err := Export(context.Background(), src, filepath.Join(dir, "x.xlsx"), "xlsx", ""); err == nil || !strings.Contains(err.Error(), "not one of csv, json, parquet") {
		t.Errorf("format xlsx: %v", err)
	}
	if _, err := Export(context.Background(), filepath.Join(dir, "missing.duckdb"), filepath.Join(dir, "x.csv"), "csv", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing source: %v, want ErrNotFound", err)
	}
	// An older schema is migrated on a copy; the source is left as it was.
	old := filepath.Join(dir, "old.duckdb")
	schemaV1DB(t, old)
	before, _ := os.ReadFile(old)
	if _, err := Export(context.Background(), old, filepath.Join(dir, "old.parquet"), "parquet", ""); err != nil {
		t.Errorf("older schema: %v", err)
	}
	if after, _ := os.ReadFile(old); !slices.Equal(before, after) {
		t.Error("Export changed an older-schema source")
	}
}

// TestExportParquetPython reads the Parquet export with pyarrow from the
// project's .venv (runners/python/requirements.txt pins it); it is skipped
// when the venv or pyarrow is missing.
func TestExportParquetPython(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	python := filepath.Join(filepath.Dir(file), "..", "..", "..", ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		t.Skip("no .venv (make venv)")
	}
	if err := exec.Command(python, "-c", "import pyarrow.parquet").Run(); err != nil {
		t.Skip("pyarrow is not installed in .venv (make venv)")
	}
	src := exportDB(t)
	out := filepath.Join(t.TempDir(), "results.parquet")
	if _, err := Export(context.Background(), src, out, "parquet", ""); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
d = t.to_pydict()
print(t.num_rows, ",".join(t.column_names))
print(sorted(zip(d["run_id"], d["test_id"], d["status"])))
print(str(t.schema.field("samples_ms").type), str(t.schema.field("started_at").type), d["samples_ms"][0])
`
	got, err := exec.Command(python, "-c", script, out).CombinedOutput()
	if err != nil {
		t.Fatalf("pyarrow: %v\n%s", err, got)
	}
	want := "4 " + strings.Join(ExportColumnNames(), ",") + "\n" +
		"[('run-1', 'bert@cpu/fp32/b1/s128', 'pass'), ('run-1', 'vit@cpu/fp32/b1/s224', 'pass'), ('run-2', 'bert@cpu/fp32/b1/s128', 'pass'), ('run-2', 'vit@cpu/fp32/b1/s224', 'fail')]\n" +
		"list<element: double> timestamp[us] [1.5, 2.0, 2.5]\n"
	if string(got) != want {
		t.Errorf("pyarrow read:\n%s\nwant:\n%s", got, want)
	}
}

// TestExportColumnsDocumented: docs/reports.md lists ExportColumns, in
// order, with their types.
func TestExportColumnsDocumented(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	doc, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "docs", "reports.md"))
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) == 5 && strings.ContainsAny(cells[2], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && !strings.Contains(cells[2], "---") && strings.TrimSpace(cells[1]) != "column" {
			documented = append(documented, strings.TrimSpace(cells[1])+" "+strings.TrimSpace(cells[2]))
		}
	}
	var want []string
	for _, c := range ExportColumns {
		want = append(want, c.Name+" "+c.Type)
	}
	if !slices.Equal(documented, want) {
		t.Errorf("docs/reports.md export columns:\n%v\nwant:\n%v", documented, want)
	}
}

// BenchmarkExport100k exports a history of 100,000 results (10 samples each)
// in each format.
func BenchmarkExport100k(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "history.duckdb")
	db, err := Open(src, Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	sqldb, err := sql.Open("duckdb", src)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := sqldb.Exec(`INSERT INTO comprehensive_test_results (id, run_id, test_id, model_architecture, category,
    hardware_platform, precision, batch_size, seq_len, status, test_success, execution_time_ms, samples_ms,
    memory_usage_mb, error_message, template_chain, attempt, started_at, finished_at)
SELECT i, 'run-' || (i // 1000), 'arch' || (i % 1000) || '@cpu/fp32/b1/s128', 'arch' || (i % 1000), 'vision',
    'cpu', 'fp32', 1, 128, CASE WHEN i % 7 = 0 THEN 'fail' ELSE 'pass' END, i % 7 <> 0, 10.0,
    [9.5, 9.8, 10.0, 10.1, 10.2, 9.9, 10.3, 10.0, 9.7, 10.5], 100.0,
    CASE WHEN i % 7 = 0 THEN 'RuntimeError: shape mismatch' END, 'base > vision > cpu', 1,
    TIMESTAMP '2026-01-01' + to_seconds(i), TIMESTAMP '2026-01-01' + to_seconds(i + 1)
FROM range(100000) t(i)`); err != nil {
		b.Fatal(err)
	}
	sqldb.Close()
	for _, format := range ExportFormats {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if n, err := Export(context.Background(), src, filepath.Join(dir, "out."+format), format, ""); err != nil || n != 100000 {
					b.Fatalf("Export = %d, %v", n, err)
				}
			}
		})
	}
}
