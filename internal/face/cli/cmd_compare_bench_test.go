package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/results"
)

// BenchmarkCompareHistoryDB runs `hwcov compare` end to end (open both
// databases, read each test's newest runs of the history, compare, render)
// against a 1,000,000-row history: 10,000 tests on 9 platforms x 100 runs,
// 5 samples each, and a head run with planted regressions. Target: under 2 s.
func BenchmarkCompareHistoryDB(b *testing.B) {
	dir := b.TempDir()
	hist, head := filepath.Join(dir, "history.duckdb"), filepath.Join(dir, "head.duckdb")
	benchResultsDB(b, hist, 100, 10_000, false)
	benchResultsDB(b, head, 1, 10_000, true)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var out, errb strings.Builder
		f := NewFactory(strings.NewReader(""), &out, &errb)
		f.Getenv = func(string) string { return "" }
		code := MainWith(f, []string{"compare", "--base", hist, "--head", head, "--format", "json", "--fail-on", "none"})
		var rep struct {
			Regressions []json.RawMessage `json:"regressions"`
		}
		if code != 0 || json.Unmarshal([]byte(out.String()), &rep) != nil || len(rep.Regressions) < 100 {
			b.Fatalf("hwcov compare: exit %d, %d regressions (want the 104 planted)\n%s", code, len(rep.Regressions), errb.String())
		}
	}
}

// hardwareList is the nine built-in platforms as a DuckDB list literal.
const hardwareList = `['cpu', 'cuda', 'rocm', 'mps', 'openvino', 'onnxruntime', 'qualcomm', 'webnn', 'webgpu']`

// benchResultsDB writes runs x tests results: hwcov writes the runs and one
// seed result, and SQL copies the seed into every (run, test) cell with its
// own samples, so that setting up does not take a million commits.
func benchResultsDB(b *testing.B, path string, runs, tests int, regress bool) {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	env := `{"python":"3.11.9","torch":"2.15.0","transformers":"5.23.0"}`
	prefix := "gh-"
	if regress {
		prefix = "head-"
	}
	for r := range runs {
		at := t0.Add(time.Duration(r) * time.Hour)
		if err := db.BeginRun(ctx, results.Run{RunID: fmt.Sprintf("%s%d", prefix, 1000+r), Environment: env,
			StartedAt: at, FinishedAt: at.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Record(ctx, results.Result{ID: -1, RunID: prefix + "1000", TestID: "seed@cpu/fp32/b1/s128", Architecture: "seed",
		Hardware: "cpu", Precision: "fp32", BatchSize: 1, SeqLen: 128, Status: results.StatusPass, Success: true,
		SamplesMS: []float64{1, 2, 3, 4, 5}, StartedAt: t0, FinishedAt: t0}); err != nil {
		b.Fatal(err)
	}
	db.Close()
	factor := "1.0"
	if regress {
		factor = "CASE WHEN t.i % 97 = 0 THEN 1.5 ELSE 1.0 END"
	}
	sqldb, err := sql.Open("duckdb", path)
	if err != nil {
		b.Fatal(err)
	}
	defer sqldb.Close()
	q := fmt.Sprintf(`INSERT INTO comprehensive_test_results BY NAME
SELECT c.* REPLACE (
    r.n * %[2]d + t.i AS id,
    '%[3]s' || (1000 + r.n) AS run_id,
    'arch' || lpad((t.i // 9)::TEXT, 4, '0') || '@' || %[5]s[t.i %% 9 + 1] || '/fp32/b1/s128' AS test_id,
    'arch' || lpad((t.i // 9)::TEXT, 4, '0') AS model_architecture,
    %[5]s[t.i %% 9 + 1] AS hardware_platform,
    CASE WHEN random() < 0.005 THEN 'fail' ELSE 'pass' END AS status,
    [(10 + t.i %% 50) * (%[4]s) * (1 + random() / 50) FOR x IN range(5)] AS samples_ms,
    TIMESTAMP '2026-11-01' + INTERVAL (r.n) HOUR AS started_at,
    TIMESTAMP '2026-11-01' + INTERVAL (r.n) HOUR AS finished_at)
FROM comprehensive_test_results c, range(%[1]d) r(n), range(%[2]d) t(i)
WHERE c.id = -1`, runs, tests, prefix, factor, hardwareList)
	if _, err := sqldb.ExecContext(ctx, q); err != nil {
		b.Fatal(err)
	}
	if _, err := sqldb.ExecContext(ctx, `UPDATE comprehensive_test_results SET test_success = status = 'pass'; DELETE FROM comprehensive_test_results WHERE id = -1`); err != nil {
		b.Fatal(err)
	}
	var n int
	if err := sqldb.QueryRowContext(ctx, `SELECT count(*) FROM comprehensive_test_results`).Scan(&n); err != nil || n != runs*tests {
		b.Fatalf("%s holds %d results (%v), want %d", path, n, err, runs*tests)
	}
}
