package shard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/runners"
	"github.com/hwcov/hwcov/runners/web"
)

var t0 = time.Date(2026, 4, 5, 6, 7, 8, 0, time.UTC)

func id(t *testing.T, s string) testid.ID {
	t.Helper()
	x, err := testid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestJobs(t *testing.T) {
	files := []generator.Test{
		{ID: id(t, "bert@cpu/fp32/b1/s128"), File: "/t/bert_cpu.py", Arch: catalog.Architecture{Category: "text-encoder"},
			HW: hardware.Platform{PlatformKey: "cpu", DefaultTimeoutSeconds: 90}, Chain: "base > cpu", Revision: "r1"},
		{ID: id(t, "vit@webgpu/fp16/b1/s128"), File: "/t/vit_webgpu.py", Arch: catalog.Architecture{Category: "vision"},
			HW: hardware.Platform{PlatformKey: "webgpu"}},
	}
	for _, tc := range []struct {
		name        string
		o           Options
		cell        string
		wantTimeout time.Duration
		wantParams  map[string]any
	}{
		{name: "platform default timeout", cell: "bert@cpu/fp32/b1/s128", wantTimeout: 90 * time.Second,
			wantParams: map[string]any{"warmup": 0, "iterations": 0, "batch_size": 1, "seq_len": 128, "precision": "fp32", "timeout_s": 90.0}},
		{name: "the option wins", o: Options{Timeout: 5 * time.Second, Warmup: 2, Iterations: 7}, cell: "bert@cpu/fp32/b4/s64",
			wantTimeout: 5 * time.Second,
			wantParams:  map[string]any{"warmup": 2, "iterations": 7, "batch_size": 4, "seq_len": 64, "precision": "fp32", "timeout_s": 5.0}},
		{name: "no timeout at all", cell: "vit@webgpu/fp16/b2/s128",
			wantParams: map[string]any{"warmup": 0, "iterations": 0, "batch_size": 2, "seq_len": 128, "precision": "fp16"}},
		{name: "benchmark options and extra params",
			o:    Options{Profile: "ops", Optimizations: "default", Benchmark: true, Params: map[string]any{"validate": "reference", "warmup": 9}},
			cell: "vit@webgpu/fp16/b1/s128",
			wantParams: map[string]any{"warmup": 9, "iterations": 0, "batch_size": 1, "seq_len": 128, "precision": "fp16",
				"profile": "ops", "optimizations": "default", "benchmark": true, "validate": "reference"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jobs, err := tc.o.Jobs(Tests{Files: files, Cells: []testid.ID{id(t, tc.cell)}})
			if err != nil {
				t.Fatal(err)
			}
			j := jobs[0]
			if j.ID.String() != tc.cell || j.Timeout != tc.wantTimeout || !reflect.DeepEqual(j.Params, tc.wantParams) {
				t.Errorf("job %s timeout %v params %v\nwant timeout %v params %v", j.ID, j.Timeout, j.Params, tc.wantTimeout, tc.wantParams)
			}
			f := files[0]
			if j.ID.Model == "vit" {
				f = files[1]
			}
			if j.File != f.File || j.Category != f.Arch.Category || j.TemplateChain != f.Chain || j.PatchVersion != f.Revision {
				t.Errorf("job %+v does not carry its file %+v", j, f)
			}
		})
	}
	// a cell whose pair has no file is hwcov's own mistake
	_, err := Options{}.Jobs(Tests{Files: files, Cells: []testid.ID{id(t, "t5@cpu/fp32/b1/s128")}})
	if err == nil || err.Error() != "run: no generated file for t5@cpu/fp32/b1/s128" {
		t.Errorf("err = %v", err)
	}
}

// A job's requirements are the top-level imports of its file.
func TestJobsRequires(t *testing.T) {
	file := filepath.Join(t.TempDir(), "t.py")
	if err := os.WriteFile(file, []byte("import torch\nfrom transformers import AutoModel\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	jobs, err := Options{}.Jobs(Tests{Files: []generator.Test{{ID: id(t, "bert@cpu/fp32/b1/s128"), File: file}},
		Cells: []testid.ID{id(t, "bert@cpu/fp32/b1/s128")}})
	if err != nil || !reflect.DeepEqual(jobs[0].Requires, []string{"torch", "transformers"}) {
		t.Errorf("requires %v, %v", jobs[0].Requires, err)
	}
}

func TestEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		env  string
		want map[string]any
	}{
		{"kept", Options{}, `{"cpus":2}`, map[string]any{"cpus": 2.0}},
		{"benchmark options added", Options{Benchmark: true, Profile: "ops", Optimizations: "all"}, `{"cpus":2}`,
			map[string]any{"cpus": 2.0, "benchmark": true, "profile": "ops", "optimizations": "all"}},
		{"not JSON: replaced", Options{Profile: "ops"}, `nope`, map[string]any{"profile": "ops"}},
	} {
		var got map[string]any
		if err := json.Unmarshal([]byte(tc.o.environment(tc.env)), &got); err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: environment = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "run.duckdb"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestNewRun(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	if err := db.BeginRun(ctx, results.Run{RunID: "earlier", Shard: "2/3", StartedAt: t0.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	base := Options{Version: "v9", Now: func() time.Time { return t0 }, Getenv: func(string) string { return "" }, Benchmark: true}
	for _, tc := range []struct {
		name   string
		shard  string
		o      func(Options) Options
		wantID string
	}{
		{"fresh", "2/3", func(o Options) Options { return o }, "local-20260405T060708.000Z-cpu-2of3"},
		{"run id given", "2/3", func(o Options) Options { o.RunID = "mine"; return o }, "mine"},
		{"resume continues the shard's newest run", "2/3", func(o Options) Options { o.Resume = true; return o }, "earlier"},
		{"resume of a shard without runs starts one", "1/3", func(o Options) Options { o.Resume = true; return o }, "local-20260405T060708.000Z-cpu-1of3"},
		{"a given run id wins over resume", "2/3", func(o Options) Options { o.Resume, o.RunID = true, "mine"; return o }, "mine"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := NewRun(ctx, db, tc.shard, []string{"cpu"}, tc.o(base))
			if run.RunID != tc.wantID || run.HwcovVersion != "v9" || run.Shard != tc.shard || !run.StartedAt.Equal(t0) {
				t.Errorf("run %+v, want id %q", run, tc.wantID)
			}
			if !strings.Contains(run.Environment, `"benchmark":true`) {
				t.Errorf("environment %s lacks the benchmark option", run.Environment)
			}
		})
	}
}

func summary(counts map[results.Status]int, infra map[string]int) runners.Summary {
	return runners.Summary{Counts: counts, Infra: infra}
}

func TestVerdict(t *testing.T) {
	boom := errors.New("worker protocol broke")
	failed := summary(map[results.Status]int{results.StatusPass: 3, results.StatusFail: 1, results.StatusCrash: 1}, nil)
	infra := summary(map[results.Status]int{results.StatusInfraError: 2, results.StatusFail: 1},
		map[string]int{"No module named 'torch'. Try: make venv": 2})
	res := func(s runners.Summary) Result {
		return Result{Run: results.Run{RunID: "r1"}, DB: "out/run.duckdb", Summary: s}
	}
	for _, tc := range []struct {
		name        string
		r           Result
		runErr      error
		failOnError bool
		wantCode    int
		wantOut     string
	}{
		{"all passed", res(summary(map[results.Status]int{results.StatusPass: 2}, nil)), nil, true, hwerr.ExitOK, ""},
		{"failures without --fail-on-error", res(failed), nil, false, hwerr.ExitOK, ""},
		{"failures with --fail-on-error", res(failed), nil, true, hwerr.ExitFailed,
			"hwcov: 2 tests failed, crashed or timed out (--fail-on-error)\n"},
		{"interrupted", res(failed), fmt.Errorf("run: %w", context.Canceled), true, hwerr.ExitInterrupted,
			"hwcov: interrupted: run r1: finished results are in out/run.duckdb (continue with --resume)\n"},
		{"signal", res(failed), hwerr.ErrInterrupted, false, hwerr.ExitInterrupted,
			"hwcov: interrupted: run r1: finished results are in out/run.duckdb (continue with --resume)\n"},
		{"the run's own error", res(failed), boom, true, hwerr.ExitInternal, "hwcov: worker protocol broke\n"},
		{"infra before failures", res(infra), nil, true, hwerr.ExitInfra,
			"hwcov: 2 tests could not run on this runner (infra_error): No module named 'torch'\nTry: make venv\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			code := hwerr.Exit(tc.r.Verdict(tc.runErr, tc.failOnError), &b)
			if code != tc.wantCode || b.String() != tc.wantOut {
				t.Errorf("exit %d %q, want %d %q", code, b.String(), tc.wantCode, tc.wantOut)
			}
		})
	}
}

func TestInfraOf(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sum       runners.Summary
		wantMsg   string
		wantFixes []string
	}{
		{name: "none", sum: summary(map[results.Status]int{results.StatusFail: 1}, map[string]int{"x. Try: y": 1})},
		{name: "reasons sorted, fixes once",
			sum: summary(map[results.Status]int{results.StatusInfraError: 5}, map[string]int{
				"No module named 'torch'. Try: make venv":      2,
				"No module named 'openvino'. Try: make venv":   2,
				"the browser cannot start. Try: make browsers": 1,
			}),
			wantMsg:   "5 tests could not run on this runner (infra_error): No module named 'openvino'; No module named 'torch'; the browser cannot start",
			wantFixes: []string{"make venv", "make browsers"}},
		{name: "a reason without a fix",
			sum:     summary(map[results.Status]int{results.StatusInfraError: 1}, map[string]int{"no GPU": 1}),
			wantMsg: "1 test could not run on this runner (infra_error): no GPU"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := InfraOf(tc.sum)
			if tc.wantMsg == "" {
				if err != nil {
					t.Errorf("InfraOf = %v, want nil", err)
				}
				return
			}
			var ie *hwerr.InfraError
			if !errors.As(err, &ie) || ie.Msg != tc.wantMsg || !reflect.DeepEqual(ie.Fixes, tc.wantFixes) {
				t.Errorf("InfraOf = %#v\nwant msg %q fixes %q", err, tc.wantMsg, tc.wantFixes)
			}
		})
	}
}

