package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
