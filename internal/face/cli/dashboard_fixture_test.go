package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/results"
)

// dashCase is one test of the dashboard's history fixture: its status in
// each of the three CI runs ("" when it did not run).
type dashCase struct {
	arch, category, hw string
	statuses           [3]results.Status
	msg                string
}

// dashCases are the fixture's tests: one per cell, except bert@openvino,
// which has two (fp32 passes, fp16 fails: partial).
var dashCases = []dashCase{
	{"bert", "text-encoder", "cpu", [3]results.Status{"pass", "pass", "pass"}, ""},
	{"bert", "text-encoder", "openvino", [3]results.Status{"pass", "fail", "pass"}, "RuntimeError: Exception from src/inference/src/cpp/core.cpp:107: unsupported operation Erf at node 12"},
	{"bert", "text-encoder", "onnxruntime", [3]results.Status{"pass", "pass", "infra_error"}, "onnxruntime is not installed. Try: pip install onnxruntime"},
	{"gpt2", "text-generation", "cpu", [3]results.Status{"pass", "pass", "pass"}, ""},
	{"gpt2", "text-generation", "openvino", [3]results.Status{"fail", "fail", "fail"}, "RuntimeError: Exception from src/plugins/intel_cpu/src/node.cpp:42: shape mismatch [1,128,768] vs [1,64,768]"},
	{"gpt2", "text-generation", "onnxruntime", [3]results.Status{"pass", "timeout", "pass"}, "timeout after 300 s"},
	{"vit", "vision", "cpu", [3]results.Status{"fail", "pass", "fail"}, "ValueError: pixel_values must have 3 channels, got 1"},
	{"vit", "vision", "openvino", [3]results.Status{"", "pass", "pass"}, ""},
	{"whisper", "audio", "onnxruntime", [3]results.Status{"crash", "crash", "crash"}, "worker crashed: SIGSEGV in onnxruntime::InferenceSession::Run"},
}

// dashRuns are the fixture's three CI runs, each in two shards.
var dashRuns = []int64{9101, 9102, 9103}

// writeDashboardHistory writes the fixture with hwcov's own store: three CI
// runs of two shards each (one per platform group), every result recorded
// the way `hwcov run` records it. bert@openvino also gets an fp16 test that
// always fails, and the second run retries gpt2@onnxruntime, which passes.
func writeDashboardHistory(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.duckdb")
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	for ri, wf := range dashRuns {
		at := t0.Add(time.Duration(ri) * 24 * time.Hour)
		for shard := range 2 {
			runID := fmt.Sprintf("gh-%d-%d", wf, shard)
			if err := db.BeginRun(ctx, results.Run{RunID: runID, WorkflowRunID: wf, RunAttempt: 1, Shard: fmt.Sprintf("%d/2", shard+1),
				GitSHA: fmt.Sprintf("%07x0000000000000000000000000000000", 0xabc0000+ri), GitRef: "refs/heads/main", StartedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		rec := func(c dashCase, precision string, st results.Status, attempt int) {
			shard := 0
			if c.hw != "cpu" {
				shard = 1
			}
			r := results.Result{RunID: fmt.Sprintf("gh-%d-%d", wf, shard), TestID: fmt.Sprintf("%s@%s/%s/b1/s128", c.arch, c.hw, precision),
				ModelName: "hf-internal-tiny/" + c.arch, Architecture: c.arch, Category: c.category, Hardware: c.hw, Precision: precision,
				BatchSize: 1, SeqLen: 128, Status: st, Success: st == results.StatusPass, Attempt: attempt,
				TemplateChain: "base > " + c.category + " > " + c.hw, StartedAt: at, FinishedAt: at.Add(time.Duration(attempt) * time.Minute)}
			if st == results.StatusPass {
				r.SamplesMS = []float64{10 + float64(ri), 11 + float64(ri), 12 + float64(ri)}
				r.ExecutionMS = 11 + float64(ri)
			} else {
				r.ErrorMessage = c.msg
				r.Traceback = "Traceback (most recent call last):\n  File \"test_" + c.arch + ".py\", line 40, in test\n" + c.msg
			}
			if st == results.StatusInfraError {
				r.ErrorCategory = results.ErrorCategoryInfra
			}
			if err := db.Record(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range dashCases {
			st := c.statuses[ri]
			if st == "" {
				continue
			}
			if c.arch == "gpt2" && c.hw == "onnxruntime" && st != results.StatusPass {
				rec(c, "fp32", st, 1)
				st = results.StatusPass // the retry passes
				rec(c, "fp32", st, 2)
				continue
			}
			rec(c, "fp32", st, 1)
			if c.arch == "bert" && c.hw == "openvino" {
				rec(dashCase{c.arch, c.category, c.hw, c.statuses, "RuntimeError: fp16 is not supported by the CPU plugin for Erf"}, "fp16", results.StatusFail, 1)
			}
		}
		for shard := range 2 {
			if err := db.FinishRun(ctx, fmt.Sprintf("gh-%d-%d", wf, shard), at.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path
}
