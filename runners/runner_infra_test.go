package runners

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

func TestMissingModule(t *testing.T) {
	tests := []struct {
		msg  string
		want string
		ok   bool
	}{
		{"ModuleNotFoundError: No module named 'torch'", "torch", true},
		{"No module named 'openvino'", "openvino", true},
		{"/usr/bin/python3: Error while finding module specification for 'hwcov_harness.worker' (ModuleNotFoundError: No module named 'hwcov_harness')", "hwcov_harness", true},
		// a submodule: the installed package lacks it, the runner is set up
		{"ModuleNotFoundError: No module named 'transformers.models.foo'", "", false},
		{"ValueError: shape mismatch", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := MissingModule(tt.msg)
		if got != tt.want || ok != tt.ok {
			t.Errorf("MissingModule(%q) = %q, %v; want %q, %v", tt.msg, got, ok, tt.want, tt.ok)
		}
	}
}

func TestShardSignature(t *testing.T) {
	torch := results.Result{Status: results.StatusFail, Attempt: 1, ErrorMessage: "ModuleNotFoundError: No module named 'torch'"}
	torch2 := torch
	torch2.Attempt = 2
	cv := results.Result{Status: results.StatusFail, Attempt: 1, ErrorMessage: "ModuleNotFoundError: No module named 'cv2'"}
	tests := []struct {
		name   string
		rs     []results.Result
		firsts int
		want   string
		idx    []int
	}{
		{"none", nil, 4, "", nil},
		{"half of the shard", []results.Result{torch, torch}, 4, "torch", []int{0, 1}},
		{"less than half", []results.Result{torch}, 3, "", nil},
		{"the whole shard of one", []results.Result{torch}, 1, "torch", []int{0}},
		{"reruns follow their first attempt", []results.Result{torch, torch2}, 1, "torch", []int{0, 1}},
		{"reruns alone do not count", []results.Result{torch2, torch2}, 2, "", nil},
		{"the most common module wins", []results.Result{cv, torch, torch}, 4, "torch", []int{1, 2}},
		{"two modules, neither half", []results.Result{cv, torch}, 5, "", nil},
	}
	for _, tt := range tests {
		got, idx := shardSignature(tt.rs, tt.firsts)
		if got != tt.want || !equalInts(idx, tt.idx) {
			t.Errorf("%s: shardSignature = %q, %v; want %q, %v", tt.name, got, idx, tt.want, tt.idx)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// pythonWithoutTorch is an interpreter that cannot import torch.
func pythonWithoutTorch(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HWCOV_TEST_NOTORCH_PYTHON"), "/usr/bin/python3", "python3"} {
		if p == "" {
			continue
		}
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is not None)").Run() == nil {
			return path
		}
	}
	t.Skip("no python without torch")
	return ""
}

// pythonWithTorch is the project's venv interpreter, when it is installed.
func pythonWithTorch(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HWCOV_PYTHON"), "../.venv/bin/python"} {
		if p == "" {
			continue
		}
		if exec.Command(p, "-c", "import torch").Run() == nil {
			return p
		}
	}
	t.Skip("no python with torch (set HWCOV_PYTHON)")
	return ""
}

// realHarnessDir is runners/python: the real worker.
func realHarnessDir(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("python")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// torchJob is a case job that requires torch, as every torch platform does.
func torchJob(t *testing.T, model, name string) Job {
	j := caseJob(t, model, name)
	j.Requires = []string{"torch", "transformers"}
	return j
}

// TestInfraBeforeRun runs the real worker with and without torch: without
// it, the tests that require torch are infra_error and never run; the others
// run as usual.
func TestInfraBeforeRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		python func(*testing.T) string
		infra  bool
	}{
		{"without torch", pythonWithoutTorch, true},
		{"with torch", pythonWithTorch, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore()
			e, _ := newTestExecutor(t, store)
			e.Python, e.HarnessPath = tc.python(t), realHarnessDir(t)
			plain := caseJob(t, "plain", "pass")
			sum, err := e.Run(context.Background(), results.Run{RunID: "r1"},
				[]Job{torchJob(t, "a", "pass"), torchJob(t, "b", "raise"), plain})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]results.Result{}
			for _, r := range store.all() {
				got[r.Architecture] = r
			}
			if got["plain"].Status != results.StatusPass {
				t.Errorf("a test without requirements: %s %s", got["plain"].Status, got["plain"].ErrorMessage)
			}
			if !tc.infra {
				if got["a"].Status != results.StatusPass || got["b"].Status != results.StatusFail || sum.Counts[results.StatusInfraError] != 0 {
					t.Errorf("with torch: a %s, b %s, counts %v", got["a"].Status, got["b"].Status, sum.Counts)
				}
				return
			}
			for _, m := range []string{"a", "b"} {
				r := got[m]
				if r.Status != results.StatusInfraError || r.ErrorCategory != results.ErrorCategoryInfra ||
					r.ErrorMessage != "No module named 'torch'; No module named 'transformers'. Try: "+FixRequirements || r.Attempt != 1 {
					t.Errorf("%s: %s %q (%s)", m, r.Status, r.ErrorMessage, r.ErrorCategory)
				}
			}
			if sum.Counts[results.StatusInfraError] != 2 || sum.Failed() != 0 || sum.Infra["No module named 'torch'; No module named 'transformers'. Try: "+FixRequirements] != 2 {
				t.Errorf("summary %v, infra %v", sum.Counts, sum.Infra)
			}
		})
	}
}

