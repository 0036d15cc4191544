package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

func shardDB(t *testing.T, path, runID string, tests ...string) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	if err := db.BeginRun(ctx, results.Run{RunID: runID, Shard: runID, StartedAt: at}); err != nil {
		t.Fatal(err)
	}
	for _, id := range tests {
		r := results.Result{RunID: runID, TestID: id, Architecture: id[:4], Hardware: "cpu", Status: results.StatusPass,
			SamplesMS: []float64{1, 2}, StartedAt: at, FinishedAt: at.Add(time.Second)}
		if err := db.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMerge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.duckdb"), filepath.Join(dir, "b.duckdb")
	shardDB(t, a, "run-1of2", "bert@cpu/fp32/b1/s128", "gpt2@cpu/fp32/b1/s128")
	shardDB(t, b, "run-2of2", "vit_@cpu/fp32/b1/s128")
	into, err := Open(filepath.Join(dir, "run.duckdb"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer into.Close()
	for i := 0; i < 2; i++ { // the second round must add nothing
		ra, err := into.Merge(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := into.Merge(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		wantNew := map[int][2]int{0: {2, 1}, 1: {0, 0}}[i]
		if ra.NewResults != wantNew[0] || rb.NewResults != wantNew[1] {
			t.Fatalf("round %d: new results %d, %d; want %v", i, ra.NewResults, rb.NewResults, wantNew)
		}
	}
	all, err := into.AllResults(ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("merged results %d, %v", len(all), err)
	}
	if len(all[0].SamplesMS) != 2 {
		t.Errorf("samples lost in merge: %+v", all[0])
	}
	runs, _ := into.Runs(ctx)
	if len(runs) != 2 {
		t.Errorf("merged runs %d, want 2", len(runs))
	}

	bad := filepath.Join(dir, "bad.duckdb")
	os.WriteFile(bad, []byte("truncated shard"), 0o644)
	if _, err := into.Merge(ctx, bad); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt shard: %v", err)
	}
	if _, err := into.Merge(ctx, into.Path()); err == nil {
		t.Fatal("merging a database into itself must fail")
	}
}

func TestRecordPlan(t *testing.T) {
	ctx := context.Background()
	db, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := []PlannedTest{{"bert@cpu/fp32/b1/s128", "cpu-1of2", "cpu"}, {"vit@cpu/fp32/b1/s128", "cpu-2of2", "cpu"}}
	for i := 0; i < 2; i++ {
		if err := db.RecordPlan(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.PlannedTests(ctx)
	if err != nil || len(got) != 2 || got[1].ShardID != "cpu-2of2" {
		t.Fatalf("planned %v %v", got, err)
	}
}

func TestRecentResults(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	into, err := Open(filepath.Join(dir, "h.duckdb"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer into.Close()
	for _, run := range []string{"r1", "r2", "r3"} {
		p := filepath.Join(dir, run+".duckdb")
		shardDB(t, p, run, "bert@cpu/fp32/b1/s128")
		if _, err := into.Merge(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := into.RecentResults(ctx, 2)
	if err != nil || len(rs) != 2 {
		t.Fatalf("recent = %d results, %v; want 2", len(rs), err)
	}
}

// TestMergeSources checks every kind of shard file Merge can be handed: the
// good ones merge (an older schema through a migrated copy, the original left
// as it was) and the bad ones are refused with the error the CLI counts on,
// leaving the target untouched.
func TestMergeSources(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.duckdb")
	shardDB(t, good, "run-good", "bert@cpu/fp32/b1/s128")
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer := filepath.Join(dir, "newer.duckdb")
	shardDB(t, newer, "run-newer", "gpt2@cpu/fp32/b1/s128")
	execSQL(t, newer, `INSERT INTO schema_version VALUES (99, 'from the future', now())`)
	older := filepath.Join(dir, "older.duckdb")
	schemaV1DB(t, older)
	olderBefore, _ := os.ReadFile(older)
	foreign := filepath.Join(dir, "foreign.duckdb")
	execSQL(t, foreign, `CREATE TABLE comprehensive_test_results (id INTEGER PRIMARY KEY, model_name TEXT)`)

	tests := []struct {
		name    string
		path    string
		want    error // nil: merges
		results int
	}{
		{"good", good, nil, 1},
		{"older schema", older, nil, 1},
		{"missing", filepath.Join(dir, "absent.duckdb"), ErrNotFound, 0},
		{"empty", write("empty.duckdb", nil), ErrCorrupt, 0},
		{"not duckdb", write("text.duckdb", []byte("SQLite format 3\x00 and more")), ErrCorrupt, 0},
		{"truncated", write("truncated.duckdb", data[:len(data)/3]), ErrCorrupt, 0},
		{"header only", write("header.duckdb", data[:4096]), ErrCorrupt, 0},
		{"newer schema", newer, ErrNewerSchema, 0},
		{"foreign guide database", foreign, ErrCorrupt, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			into, err := Open(filepath.Join(t.TempDir(), "run.duckdb"), Options{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			defer into.Close()
			rep, err := into.Merge(ctx, tc.path)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Merge(%s) = %v, want %v", tc.name, err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name the file", err)
			}
			all, err := into.AllResults(ctx)
			if err != nil || len(all) != tc.results || rep.NewResults != tc.results {
				t.Errorf("after merge: %d results (%d new), %v; want %d", len(all), rep.NewResults, err, tc.results)
			}
			// The shard is detached again: the next merge can attach another.
			if _, err := into.Merge(ctx, good); err != nil {
				t.Errorf("merge after %s: %v", tc.name, err)
			}
		})
	}
	if after, _ := os.ReadFile(older); string(after) != string(olderBefore) {
		t.Error("merging an older shard changed the shard file")
	}
}
