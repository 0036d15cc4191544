package reporter

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/results"
)

func TestMatrixColumnLabels(t *testing.T) {
	m := BuildMatrix(MatrixInput{
		Archs:     []Arch{{Name: "bert", Category: "text-encoder"}},
		Platforms: []string{"cpu", "webgpu"},
		Results: []results.Result{
			{TestID: "bert@cpu/fp32/b1/s128", Architecture: "bert", Hardware: "cpu", Status: results.StatusPass},
			{TestID: "bert@webgpu/fp32/b1/s128", Architecture: "bert", Hardware: "webgpu", Status: results.StatusPass},
		},
		Labels: map[string]string{"webgpu": "webgpu (SwiftShader CPU adapter)"},
	})
	for _, format := range []string{"markdown", "table"} {
		var b strings.Builder
		if err := RenderMatrix(&b, m, format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "webgpu (SwiftShader CPU adapter)") {
			t.Errorf("%s: the webgpu column is not labelled with its adapter:\n%s", format, b.String())
		}
	}
	if m.Rows[0].Cells[1].Status != results.StatusPass {
		t.Errorf("labels must not change which results land in a column: %+v", m.Rows[0].Cells[1])
	}
}

func TestAdapterLabels(t *testing.T) {
	withExtra := func(id, extra string) results.Result {
		r := res(id, results.StatusPass, "text-encoder")
		r.Extra = extra
		return r
	}
	rs := []results.Result{
		withExtra("bert@cpu/fp32/b1/s128", `{"environment":{"torch":"2.5"}}`),
		withExtra("bert@webgpu/fp32/b1/s128", `{"adapter_label":"webgpu (SwiftShader CPU adapter)","placement":{}}`),
		withExtra("vit@webgpu/fp32/b1/s224", `{"adapter_label":"webgpu (nvidia ampere)"}`), // the first label wins
		withExtra("bert@webnn/fp32/b1/s128", `{"adapter_label":""}`),
		withExtra("vit@webnn/fp32/b1/s224", `not json "adapter_label"`),
		withExtra("clip@webnn/fp32/b1/s77", `{"adapter_label":"webnn (cpu device, Chromium 131)"}`),
		{TestID: "gpt2@webgpu/fp32/b1/s128", Extra: `{"adapter_label":"ignored, webgpu has one"}`},
		{TestID: "gpt2@wasm/fp32/b1/s128", Extra: `{"adapter_label":"wasm (4 threads)"}`}, // hardware from the test id
	}
	want := map[string]string{
		"webgpu": "webgpu (SwiftShader CPU adapter)",
		"webnn":  "webnn (cpu device, Chromium 131)",
		"wasm":   "wasm (4 threads)",
	}
	if got := AdapterLabels(rs); !reflect.DeepEqual(got, want) {
		t.Errorf("AdapterLabels = %v, want %v", got, want)
	}

	// BuildMatrix labels the columns it shows from the results; a given label wins.
	m := BuildMatrix(MatrixInput{Results: rs, Platforms: []string{"cpu", "webgpu", "webnn"},
		Labels: map[string]string{"webnn": "webnn (given)"}})
	if want := map[string]string{"webgpu": "webgpu (SwiftShader CPU adapter)", "webnn": "webnn (given)"}; !reflect.DeepEqual(m.Labels, want) {
		t.Errorf("Matrix.Labels = %v, want %v", m.Labels, want)
	}
	if m := BuildMatrix(MatrixInput{Results: rs[:1]}); m.Labels != nil {
		t.Errorf("no adapter, no labels: %v", m.Labels)
	}
}

// The pull request comment's matrix names a web column by the adapter its
// results ran on, as the matrix does; a label from an untrusted run cannot
// break out of the table.
func TestRenderCommentAdapterLabels(t *testing.T) {
	web := func(id, label string) results.Result {
		r := res(id, results.StatusPass, "text-encoder")
		r.Extra = `{"adapter_label":"` + label + `"}`
		return r
	}
	h := []results.Result{
		res("bert@cpu/fp32/b1/s128", results.StatusPass, "text-encoder"),
		web("bert@webgpu/fp32/b1/s128", "webgpu (SwiftShader CPU adapter)"),
		web("bert@webnn/fp32/b1/s128", "webnn | [x](http://evil) <b>@octocat</b>"),
	}
	rep, err := compare.Compare(nil, h, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := BuildMatrix(MatrixInput{Results: h, Platforms: []string{"cpu", "webgpu", "webnn"}})
	got := RenderComment(ReportInput{Report: rep, Matrix: &m})
	golden(t, []byte(got))
	if !strings.Contains(got, "| webgpu (SwiftShader CPU adapter) |") {
		t.Errorf("the webgpu column is not labelled with its adapter:\n%s", got)
	}
	for _, bad := range []string{"](http://evil)", "<b>@", "@octocat", "\\|"} {
		if strings.Contains(got, bad) {
			t.Errorf("comment contains %q", bad)
		}
	}
}
