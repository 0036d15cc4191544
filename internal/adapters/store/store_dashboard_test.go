package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// dashboardDB holds two CI runs of two shards and a local run: bert is
// retried in the first CI run (fail, then pass), vit has no time at all,
// and gpt2 ties on time across runs (the attempt decides).
func dashboardDB(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	runs := []results.Run{
		{RunID: "a-0", WorkflowRunID: 11, GitSHA: "aaa", GitRef: "main", StartedAt: t0},
		{RunID: "a-1", WorkflowRunID: 11, GitSHA: "aaa", GitRef: "main", StartedAt: t0.Add(time.Minute)},
		{RunID: "b-0", WorkflowRunID: 12, GitSHA: "bbb", GitRef: "main", PRNumber: 7, StartedAt: t0.Add(24 * time.Hour)},
		{RunID: "local", StartedAt: t0.Add(48 * time.Hour)},
	}
	for _, r := range runs {
		if err := db.BeginRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	rec := func(run, arch, hw string, st results.Status, attempt int, at time.Time) {
		r := results.Result{RunID: run, TestID: fmt.Sprintf("%s@%s/fp32/b1/s128", arch, hw), Architecture: arch, Category: "c-" + arch,
			Hardware: hw, Status: st, Attempt: attempt, ExecutionMS: 10, FinishedAt: at}
		if err := db.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	rec("a-0", "bert", "cpu", results.StatusFail, 1, t0)
	rec("a-0", "bert", "cpu", results.StatusPass, 2, t0.Add(time.Second))
	rec("a-1", "bert", "openvino", results.StatusFail, 1, t0)
	rec("b-0", "bert", "cpu", results.StatusPass, 1, t0.Add(24*time.Hour))
	rec("b-0", "gpt2", "cpu", results.StatusFail, 1, t0.Add(24*time.Hour))
	rec("local", "gpt2", "cpu", results.StatusPass, 2, t0.Add(24*time.Hour))
	rec("local", "vit", "cpu", results.StatusPass, 1, time.Time{})
	return db
}

func TestNewestResultsMatchesResults(t *testing.T) {
	db := dashboardDB(t)
	ctx := context.Background()
	want, err := db.Results(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.NewestResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("NewestResults gave %d results, Results %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Errorf("%s: NewestResults picked %s attempt %d, Results %s attempt %d", want[i].TestID, got[i].RunID, got[i].Attempt, want[i].RunID, want[i].Attempt)
		}
	}
}

func TestRunGroupsAndCellRuns(t *testing.T) {
	db := dashboardDB(t)
	ctx := context.Background()
	gs, err := db.RunGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range gs {
		got = append(got, fmt.Sprintf("%s %s %s %s %s n=%d ms=%g pr=%d", g.Run, g.GitSHA, g.Hardware, g.Category, g.Status, g.N, g.SumMS, g.PR))
	}
	// the retried bert counts once, as its pass; shards of run 11 are one run
	want := []string{
		"11 aaa cpu c-bert pass n=1 ms=10 pr=0",
		"11 aaa openvino c-bert fail n=1 ms=0 pr=0",
		"12 bbb cpu c-bert pass n=1 ms=10 pr=7",
		"12 bbb cpu c-gpt2 fail n=1 ms=0 pr=7",
		"local  cpu c-gpt2 pass n=1 ms=10 pr=0",
		"local  cpu c-vit pass n=1 ms=10 pr=0",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("RunGroups:\n got %q\nwant %q", got, want)
	}
	crs, err := db.CellRuns(ctx, []string{"12", "local"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, c := range crs {
		seen[fmt.Sprintf("%s %s@%s %s", c.Run, c.Architecture, c.Hardware, c.Status)] += c.N
	}
	wantCells := map[string]int{"12 bert@cpu pass": 1, "12 gpt2@cpu fail": 1, "local gpt2@cpu pass": 1, "local vit@cpu pass": 1}
	if fmt.Sprint(seen) != fmt.Sprint(wantCells) {
		t.Errorf("CellRuns = %v, want %v", seen, wantCells)
	}
	if crs, err := db.CellRuns(ctx, []string{"it's ' quoted"}); err != nil || len(crs) != 0 {
		t.Errorf("CellRuns of an unknown key with quotes = %v, %v", crs, err)
	}
}