// TestInfraAfterRun blames a missing package on the runner once it failed at
// least half of the shard, and leaves a lone missing module a test failure.
func TestInfraAfterRun(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "test_missing.py")
	if err := os.WriteFile(missing, []byte("import hwcov_no_such_package\n\ndef run_test(params):\n    return {'status': 'pass'}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	job := func(model, file string) Job {
		return Job{ID: testid.ID{Model: model, Hardware: "cpu", Precision: "fp32", Batch: 1, Seq: 128}, File: file}
	}
	pass := testdataPath(t, "cases", "case_pass.py")
	for _, tc := range []struct {
		name   string
		jobs   []Job
		infra  int
		failed int
	}{
		{"half of the shard", []Job{job("a", missing), job("b", missing), job("c", pass), job("d", pass)}, 2, 0},
		{"a third of the shard", []Job{job("a", missing), job("c", pass), job("d", pass)}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore()
			e, _ := newTestExecutor(t, store)
			e.Python, e.HarnessPath = pythonWithoutTorch(t), realHarnessDir(t)
			e.RerunFailed = 1
			sum, err := e.Run(context.Background(), results.Run{RunID: "r1"}, tc.jobs)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Counts[results.StatusInfraError] != tc.infra || sum.Failed() != tc.failed {
				t.Fatalf("counts %v, want %d infra_error and %d failed", sum.Counts, tc.infra, tc.failed)
			}
			rs, _ := store.Results(context.Background(), "r1")
			for _, r := range rs {
				want := results.StatusPass
				if r.GeneratedFile == missing {
					want = results.StatusFail
					if tc.infra > 0 {
						want = results.StatusInfraError
					}
				}
				if r.Status != want {
					t.Errorf("%s: %s %q, want %s", r.TestID, r.Status, r.ErrorMessage, want)
				}
				if want == results.StatusInfraError && (!strings.Contains(r.ErrorMessage, "No module named 'hwcov_no_such_package'. Try: ") || !strings.Contains(r.Traceback, "Traceback")) {
					t.Errorf("%s: message %q, traceback %q", r.TestID, r.ErrorMessage, r.Traceback)
				}
			}
			// the rerun of each (attempt 2) is re-recorded too
			for _, r := range store.all() {
				if r.GeneratedFile == missing && tc.infra > 0 && r.Status != results.StatusInfraError {
					t.Errorf("%s attempt %d left as %s", r.TestID, r.Attempt, r.Status)
				}
			}
		})
	}
}

// TestInfraNoHarness: a worker that cannot import the harness at all is the
// runner's setup, not hwcov failing.
func TestInfraNoHarness(t *testing.T) {
	store := newMemStore()
	e, _ := newTestExecutor(t, store)
	e.HarnessPath = t.TempDir() // no hwcov_harness in it
	sum, err := e.Run(context.Background(), results.Run{RunID: "r1"}, []Job{caseJob(t, "a", "pass"), caseJob(t, "b", "pass")})
	if err != nil {
		t.Fatal(err)
	}
	rs := store.all()
	if len(rs) != 2 || sum.Counts[results.StatusInfraError] != 2 {
		t.Fatalf("results %v, counts %v", rs, sum.Counts)
	}
	for _, r := range rs {
		if r.Status != results.StatusInfraError || !strings.Contains(r.ErrorMessage, "No module named 'hwcov_harness'") || !strings.Contains(r.ErrorMessage, "Try: ") {
			t.Errorf("%s: %s %q", r.TestID, r.Status, r.ErrorMessage)
		}
	}
}

// TestInfraUnavailable records the tests of an unavailable platform without
// starting a worker for them.
func TestInfraUnavailable(t *testing.T) {
	store := newMemStore()
	e, pids := newTestExecutor(t, store)
	e.Unavailable = map[string]InfraProblem{"webgpu": {Reason: "no browser", Fix: "hwcov browser install"}}
	web := caseJob(t, "a", "pass")
	web.ID.Hardware = "webgpu"
	sum, err := e.Run(context.Background(), results.Run{RunID: "r1"}, []Job{web})
	if err != nil {
		t.Fatal(err)
	}
	rs := store.all()
	if len(rs) != 1 || rs[0].Status != results.StatusInfraError || rs[0].ErrorMessage != "no browser. Try: hwcov browser install" || len(pids.all()) != 0 {
		t.Fatalf("results %+v, workers %v", rs, pids.all())
	}
	if sum.Infra["no browser. Try: hwcov browser install"] != 1 {
		t.Errorf("summary infra %v", sum.Infra)
	}
}

func TestFileImports(t *testing.T) {
	src := `"""doc: import nothing from here"""
from __future__ import annotations
import gc
import os, sys
import torch
import transformers
import openvino as ov
from onnxruntime.quantization import quantize_dynamic  # a comment
from hwcov_harness import harness
from . import sibling
import torch.nn
try:
    import optional_thing
except ImportError:
    pass
def f():
    import lazy
`
	path := filepath.Join(t.TempDir(), "test_x.py")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(FileImports(path), ",")
	want := "gc,os,sys,torch,transformers,openvino,onnxruntime,hwcov_harness"
	if got != want {
		t.Errorf("FileImports = %s\nwant %s", got, want)
	}
	if FileImports(filepath.Join(t.TempDir(), "missing.py")) != nil {
		t.Error("a missing file requires something")
	}
}
