package shard

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
	pyharness "github.com/hwcov/hwcov/runners/python"
)

// realPython is the repository's .venv interpreter with torch and
// transformers; the test skips without one.
func realPython(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a real model in the real harness (seconds to a minute); skipped under -short")
	}
	py, err := filepath.Abs(filepath.Join("..", "..", ".venv", "bin", "python"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(py, "-c", "import torch, transformers").CombinedOutput(); err != nil {
		t.Skipf("needs %s with torch and transformers (make venv): %v %s", py, err, out)
	}
	return py
}

// A generated test of a key model runs in the real worker and passes.
func TestRunRealWorker(t *testing.T) {
	py := realPython(t)
	harness, err := pyharness.Extract(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	s := w.selection(t)
	s.Archs, s.Platforms = w.archs(t, "bert"), w.platforms(t, "cpu")
	tests, err := Select(s)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Python: py, Harness: harness, Workers: 1, Warmup: 1, Iterations: 2, Version: "test",
		Getenv: func(string) string { return "" }, Now: time.Now}
	ctx := context.Background()
	db := openDB(t)
	run := NewRun(ctx, db, "", []string{"cpu"}, o)
	res, err := Run(ctx, db, run, tests, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Verdict(nil, true); err != nil {
		t.Errorf("verdict: %v", err)
	}
	rs, err := db.Results(ctx, run.RunID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("results %+v, %v", rs, err)
	}
	r := rs[0]
	if r.TestID != "bert@cpu/fp32/b1/s128" || r.Status != results.StatusPass || len(r.SamplesMS) != 2 || r.ModelName == "" {
		t.Errorf("result %s %s %q samples %v model %q", r.TestID, r.Status, r.ErrorMessage, r.SamplesMS, r.ModelName)
	}
}
