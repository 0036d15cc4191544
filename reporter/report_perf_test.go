package reporter

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/results"
)

func perfResults() []results.Result {
	val := func(abs, rel float64, ok bool) string {
		w := "true"
		if !ok {
			w = "false"
		}
		return `{"validation":{"reference":"cpu fp32","atol":0.0001,"rtol":0.0001,"max_abs_diff":` + g4(abs) + `,"max_rel_diff":` + g4(rel) + `,"within_tolerance":` + w + `},"optimizations_applied":["memory_management"]}`
	}
	r := func(model, cat, hw string, b, s int, samples []float64, extra string) results.Result {
		return results.Result{TestID: model + "@" + hw + "/fp32/b" + itoa(b) + "/s" + itoa(s), Architecture: model, Category: cat, Hardware: hw,
			Precision: "fp32", BatchSize: b, SeqLen: s, Status: results.StatusPass, SamplesMS: samples, Extra: extra}
	}
	return []results.Result{
		r("bert", "text-encoder", "cpu", 1, 128, []float64{4, 4.2, 3.8, 4.1}, `{}`),
		r("bert", "text-encoder", "openvino", 1, 128, []float64{1.5, 1.4, 1.6, 1.5}, val(4.8e-7, 1.5e-4, true)),
		r("bert", "text-encoder", "onnxruntime", 1, 128, []float64{1.2, 1.3, 1.1, 1.2}, val(9.5e-7, 9.1e-5, true)),
		r("vit", "vision", "cpu", 1, 128, []float64{40, 42, 41, 39}, `{}`),
		r("vit", "vision", "openvino", 1, 128, []float64{4, 4.1, 3.9, 4}, val(7.2e-7, 2.2e-4, true)),
		r("vit", "vision", "onnxruntime", 1, 128, []float64{4.5, 4.4, 4.6, 4.5}, val(2e-3, 0.5, false)),
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func renderAll(t *testing.T, tables []Table, format string) string {
	t.Helper()
	var b strings.Builder
	if err := RenderTables(&b, tables, format); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRenderValidationReport(t *testing.T) {
	golden(t, []byte(renderAll(t, []Table{ValidationTable(perfResults())}, "markdown")))
}

func TestRenderHardwareReport(t *testing.T) {
	golden(t, []byte(renderAll(t, []Table{HardwareTable(perfResults(), nil)}, "table")))
}

func TestRenderOptimalHardware(t *testing.T) {
	golden(t, []byte(renderAll(t, OptimalHardware(perfResults()), "markdown")))
}

func TestSampleStats(t *testing.T) {
	for _, tc := range []struct {
		in            []float64
		mean, med, cv float64
	}{
		{nil, 0, 0, 0},
		{[]float64{2}, 2, 2, 0},
		{[]float64{1, 2, 3, 4}, 2.5, 2.5, math.Sqrt(5.0/3) / 2.5},
	} {
		s := SampleStats(tc.in)
		if math.Abs(s.Mean-tc.mean) > 1e-12 || math.Abs(s.Median-tc.med) > 1e-12 || math.Abs(s.CV-tc.cv) > 1e-12 {
			t.Errorf("SampleStats(%v) = %+v", tc.in, s)
		}
	}
}

func TestMannWhitneyP(t *testing.T) {
	a := []float64{10, 11, 12, 10.5, 11.5, 10.2, 11.1, 10.9}
	b := []float64{5, 5.5, 6, 5.2, 5.8, 6.1, 5.4, 5.9}
	if p := MannWhitneyP(a, b); p > 0.01 {
		t.Errorf("clearly different samples: p = %g, want < 0.01", p)
	}
	if p := MannWhitneyP(a, a); p < 0.5 {
		t.Errorf("identical samples: p = %g, want ~1", p)
	}
	if p := MannWhitneyP(nil, a); p != 1 {
		t.Errorf("empty sample: p = %g, want 1", p)
	}
}

func TestOptimizationImpact(t *testing.T) {
	base := []results.Result{{TestID: "bert@onnxruntime/fp32/b4/s128", Status: results.StatusPass, SamplesMS: []float64{10, 11, 12, 10.5, 11.5, 10.2}, Extra: `{"optimizations_applied":[]}`}}
	head := []results.Result{{TestID: "bert@onnxruntime/fp32/b4/s128", Status: results.StatusPass, SamplesMS: []float64{5, 5.5, 6, 5.2, 5.8, 6.1}, Extra: `{"optimizations_applied":["graph_optimization"]}`}}
	tb := OptimizationImpactTable(base, head, 0.05)
	if len(tb.Rows) != 1 || tb.Rows[0][4] != "1.90x" || tb.Rows[0][6] != "faster" || tb.Rows[0][7] != "none" || tb.Rows[0][8] != "graph_optimization" {
		t.Fatalf("rows = %v", tb.Rows)
	}
	if want := []string{"1 test compared: 1 faster, 0 slower at p < 0.05 (Mann-Whitney U on the stored samples); speed-up is base median / head median."}; !reflect.DeepEqual(tb.Notes, want) {
		t.Errorf("notes = %q, want %q", tb.Notes, want)
	}
}

// The notes say why tests were not compared, naming a platform both runs
// skipped and its reason, instead of "0 tests compared".
func TestOptimizationImpactNotCompared(t *testing.T) {
	const noCUDA = "CUDA is not available on this machine (torch.cuda.is_available() is False)"
	pass := func(id string, samples ...float64) results.Result {
		return results.Result{TestID: id, Status: results.StatusPass, SamplesMS: samples}
	}
	skip := func(id, why string) results.Result {
		return results.Result{TestID: id, Status: results.StatusSkip, ErrorMessage: why}
	}
	failing := results.Result{TestID: "bert@cpu/fp32/b1/s128", Status: results.StatusFail, ErrorMessage: "RuntimeError: boom"}
	tests := []struct {
		name       string
		base, head []results.Result
		rows       int
		notes      []string
	}{
		{
			name:  "every test skipped in both runs",
			base:  []results.Result{skip("bert@cuda/fp16/b1/s128", noCUDA), skip("vit@cuda/fp16/b1/s224", noCUDA)},
			head:  []results.Result{skip("bert@cuda/fp16/b1/s128", noCUDA), skip("vit@cuda/fp16/b1/s224", noCUDA+"\nsecond line")},
			notes: []string{"no comparison: every test in both runs was skipped (cuda: " + noCUDA + ")."},
		},
		{
			name:  "two platforms skipped, each with its reason",
			base:  []results.Result{skip("bert@cuda/fp16/b1/s128", noCUDA), skip("bert@qualcomm/fp16/b1/s128", "no runner for this platform: qualcomm")},
			head:  []results.Result{skip("bert@cuda/fp16/b1/s128", noCUDA), skip("bert@qualcomm/fp16/b1/s128", "no runner for this platform: qualcomm")},
			notes: []string{"no comparison: every test in both runs was skipped (cuda: " + noCUDA + "; qualcomm: no runner for this platform: qualcomm)."},
		},
		{
			name: "cpu compared, cuda skipped",
			base: []results.Result{pass("bert@cpu/fp32/b1/s128", 10, 11, 12), skip("bert@cuda/fp16/b1/s128", noCUDA)},
			head: []results.Result{pass("bert@cpu/fp32/b1/s128", 9, 10, 11), skip("bert@cuda/fp16/b1/s128", noCUDA)},
			rows: 1,
			notes: []string{
				"1 test compared: 0 faster, 0 slower at p < 0.05 (Mann-Whitney U on the stored samples); speed-up is base median / head median.",
				"1 test not compared: 1 skipped (cuda: " + noCUDA + ").",
			},
		},
		{
			name:  "skipped in the head only",
			base:  []results.Result{pass("bert@cpu/fp32/b1/s128", 10, 11, 12)},
			head:  []results.Result{skip("bert@cpu/fp32/b1/s128", "no torch")},
			notes: []string{"no comparison: no test passed with timed samples in both runs: 1 skipped (cpu: no torch)."},
		},
		{
			name:  "failed, without samples, in one run only",
			base:  []results.Result{failing, pass("vit@cpu/fp32/b1/s224"), pass("gpt2@cpu/fp32/b1/s128", 1, 2)},
			head:  []results.Result{pass("bert@cpu/fp32/b1/s128", 1, 2), pass("vit@cpu/fp32/b1/s224", 3, 4), pass("t5@cpu/fp32/b1/s128", 1, 2)},
			notes: []string{"no comparison: no test passed with timed samples in both runs: 1 did not pass in both runs, 1 without timed samples, 2 in only one of the runs."},
		},
		{
			name:  "no results",
			notes: []string{"no comparison: neither run has results."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := OptimizationImpactTable(tt.base, tt.head, 0.05)
			if len(tb.Rows) != tt.rows {
				t.Errorf("rows = %v, want %d", tb.Rows, tt.rows)
			}
			if !reflect.DeepEqual(tb.Notes, tt.notes) {
				t.Errorf("notes:\n got %q\nwant %q", tb.Notes, tt.notes)
			}
		})
	}
}

func TestRenderOptimizationImpact(t *testing.T) {
	noCUDA := results.Result{TestID: "bert@cuda/fp16/b1/s128", Hardware: "cuda", Status: results.StatusSkip,
		ErrorMessage: "CUDA is not available on this machine (torch.cuda.is_available() is False)"}
	base := []results.Result{
		{TestID: "bert@cpu/fp32/b1/s128", Hardware: "cpu", Status: results.StatusPass, SamplesMS: []float64{10, 11, 12, 10.5, 11.5, 10.2}, Extra: `{"optimizations_applied":[]}`},
		noCUDA,
	}
	head := []results.Result{
		{TestID: "bert@cpu/fp32/b1/s128", Hardware: "cpu", Status: results.StatusPass, SamplesMS: []float64{8, 8.5, 9, 8.2, 8.8, 9.1}, Extra: `{"optimizations_applied":["memory_management"]}`},
		noCUDA,
	}
	golden(t, []byte(renderAll(t, []Table{OptimizationImpactTable(base, head, 0.05)}, "markdown")))
}

func TestProfileTables(t *testing.T) {
	r := results.Result{TestID: "bert@cpu/fp32/b1/s128", Extra: `{"profile":{"kind":"layers","total_ms":3,"modules":[{"module":"encoder","type":"BertEncoder","ms":2.5,"calls":1,"percent":83.3}],"ops":[{"op":"aten::addmm","self_cpu_ms":1.2,"cpu_total_ms":1.3,"calls":13}]}}`}
	golden(t, []byte(renderAll(t, must(ProfileTables(r, 10)), "markdown")))
	if _, err := ProfileTables(results.Result{TestID: "x", Extra: `{}`}, 10); err == nil || !strings.Contains(err.Error(), "--profile") {
		t.Errorf("no profile: err = %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The validation report says why nothing was compared, and which platforms
// were skipped, instead of "0 compared".
func TestValidationNotes(t *testing.T) {
	cpu := results.Result{TestID: "bert@cpu/fp32/b1/s128", Hardware: "cpu", Status: results.StatusPass, Extra: `{}`}
	cuda := results.Result{TestID: "bert@cuda/fp16/b1/s128", Hardware: "cuda", Status: results.StatusSkip,
		ErrorMessage: "CUDA is not available on this machine (torch.cuda.is_available() is False)"}
	const skipped = "Skipped, so not compared: cuda: CUDA is not available on this machine (torch.cuda.is_available() is False)."
	tests := []struct {
		name  string
		rs    []results.Result
		rows  int
		notes []string
	}{
		{"no results", nil, 0, []string{"nothing compared: no results. Run a platform against the CPU reference first: hwcov run --models MODEL --hardware openvino,onnxruntime."}},
		{"cpu and a skip", []results.Result{cpu, cuda}, 0, []string{
			"nothing compared: none of the 2 results holds a comparison with the CPU reference (cpu fp32 results are the reference itself). " +
				"Compare a platform live (hwcov run --hardware openvino,onnxruntime) or with stored outputs (hwcov reference validate).",
			skipped,
		}},
		{"compared, with a skip", append(perfResults(), cuda), 4, []string{
			"4 compared: 3 within tolerance, 1 out of tolerance. max rel diff divides by |reference| clamped at 1e-6.",
			skipped,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := ValidationTable(tt.rs)
			if len(tb.Rows) != tt.rows || !reflect.DeepEqual(tb.Notes, tt.notes) {
				t.Errorf("%d rows, notes:\n got %q\nwant %d rows, %q", len(tb.Rows), tb.Notes, tt.rows, tt.notes)
			}
		})
	}
}
