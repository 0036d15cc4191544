package reporter

import (
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/patch"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

// failureResults differ only in numbers, shapes, hex ids and model names
// where they should group; one infra_error, a pass and a skip round it off.
func failureResults() []results.Result {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tb := func(arch string) string {
		return "Traceback (most recent call last):\n  File \"/w/tests/test_" + arch + "_cpu.py\", line 40, in run_test\n  File \"/venv/lib/modeling_" + arch + ".py\", line 512, in forward\nRuntimeError"
	}
	r := func(id int64, run, arch, cat, hw string, st results.Status, msg, trace string) results.Result {
		return results.Result{ID: id, RunID: run, TestID: arch + "@" + hw + "/fp32/b1/s128", Architecture: arch, Category: cat,
			Hardware: hw, Status: st, ErrorMessage: msg, Traceback: trace, TemplateChain: "base > " + cat + " > " + hw,
			StartedAt: at.Add(time.Duration(id) * time.Minute)}
	}
	return []results.Result{
		r(1, "run-1", "bert", "text-encoder", "cpu", results.StatusFail, "RuntimeError: The size of tensor a (128) must match the size of tensor b (64) at non-singleton dimension 3", tb("bert")),
		r(2, "run-2", "roberta", "text-encoder", "cpu", results.StatusFail, "RuntimeError: The size of tensor a (32) must match the size of tensor b (16) at non-singleton dimension 1", tb("roberta")),
		r(3, "run-2", "vit", "vision", "cpu", results.StatusFail, "TypeError: ViTModel.forward() got an unexpected keyword argument 'input_ids'", tb("vit")),
		r(4, "run-2", "bert", "text-encoder", "openvino", results.StatusCrash, "worker exited with code -11 at 0x7f00deadbeef", ""),
		r(5, "run-2", "t5", "encoder-decoder", "openvino", results.StatusInfraError, "openvino is not installed. Try: pip install openvino", ""),
		r(6, "run-2", "gpt2", "text-decoder", "cpu", results.StatusPass, "", ""),
		r(7, "run-2", "gpt2", "text-decoder", "cuda", results.StatusSkip, "CUDA is not available", ""),
	}
}

func TestWriteFailures(t *testing.T) {
	rs := failureResults()
	// result 3 was fingerprinted by older rules: it keeps that fingerprint
	old := map[int64]fingerprint.Stored{3: {ResultID: 3, ID: "00000000000a", RuleVersion: "fp-0", Signature: "TypeError: <Model>.forward() got an unexpected keyword argument 'input_ids'"}}
	fps, _ := fingerprint.Assign(rs, old)
	for _, tt := range []struct {
		name   string
		keys   []string
		format string
		opts   FailureOptions
	}{
		{"table", nil, "table", FailureOptions{}},
		{"table_by_pattern_explain", []string{"fingerprint"}, "table", FailureOptions{Explain: true}},
		{"markdown", nil, "markdown", FailureOptions{}},
		{"json", nil, "json", FailureOptions{}},
		{"guide", []string{"fingerprint"}, "markdown", FailureOptions{Solutions: true, Fixes: map[string]patch.VerifiedFix{
			"00000000000a": {Rule: "vit-inputs", RuleVersion: 2, At: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), RunAfter: "patch-verify-1",
				Platforms: []string{"cpu"}, Targets: 1, Fixed: 1, Controls: 3}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := fingerprint.ParseKeys(tt.keys)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := WriteFailures(&b, fingerprint.Build(rs, fps, keys), tt.format, tt.opts); err != nil {
				t.Fatal(err)
			}
			testfs.Golden(t, []byte(b.String()), *update)
		})
	}
}
