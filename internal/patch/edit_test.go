package patch

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

// Every edit kind, rendered into the embedded templates: the diff is golden,
// applying it twice changes nothing, and the patched templates render a test
// that Python compiles.
func TestEditDiffs(t *testing.T) {
	matched := []Failure{
		{TestID: "bert@cpu/fp32/b1/s128", Architecture: "bert", Hardware: "cpu", Status: "fail"},
		{TestID: "detr@cpu/fp32/b1/s128", Architecture: "detr", Hardware: "cpu", Status: "fail"},
	}
	tests := []struct{ name, edit string }{
		{"block", `{kind: block, template: modality/text-encoder.py.tmpl, block: forward, body: "def forward(model, inputs):\n    return model(**inputs, return_dict=True)\n"}`},
		{"config", `{kind: config, overrides: {num_hidden_layers: 1, layer_norm_eps: 1.0e-5, use_cache: false}}`},
		{"inputs", `{kind: inputs, architecture: bert, builder: audio_text_inputs}`},
		{"batch", `{kind: batch, max_batch: 1}`},
		{"batch_all", `{kind: batch, architecture: "*", max_batch: 2}`},
		{"tolerance", `{kind: tolerance, atol: 0.001, rtol: 0.01, reason: "reduced-precision matmul on this CPU"}`},
		{"unsupported", `{kind: unsupported, architecture: detr, link: "https://example.com/issue/1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule := mustRules(t, "rules:\n  - id: test-"+strings.ReplaceAll(tt.name, "_", "-")+
				"\n    reason: the reason\n    match: {pattern: x}\n    edits:\n      - "+tt.edit+"\n")[0]
			planned, _, err := Plan(DirSources(""), []Suggestion{{Rule: rule, Tests: matched}})
			if err != nil {
				t.Fatal(err)
			}
			if len(planned) != 1 {
				t.Fatalf("planned %d rules", len(planned))
			}
			edits := Combined(planned)
			testfs.Golden(t, []byte(Diff(".hwcov/templates", edits)), *update)

			dir := t.TempDir()
			if err := WriteEdits(dir, edits); err != nil {
				t.Fatal(err)
			}
			again, _, err := Plan(DirSources(dir), []Suggestion{{Rule: rule, Tests: matched}})
			if err != nil || len(again) != 0 {
				t.Errorf("applied twice: %d rules, %v", len(again), err)
			}
			renderCompiles(t, dir, "bert", "detr")
		})
	}
}

// renderCompiles renders archs on cpu from dir and, when python3 is there,
// compiles the files.
func renderCompiles(t *testing.T, dir string, archs ...string) {
	t.Helper()
	g, err := generator.New(generator.Options{TemplatesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	cpu, _ := hardware.Builtin().Get("cpu")
	out := t.TempDir()
	for _, name := range archs {
		a, ok := c.Get(name)
		if !ok {
			t.Fatalf("%s not in the catalog", name)
		}
		r, err := g.Render(a, cpu, testid.ID{})
		if err != nil {
			t.Fatalf("render %s: %v", name, err)
		}
		p := filepath.Join(out, r.Path)
		if err := os.WriteFile(p, r.Source, 0o644); err != nil {
			t.Fatal(err)
		}
		if py, err := exec.LookPath("python3"); err == nil {
			if b, err := exec.Command(py, "-m", "py_compile", p).CombinedOutput(); err != nil {
				t.Errorf("%s does not compile: %v\n%s", r.Path, err, b)
			}
		}
	}
}

func TestRenderErrors(t *testing.T) {
	rule := mustRules(t, "rules:\n  - {id: r, reason: x, match: {pattern: x}, edits: [{kind: batch, platform: nowhere, max_batch: 1}]}\n")[0]
	_, _, err := Plan(DirSources(""), []Suggestion{{Rule: rule, Tests: []Failure{{Architecture: "bert", Hardware: "cpu", Status: "fail"}}}})
	if err == nil || !strings.Contains(err.Error(), `template "hardware/nowhere.py.tmpl" does not exist`) {
		t.Errorf("err = %v", err)
	}
	rule = mustRules(t, "rules:\n  - {id: r, reason: x, match: {pattern: x}, edits: [{kind: block, template: base.py.tmpl, block: inputs, body: x}]}\n")[0]
	_, _, err = Plan(DirSources(""), []Suggestion{{Rule: rule, Tests: []Failure{{Architecture: "bert", Hardware: "cpu", Status: "fail"}}}})
	if err == nil || !strings.Contains(err.Error(), "declares block \"inputs\" with {{block}}") {
		t.Errorf("err = %v", err)
	}
}

func TestDefines(t *testing.T) {
	src := `{{- /* a comment with {{ braces }} */ -}}
{{define "a"}}x{{if .X}}y{{else}}z{{end}}{{end}}
text {{.Y}}
{{define "b"}}{{range .Z}}{{.}}{{end}}{{end}}`
	spans, err := defines(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 2 || spans[0].Name != "a" || src[spans[0].BodyStart:spans[0].BodyEnd] != "x{{if .X}}y{{else}}z{{end}}" ||
		spans[1].Name != "b" || src[spans[1].Start:spans[1].End] != `{{define "b"}}{{range .Z}}{{.}}{{end}}{{end}}` {
		t.Errorf("spans %+v", spans)
	}
	if _, err := defines(`{{define "a"}}{{if .X}}`); err == nil {
		t.Error("unclosed define accepted")
	}
}
