package generator

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/testid"
)

// ovRun is one line of testdata/openvino_precision_driver.py.
type ovRun struct {
	Run                string  `json:"run"`
	Status             string  `json:"status"`
	Error              string  `json:"error"`
	Requested          string  `json:"requested"`
	InferencePrecision string  `json:"inference_precision"`
	Atol               float64 `json:"atol"`
	MaxAbsDiff         float64 `json:"max_abs_diff"`
	BF16Capable        bool    `json:"bf16_capable"`
}

// TestOpenVINOTemplatePrecisionIsExplicit renders bert for openvino and runs
// it with real OpenVINO: fp32 compiles in f32 (the CPU plugin's default is
// bf16 on a CPU with avx512_bf16 or AMX) and matches the CPU reference at
// 1e-4; bf16 compiles in bf16 where the plugin can, and a plugin that reports
// another precision than the one asked makes the test a skip, never a pass.
func TestOpenVINOTemplatePrecisionIsExplicit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python with torch and openvino; skipped under -short")
	}
	py := venvPython(t)
	if py == "" {
		t.Skip("no .venv with torch (make venv)")
	}
	if err := exec.Command(py, "-c", "import openvino").Run(); err != nil {
		t.Skip("openvino is not importable in .venv")
	}
	r, err := newGen(t, "").Render(archBert, platform(t, "openvino"), testid.ID{Seq: 16})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), r.Path)
	if err := os.WriteFile(p, r.Source, 0o644); err != nil {
		t.Fatal(err)
	}
	out := runPython(t, py, 5*time.Minute, filepath.Join(repoRoot(t), "generator", "testdata", "openvino_precision_driver.py"), p)
	runs := map[string]ovRun{}
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		t.Log(line)
		var o ovRun
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("driver line %q: %v", line, err)
		}
		runs[o.Run] = o
	}
	if o := runs["fp32"]; o.Status != "pass" || o.Requested != "f32" || o.InferencePrecision != "f32" || o.Atol != 1e-4 || o.MaxAbsDiff >= 1e-4 {
		t.Errorf("fp32: %+v, want a pass compiled in f32 within 1e-4", o)
	}
	switch o := runs["bf16"]; {
	case o.Requested != "bf16":
		t.Errorf("bf16: the hint asked was %q", o.Requested)
	case o.BF16Capable && (o.Status != "pass" || o.InferencePrecision != "bf16"):
		t.Errorf("bf16 on a bf16-capable CPU: %+v, want a pass compiled in bf16", o)
	case !o.BF16Capable && o.InferencePrecision != "bf16" && o.Status != "skip":
		t.Errorf("bf16 on a CPU without bf16: %+v, want a skip when the plugin infers in %s", o, o.InferencePrecision)
	}
	if o := runs["bf16 ignored"]; o.Status != "skip" || o.InferencePrecision != "f32" || !strings.Contains(o.Error, "not a bf16 result") {
		t.Errorf("bf16 compiled in f32: %+v, want a skip that says it is not a bf16 result", o)
	}
}
