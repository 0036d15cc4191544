package generator

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
)

// repoRoot is the module root: this package lives one folder below it.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Dir(filepath.Dir(file))
}

// venvPython is the project's virtual environment interpreter (with torch and
// transformers), or "" when there is none.
func venvPython(t testing.TB) string {
	p := filepath.Join(repoRoot(t), ".venv", "bin", "python")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

func pythonEnv(t testing.TB) []string {
	return append(os.Environ(),
		"HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1",
		"PYTHONPATH="+filepath.Join(repoRoot(t), "runners", "python"),
		"PYTHONDONTWRITEBYTECODE=1",
	)
}

func runPython(t *testing.T, python string, timeout time.Duration, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = pythonEnv(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tail := string(out)
		if len(tail) > 6000 {
			tail = tail[len(tail)-6000:]
		}
		t.Fatalf("%s %s: %v\n%s", python, strings.Join(args, " "), err, tail)
	}
	return string(out)
}

// TestRenderedFilesCompile renders every catalog architecture for a torch, a
// skip-only and an accelerator platform, and the key models for every
// platform, and checks that Python can compile every file.
func TestRenderedFilesCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("long: compiles thousands of rendered files (skipped with -short)")
	}
	python := venvPython(t)
	if python == "" {
		var err error
		if python, err = exec.LookPath("python3"); err != nil {
			t.Skip("no Python interpreter")
		}
	}
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	g := newGen(t, "")
	dir := t.TempDir()
	reg := hardware.Builtin()
	n := 0
	for _, hw := range reg.All() {
		all := hw.PlatformKey == "cpu" || hw.PlatformKey == "cuda" || hw.PlatformKey == "webgpu"
		var files []Rendered
		for _, a := range cat.Architectures {
			if !all && a.Priority != catalog.PriorityKey {
				continue
			}
			r, err := g.Render(a, hw, testid.ID{})
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, r)
		}
		sub := filepath.Join(dir, hw.PlatformKey)
		if err := g.WriteFiles(sub, files); err != nil {
			t.Fatal(err)
		}
		n += len(files)
	}
	script := `import pathlib, sys
bad = 0
for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    try:
        compile(p.read_text(), str(p), "exec")
    except SyntaxError as e:
        bad += 1
        print(f"{p}:{e.lineno}: {e.msg}")
print("compiled", sum(1 for _ in pathlib.Path(sys.argv[1]).rglob("*.py")), "files,", bad, "bad")
sys.exit(1 if bad else 0)
`
	out := runPython(t, python, 5*time.Minute, "-c", script, dir)
	t.Logf("%d files: %s", n, strings.TrimSpace(out))
}

// TestGeneratedTestsRunWithTorch renders a few architectures for cpu and runs
// them with pytest, real torch and transformers: the files are standalone.
func TestGeneratedTestsRunWithTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("long: builds and runs real models (skipped with -short)")
	}
	python := venvPython(t)
	if python == "" {
		t.Skip("no .venv/bin/python (make venv)")
	}
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Options{HwcovVersion: "test", TransformersVersion: cat.TransformersVersion})
	if err != nil {
		t.Fatal(err)
	}
	cpu := platform(t, "cpu")
	var files []Rendered
	for _, name := range []string{"bert", "gpt2", "vit", "whisper", "wav2vec2", "clip"} {
		a, ok := cat.Get(name)
		if !ok {
			t.Fatalf("catalog has no %s", name)
		}
		r, err := g.Render(a, cpu, testid.ID{Model: name, Hardware: "cpu", Precision: "fp32", Batch: 1, Seq: 32})
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, r)
	}
	dir := t.TempDir()
	if err := g.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	out := runPython(t, python, 8*time.Minute, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", dir)
	if !strings.Contains(out, "6 passed") {
		t.Errorf("want 6 passed:\n%s", out)
	}
	t.Log(strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]))
}
