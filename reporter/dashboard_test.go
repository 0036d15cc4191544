package reporter

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

func TestStateOf(t *testing.T) {
	for _, tc := range []struct {
		status results.Status
		hw     string
		want   CellState
	}{
		{results.StatusPass, "cuda", StatePass},
		{results.StatusFail, "openvino", StatePlatformFail},
		{results.StatusTimeout, "webgpu", StatePlatformFail},
		{results.StatusCrash, "onnxruntime", StatePlatformFail},
		{results.StatusFail, "cpu", StateHarnessFail},
		{results.StatusCrash, "cpu", StateHarnessFail},
		{results.StatusNotBuildable, "cuda", StateHarnessFail},
		{results.StatusInfraError, "cuda", StateInfra},
		{results.StatusIncompatible, "qualcomm", StateDeclared},
		{results.StatusSkip, "cuda", StateNotRun},
		{results.StatusNotRun, "cuda", StateNotRun},
		{"something new", "cuda", StateNotRun},
	} {
		if got := StateOf(tc.status, tc.hw); got != tc.want {
			t.Errorf("StateOf(%s, %s) = %s, want %s", tc.status, tc.hw, got, tc.want)
		}
	}
}

func TestFoldStates(t *testing.T) {
	for _, tc := range []struct {
		in   map[CellState]int
		want CellState
	}{
		{nil, StateNotRun},
		{map[CellState]int{StatePass: 3}, StatePass},
		{map[CellState]int{StatePass: 1, StatePlatformFail: 1}, StatePartial},
		{map[CellState]int{StatePass: 1, StateInfra: 1}, StatePartial},
		{map[CellState]int{StateInfra: 1, StateHarnessFail: 1}, StateHarnessFail},
		{map[CellState]int{StateInfra: 2, StatePlatformFail: 1}, StatePlatformFail},
		{map[CellState]int{StateDeclared: 1, StateNotRun: 1}, StateDeclared},
	} {
		if got := foldStates(tc.in); got != tc.want {
			t.Errorf("foldStates(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// dashboardInput is two runs of three tests: bert passes on cpu, fails on
// openvino in the newest run; vit has no openvino result and is declared
// unsupported there.
func dashboardInput() DashboardInput {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	latest := []results.Result{
		{ID: 1, RunID: "r2", TestID: "bert@cpu/fp32/b1/s128", Architecture: "bert", Category: "text-encoder", Hardware: "cpu", Status: results.StatusPass,
			ExecutionMS: 12.3456, SamplesMS: []float64{12, 12.5, 12.5361}, TemplateChain: "base > text-encoder > cpu", FinishedAt: t0.Add(24 * time.Hour)},
		{ID: 2, RunID: "r2", TestID: "bert@openvino/fp32/b1/s128", Architecture: "bert", Category: "text-encoder", Hardware: "openvino", Status: results.StatusFail,
			ErrorMessage: "RuntimeError: unsupported op </script><b>", TemplateChain: "base > text-encoder > openvino", FinishedAt: t0.Add(24 * time.Hour)},
		{ID: 3, RunID: "r1", TestID: "vit@cpu/fp32/b1/s128", Architecture: "vit", Category: "vision", Hardware: "cpu", Status: results.StatusInfraError,
			ErrorMessage: "torch is not installed. Try: pip install torch", FinishedAt: t0},
	}
	return DashboardInput{
		Title: "test", Generated: t0.Add(48 * time.Hour), Latest: latest,
		Fingerprints: map[int64]fingerprint.Stored{2: {ResultID: 2, ID: "fp0123456789", Signature: "RuntimeError: unsupported op <x>"}},
		RunGroups: []results.RunGroup{
			{Run: "r1", At: t0, GitSHA: "aaa", Hardware: "cpu", Category: "text-encoder", Status: results.StatusPass, N: 1, SumMS: 10},
			{Run: "r1", At: t0, GitSHA: "aaa", Hardware: "cpu", Category: "vision", Status: results.StatusInfraError, N: 1},
			{Run: "r1", At: t0, GitSHA: "aaa", Hardware: "openvino", Category: "text-encoder", Status: results.StatusPass, N: 1, SumMS: 20},
			{Run: "r2", At: t0.Add(24 * time.Hour), GitSHA: "bbb", Hardware: "cpu", Category: "text-encoder", Status: results.StatusPass, N: 1, SumMS: 12},
			{Run: "r2", At: t0.Add(24 * time.Hour), GitSHA: "bbb", Hardware: "openvino", Category: "text-encoder", Status: results.StatusFail, N: 1},
		},
		CellRuns: []results.CellRun{
			{Run: "r1", Architecture: "bert", Hardware: "cpu", Status: results.StatusPass, N: 1},
			{Run: "r1", Architecture: "bert", Hardware: "openvino", Status: results.StatusPass, N: 1},
			{Run: "r1", Architecture: "vit", Hardware: "cpu", Status: results.StatusInfraError, N: 1},
			{Run: "r2", Architecture: "bert", Hardware: "cpu", Status: results.StatusPass, N: 1},
			{Run: "r2", Architecture: "bert", Hardware: "openvino", Status: results.StatusFail, N: 1},
		},
		Compat: func(arch, hw string) (bool, string) {
			if arch == "vit" && hw == "openvino" {
				return false, "declared in the test"
			}
			return true, ""
		},
	}
}

func TestBuildDashboard(t *testing.T) {
	d := BuildDashboard(dashboardInput())
	got, err := json.MarshalIndent(d, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	testfs.Golden(t, append(got, '\n'), *update)
	cells := map[string]CellState{}
	for _, c := range d.Cells {
		cells[d.Archs[c.Arch].Name+"@"+d.Platforms[c.Platform]] = c.State
	}
	want := map[string]CellState{"bert@cpu": StatePass, "bert@openvino": StatePlatformFail, "vit@cpu": StateInfra, "vit@openvino": StateDeclared}
	for k, v := range want {
		if cells[k] != v {
			t.Errorf("cell %s = %s, want %s", k, cells[k], v)
		}
	}
}

func TestWriteDashboard(t *testing.T) {
	var b strings.Builder
	in := dashboardInput()
	in.Title = "<hwcov> & co"
	if err := WriteDashboard(&b, BuildDashboard(in)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "/*DATA*/") || strings.Contains(page, "{{TITLE}}") {
		t.Error("a placeholder is left in the page")
	}
	if strings.Count(page, "</script>") != 2 {
		t.Errorf("the page has %d </script>; an error message must not end the data element", strings.Count(page, "</script>"))
	}
	if !strings.Contains(page, "<title>&lt;hwcov&gt; &amp; co</title>") {
		t.Error("the title is not escaped")
	}
	for _, banned := range []string{"<script src", "<link", "@import", "fetch(", "XMLHttpRequest", "//cdn"} {
		if strings.Contains(page, banned) {
			t.Errorf("the page contains %q: it must load nothing", banned)
		}
	}
}

func TestHistoryRuns(t *testing.T) {
	gs := []results.RunGroup{{Run: "a"}, {Run: "a"}, {Run: "b"}, {Run: "c"}, {Run: "c"}}
	if got := HistoryRuns(gs, 2); strings.Join(got, ",") != "b,c" {
		t.Errorf("HistoryRuns = %v, want b,c", got)
	}
	if got := HistoryRuns(gs, 9); strings.Join(got, ",") != "a,b,c" {
		t.Errorf("HistoryRuns = %v, want a,b,c", got)
	}
}
