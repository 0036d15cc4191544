package generator

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

func TestInitTemplates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hwcov-templates")
	written, err := InitTemplates(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	names := TemplateNames()
	if len(written) < len(names) {
		t.Fatalf("wrote %d files, want at least the %d templates", len(written), len(names))
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := readEmbedded(n)
		if !bytes.Equal(b, want) {
			t.Errorf("%s differs from the embedded copy", n)
		}
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*", ".*tmp*"))
	if len(entries) > 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	// a second init refuses and names the file; it writes nothing
	if err := os.WriteFile(filepath.Join(dir, "hardware", "cpu.py.tmpl"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = InitTemplates(dir, false)
	var ee *ExistsError
	if !errors.As(err, &ee) || ee.Path != filepath.Join(dir, "README.md") || !strings.Contains(err.Error(), ee.Path) {
		t.Fatalf("err = %v, want an ExistsError naming %s", err, filepath.Join(dir, "README.md"))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "hardware", "cpu.py.tmpl")); string(b) != "mine" {
		t.Error("a refused init overwrote a file")
	}
	if _, err := InitTemplates(dir, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "hardware", "cpu.py.tmpl")); string(b) == "mine" {
		t.Error("--force did not overwrite")
	}

	// rendering from the written copies gives the embedded result, but for the sources named in the header
	fromDir, err := newGen(t, dir).Render(archWhisper, platform(t, "cuda"), testid.ID{})
	if err != nil {
		t.Fatal(err)
	}
	fromBin, err := newGen(t, "").Render(archWhisper, platform(t, "cuda"), testid.ID{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(string(fromDir.Source), "("+dir+")", "(embedded)"); got != string(fromBin.Source) {
		t.Errorf("rendering from init'ed templates differs:\n%s", testfs.FirstDiff(string(fromBin.Source), got))
	}
}

func readEmbedded(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("templates", filepath.FromSlash(name)))
}

func TestWriteFiles(t *testing.T) {
	g := newGen(t, "")
	var files []Rendered
	for _, a := range []catalog.Architecture{archBert, archViT, archWhisper} {
		r, err := g.Render(a, platform(t, "cpu"), testid.ID{})
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, r)
	}
	dir := filepath.Join(t.TempDir(), "generated")
	if err := g.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "test_bert_cpu.py test_vit_cpu.py test_whisper_cpu.py" {
		t.Errorf("files = %v", names)
	}
	if err := g.WriteFiles(dir, []Rendered{{Path: "../escape.py"}}); err == nil {
		t.Error("a path outside dir must be refused")
	}
}

func TestNewRejectsMissingDir(t *testing.T) {
	if _, err := New(Options{TemplatesDir: filepath.Join(t.TempDir(), "nope")}); err == nil {
		t.Error("a missing templates directory must be an error")
	}
}

// TestRenderAllFast renders every catalog architecture for every builtin
// platform: no error, and one platform's worth in well under two seconds.
func TestRenderAllFast(t *testing.T) {
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, hw := range hardware.Builtin().All() {
		g := newGen(t, "")
		start := time.Now()
		for _, a := range cat.Architectures {
			if _, err := g.Render(a, hw, testid.ID{}); err != nil {
				t.Fatalf("%s on %s: %v", a.Name, hw.PlatformKey, err)
			}
		}
		if d := time.Since(start); d > 2*time.Second && !raceEnabled {
			t.Errorf("rendering %d architectures for %s took %v", len(cat.Architectures), hw.PlatformKey, d)
		}
	}
}

func BenchmarkRenderAll(b *testing.B) {
	cat, err := catalog.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	hw := platform(b, "cpu")
	g := newGen(b, "")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, a := range cat.Architectures {
			if _, err := g.Render(a, hw, testid.ID{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(cat.Architectures)), "files/op")
}

func TestRenderConcurrently(t *testing.T) {
	g := newGen(t, "")
	cpu, cuda := platform(t, "cpu"), platform(t, "cuda")
	want, err := g.Render(archWhisper, cuda, testid.ID{})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func(i int) {
			arch := []catalog.Architecture{archBert, archWhisper, archViT, archLlavaNext}[i%4]
			hw := []hardware.Platform{cpu, cuda}[i%2]
			r, err := g.Render(arch, hw, testid.ID{})
			if err == nil && arch.Name == "whisper" && hw.PlatformKey == "cuda" && !bytes.Equal(r.Source, want.Source) {
				err = errors.New("concurrent render differs")
			}
			errs <- err
		}(i)
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
