package reporter

import (
	"strings"
	"testing"

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
