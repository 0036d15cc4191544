package patch

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
	pyharness "github.com/hwcov/hwcov/runners/python"
)

// Every shipped rule fixes the failure group it was written for, with real
// torch and transformers: each architecture fails on cpu with the default
// templates, its fingerprint matches the rule, and after the rule's patch
// the test passes. (The groups come from `hwcov run --category speech-text
// --hardware cpu`; see docs/patches.md.)
func TestShippedRulesFixTheirGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real models (about 4 minutes on a loaded 2-core machine)")
	}
	python, _ := filepath.Abs(filepath.Join("..", "..", ".venv", "bin", "python"))
	if _, err := os.Stat(python); err != nil {
		t.Skip("no .venv with torch and transformers")
	}
	groups := map[string][]string{
		"musicgen-text-to-waveform": {"musicgen", "musicgen_melody"},
		"fastspeech2-hifigan-vocab": {"fastspeech2_conformer_with_hifigan"},
	}
	rules, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Kind == KindManual {
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			archs := groups[r.ID]
			if len(archs) == 0 {
				t.Fatalf("shipped rule %s has no failure group in this test: add the architectures it fixes", r.ID)
			}
			var failures []Failure
			for _, a := range archs {
				res := runReal(t, python, "", a)
				if res.Status.Passed() {
					t.Fatalf("%s passes without the patch: the rule fixes nothing", a)
				}
				fp := fingerprint.Compute(fingerprint.InputOf(res))
				f := Failure{TestID: a + "@cpu", Architecture: a, Hardware: "cpu", Status: string(res.Status), Message: res.ErrorMessage, Signature: fp.Signature}
				if !r.Matches(f) {
					t.Fatalf("%s: rule does not match its failure %q", a, fp.Signature)
				}
				failures = append(failures, f)
			}
			planned, _, err := Plan(DirSources(""), []Suggestion{{Rule: r, Tests: failures}})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := WriteEdits(dir, Combined(planned)); err != nil {
				t.Fatal(err)
			}
			for _, a := range archs {
				if res := runReal(t, python, dir, a); !res.Status.Passed() {
					t.Errorf("%s after the patch: %s: %s", a, res.Status, res.ErrorMessage)
				}
			}
		})
	}
}

// runReal renders arch's cpu test from templates (embedded when empty) and
// runs it as `python test_x.py`, which prints the result record.
func runReal(t *testing.T, python, templates, arch string) results.Result {
	t.Helper()
	g, err := generator.New(generator.Options{TemplatesDir: templates})
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	a, ok := c.Get(arch)
	if !ok {
		t.Fatalf("%s is not in the catalog", arch)
	}
	cpu, _ := hardware.Builtin().Get("cpu")
	r, err := g.Render(a, cpu, testid.ID{})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, r.Path), r.Source, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pyharness.WriteTo(out); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, r.Path, "--iterations", "1", "--warmup", "0")
	cmd.Dir = out
	cmd.Env = append(os.Environ(), "HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "PYTHONDONTWRITEBYTECODE=1")
	b, _ := cmd.Output()
	var rec struct {
		Status       string `json:"status"`
		ErrorMessage string `json:"error_message"`
		Traceback    string `json:"traceback"`
		ModelName    string `json:"model_name"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("%s: no result record: %v\n%s", r.Path, err, b)
	}
	return results.Result{Architecture: arch, ModelName: rec.ModelName, Status: results.Status(rec.Status), ErrorMessage: rec.ErrorMessage, Traceback: rec.Traceback}
}
