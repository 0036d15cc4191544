package reporter

import (
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/results"
)

func TestOptimizationsTable(t *testing.T) {
	rs := []results.Result{
		{TestID: "bert@cpu/fp32/b1/s128", Architecture: "bert", Hardware: "cpu", Precision: "fp32", BatchSize: 1, SeqLen: 128,
			Status: results.StatusPass, SamplesMS: []float64{3, 3.1, 3.2, 3.3}, Extra: `{"optimizations_applied": ["memory_management"]}`},
		{TestID: "bert@onnxruntime/fp32/b1/s128", Architecture: "bert", Hardware: "onnxruntime", Precision: "fp32", BatchSize: 1, SeqLen: 128,
			Status: results.StatusPass, SamplesMS: []float64{1, 1.05, 0.95, 1}, Extra: `{"optimizations_applied": []}`},
		{TestID: "vit@cpu/fp32/b1/s128", Architecture: "vit", Hardware: "cpu", Precision: "fp32", BatchSize: 1, SeqLen: 128,
			Status: results.StatusPass, SamplesMS: []float64{1, 9, 1, 9}, Extra: `{"optimizations_applied": ["memory_management"]}`},
		{TestID: "t5@cpu/fp32/b1/s128", Architecture: "t5", Hardware: "cpu", Status: results.StatusFail},
	}
	tab := OptimizationsTable(rs, map[string][]string{"cpu": {"memory_management"}, "onnxruntime": {"memory_management", "graph_optimization"}})
	got := map[string]string{}
	for _, r := range tab.Rows {
		got[r[0]] = r[5]
	}
	if !strings.Contains(got["bert@cpu/fp32/b1/s128"], "faster on onnxruntime") {
		t.Errorf("bert cpu: %q", got["bert@cpu/fp32/b1/s128"])
	}
	if !strings.Contains(got["bert@onnxruntime/fp32/b1/s128"], "apply memory_management, graph_optimization") {
		t.Errorf("bert onnxruntime: %q", got["bert@onnxruntime/fp32/b1/s128"])
	}
	if !strings.Contains(got["vit@cpu/fp32/b1/s128"], "noisy timings") {
		t.Errorf("vit cpu: %q", got["vit@cpu/fp32/b1/s128"])
	}
	if _, ok := got["t5@cpu/fp32/b1/s128"]; ok {
		t.Error("a failed test has no timings to optimize")
	}
}
