package generator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/testid"
)

// TestGPUTemplatePathsOnCPU runs the cuda, rocm and mps templates' stages
// (placement in fp16, memory accounting, optimizations, validation against the
// fp32 reference, teardown) on the CPU with a fake torch.cuda / torch.mps:
// the GPU code paths are exercised on machines without a GPU.
func TestGPUTemplatePathsOnCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python with torch; skipped under -short")
	}
	py := venvPython(t)
	if py == "" {
		t.Skip("no .venv with torch (make venv)")
	}
	dir := t.TempDir()
	g := newGen(t, "")
	var files []string
	for _, hw := range []string{"cuda", "rocm", "mps"} {
		r, err := g.Render(archBert, platform(t, hw), testid.ID{Precision: "fp16", Batch: 1, Seq: 16})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, r.Path)
		if err := os.WriteFile(p, r.Source, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	out := runPython(t, py, 5*time.Minute, append([]string{filepath.Join(repoRoot(t), "generator", "testdata", "gpu_paths_driver.py")}, files...)...)
	for _, want := range []string{
		"test_bert_cuda.py default ok", `"applied": ["memory_management", "tensor_core_utilization", "mixed_precision"]`,
		"test_bert_cuda.py none ok", `"applied": []`, "test_bert_rocm.py default ok", "test_bert_mps.py default ok",
		`"applied": ["memory_management", "unified_memory"]`, `"device_name": "Fake GPU"`, "empty_cache", "mps_empty", "reset_peak",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("driver output lacks %q:\n%s", want, out)
		}
	}
}