// fakeWorker is the interpreter and the stand-in harness of runners' tests
// (stdlib only: it needs no torch).
func fakeWorker(t *testing.T) (python, harness string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH to run the stand-in worker")
	}
	h, err := filepath.Abs(filepath.Join("..", "testdata", "fakeworker"))
	if err != nil {
		t.Fatal(err)
	}
	return py, h
}

// A shard runs its tests in a worker and records each result; tests of a
// web platform whose browser cannot start are infra_error, which the
// verdict reports with its fix.
func TestRun(t *testing.T) {
	py, harness := fakeWorker(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pass := write("pass.py", "def run_test(params):\n    return {'status': 'pass', 'samples_ms': [1.0, 2.0], 'extra': {'params': params}}\n")
	fail := write("fail.py", "def run_test(params):\n    raise RuntimeError('shape mismatch in layer 3')\n")
	files := []generator.Test{
		{ID: id(t, "bert@cpu/fp32/b1/s128"), File: pass, Arch: catalog.Architecture{Category: "text-encoder"}, HW: hardware.Platform{PlatformKey: "cpu"}},
		{ID: id(t, "vit@cpu/fp32/b1/s128"), File: fail, Arch: catalog.Architecture{Category: "vision"}, HW: hardware.Platform{PlatformKey: "cpu"}},
		{ID: id(t, "bert@webgpu/fp32/b1/s128"), File: pass, Arch: catalog.Architecture{Category: "text-encoder"}, HW: hardware.Platform{PlatformKey: "webgpu"}},
	}
	tests := Tests{Files: files, Cells: []testid.ID{files[0].ID, files[1].ID, files[2].ID},
		Planned: []store.PlannedTest{{TestID: "bert@cpu/fp32/b1/s128", ShardID: "s1", Hardware: "cpu"}, {TestID: "t5@cpu/fp32/b1/s128", ShardID: "s2", Hardware: "cpu"}}}
	var log strings.Builder
	o := Options{Python: py, Harness: harness, Workers: 1, Iterations: 2, Version: "test", Timeout: time.Minute,
		Getenv: func(string) string { return "" }, Now: time.Now, Log: &log,
		Web: func() (web.Options, error) {
			return web.Options{}, errors.New("no browser for webgpu here; Try: make browsers")
		}}
	ctx := context.Background()
	db := openDB(t)
	run := NewRun(ctx, db, "1/1", []string{"cpu", "webgpu"}, o)
	res, err := Run(ctx, db, run, tests, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.DB != db.Path() || res.Run.RunID != run.RunID {
		t.Errorf("result names run %q in %q", res.Run.RunID, res.DB)
	}
	wantCounts := map[results.Status]int{results.StatusPass: 1, results.StatusFail: 1, results.StatusInfraError: 1}
	if !reflect.DeepEqual(res.Summary.Counts, wantCounts) {
		t.Errorf("counts %v, want %v", res.Summary.Counts, wantCounts)
	}
	rs, err := db.Results(ctx, run.RunID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]results.Result{}
	for _, r := range rs {
		got[r.TestID] = r
	}
	if r := got["bert@cpu/fp32/b1/s128"]; r.Status != results.StatusPass || !strings.Contains(r.Extra, `"iterations": 2`) && !strings.Contains(r.Extra, `"iterations":2`) {
		t.Errorf("bert@cpu: %s %s", r.Status, r.Extra)
	}
	if r := got["vit@cpu/fp32/b1/s128"]; r.Status != results.StatusFail || !strings.Contains(r.ErrorMessage, "shape mismatch in layer 3") {
		t.Errorf("vit@cpu: %s %q", r.Status, r.ErrorMessage)
	}
	if r := got["bert@webgpu/fp32/b1/s128"]; r.Status != results.StatusInfraError || !strings.Contains(r.ErrorMessage, "no browser for webgpu here") {
		t.Errorf("bert@webgpu: %s %q", r.Status, r.ErrorMessage)
	}
	if !strings.Contains(log.String(), "hwcov: no browser for webgpu here; webgpu tests are infra_error") {
		t.Errorf("log %q", log.String())
	}
	planned, err := db.PlannedTests(ctx)
	if err != nil || len(planned) != 2 {
		t.Errorf("planned tests %+v, %v", planned, err)
	}

	var b strings.Builder
	if code := hwerr.Exit(res.Verdict(nil, true), &b); code != hwerr.ExitInfra ||
		b.String() != "hwcov: 1 test could not run on this runner (infra_error): no browser for webgpu here\nTry: make browsers\n" {
		t.Errorf("verdict: exit %d\n%s", code, b.String())
	}

	// Resumed, the same run skips what it recorded.
	o.Resume = true
	again := NewRun(ctx, db, "1/1", []string{"cpu", "webgpu"}, o)
	if again.RunID != run.RunID {
		t.Fatalf("resumed run %q, want %q", again.RunID, run.RunID)
	}
	res, err = Run(ctx, db, again, tests, o)
	if err != nil || res.Summary.Resumed != 3 || res.Summary.Tests != 0 {
		t.Errorf("resumed: %d resumed, %d run, %v", res.Summary.Resumed, res.Summary.Tests, err)
	}
}

// A cell without a file stops the run before any worker starts.
func TestRunJobsError(t *testing.T) {
	db := openDB(t)
	tests := Tests{Cells: []testid.ID{id(t, "bert@cpu/fp32/b1/s128")}}
	_, err := Run(context.Background(), db, results.Run{RunID: "r"}, tests, Options{Now: time.Now, Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "no generated file") {
		t.Errorf("err = %v", err)
	}
}
