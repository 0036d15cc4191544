package store

import (
	"context"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/patch"
	"github.com/hwcov/hwcov/internal/results"
)

// A verdict is one generator_updates row per platform and one
// generator_improvements row per test; recording it again adds nothing.
func TestRecordVerdict(t *testing.T) {
	ctx := context.Background()
	db, err := Open("", Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := patch.Verdict{
		Rule:  patch.Rule{ID: "r", Version: 2, Title: "fix r"},
		Files: []string{"family/a.py.tmpl"}, Fingerprints: []string{"f1"}, Fixed: 1, Controls: 1, Kept: true, Why: "kept", RunAfter: "run-2",
		Tests: []patch.Outcome{
			{TestID: "a@cpu", Architecture: "a", Hardware: "cpu", Role: patch.RoleTarget, StatusBefore: "fail", StatusAfter: "pass", RevisionBefore: "r0", RevisionAfter: "r1", RunBefore: "run-1", RunAfter: "run-2"},
			{TestID: "b@cpu", Architecture: "b", Hardware: "cpu", Role: patch.RoleControl, StatusBefore: "pass", StatusAfter: "pass", RunBefore: "run-1", RunAfter: "run-2"},
			{TestID: "a@cuda", Architecture: "a", Hardware: "cuda", Role: patch.RoleTarget, StatusBefore: "fail", StatusAfter: "fail", RunBefore: "run-0", RunAfter: "run-2"},
		},
	}
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for range 2 {
		if err := db.RecordVerdict(ctx, v, at); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	var before, after float64
	var rule, verdict, runAfter string
	if err := db.sql.QueryRow(`SELECT count(*) OVER (), success_rate_before, success_rate_after, rule_id, verdict, run_after
    FROM generator_updates WHERE hardware_platform = 'cpu'`).Scan(&n, &before, &after, &rule, &verdict, &runAfter); err != nil {
		t.Fatal(err)
	}
	if n != 1 || before != 0.5 || after != 1 || rule != "r" || verdict != "kept" || runAfter != "run-2" {
		t.Errorf("cpu update: %d %v %v %s %s %s", n, before, after, rule, verdict, runAfter)
	}
	if err := db.sql.QueryRow(`SELECT count(*) FROM generator_updates`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d updates, %v; want one per platform", n, err)
	}
	got, err := db.PatchOutcomes(ctx, "r")
	if err != nil || len(got) != 3 {
		t.Fatalf("outcomes %+v, %v", got, err)
	}
	if o := got[0]; o.TestID != "a@cpu" || o.StatusBefore != "fail" || o.StatusAfter != "pass" || o.RevisionAfter != "r1" || o.RunBefore != "run-1" {
		t.Errorf("outcome %+v", o)
	}
}

func TestDropResults(t *testing.T) {
	ctx := context.Background()
	db, err := Open("", Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range []results.Result{
		{ID: 1, RunID: "run-1", TestID: "a@cpu", Status: results.StatusFail},
		{ID: 2, RunID: "run-2", TestID: "a@cpu", Status: results.StatusFail},
		{ID: 3, RunID: "run-2", TestID: "b@cpu", Status: results.StatusPass},
	} {
		if err := db.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DropResults(ctx, "run-2", []string{"a@cpu"}); err != nil {
		t.Fatal(err)
	}
	rs, err := db.Results(ctx, "")
	if err != nil || len(rs) != 2 || rs[0].RunID != "run-1" || rs[1].RunID != "run-2" {
		t.Errorf("results %+v, %v", rs, err)
	}
}

// The guide's last verified fix per fingerprint is the newest kept
// verification; dropped ones do not count.
func TestVerifiedFixes(t *testing.T) {
	ctx := context.Background()
	db, err := Open("", Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	target := func(hw, after string) patch.Outcome {
		return patch.Outcome{TestID: "a@" + hw, Architecture: "a", Hardware: hw, Role: patch.RoleTarget, StatusBefore: "fail", StatusAfter: after, RunAfter: "x"}
	}
	control := patch.Outcome{TestID: "b@cpu", Architecture: "b", Hardware: "cpu", Role: patch.RoleControl, StatusBefore: "pass", StatusAfter: "pass"}
	day := func(d int) time.Time { return time.Date(2026, 12, d, 12, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		v  patch.Verdict
		at time.Time
	}{
		{patch.Verdict{Rule: patch.Rule{ID: "old", Version: 1}, Fingerprints: []string{"f1"}, Fixed: 1, Kept: true, RunAfter: "run-1",
			Tests: []patch.Outcome{target("cpu", "pass")}}, day(1)},
		{patch.Verdict{Rule: patch.Rule{ID: "new", Version: 2}, Fingerprints: []string{"f1", "f2"}, Fixed: 1, Controls: 1, Kept: true, RunAfter: "run-2",
			Tests: []patch.Outcome{target("cpu", "pass"), target("cuda", "fail"), control}}, day(2)},
		{patch.Verdict{Rule: patch.Rule{ID: "dropped", Version: 1}, Fingerprints: []string{"f1", "f3"}, RunAfter: "run-3",
			Tests: []patch.Outcome{target("cpu", "fail")}}, day(3)},
	} {
		for i := range c.v.Tests {
			c.v.Tests[i].RunAfter = c.v.RunAfter
		}
		if err := db.RecordVerdict(ctx, c.v, c.at); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.VerifiedFixes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["f3"].Rule != "" {
		t.Fatalf("fixes %+v: want f1 and f2 only", got)
	}
	want := "rule `new` v2, 2026-12-02 (run `run-2`, cpu, cuda): 1 of 2 failing tests fail → pass, 1 of 1 control tests still pass"
	for _, fp := range []string{"f1", "f2"} {
		if s := got[fp].String(); s != want {
			t.Errorf("%s: %s\nwant %s", fp, s, want)
		}
	}
}
