package reporter

import (
	"bytes"
	"encoding/json"
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

// update rewrites the golden files: go test ./reporter -update
var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// res builds a result from a test id.
func res(id string, status results.Status, category string) results.Result {
	tid, err := testid.Parse(id)
	if err != nil {
		panic(err)
	}
	r := results.Result{
		RunID: "run-1", TestID: id, Architecture: tid.Model, Category: category, Hardware: tid.Hardware,
		Precision: tid.Precision, BatchSize: tid.Batch, SeqLen: tid.Seq, Status: status,
		Success: status == results.StatusPass, Attempt: 1,
	}
	if status == results.StatusPass {
		r.SamplesMS, r.ExecutionMS = []float64{1.25, 1.5, 1.75}, 1.5
	}
	return r
}

func fail(id string, status results.Status, category, msg string) results.Result {
	r := res(id, status, category)
	r.ErrorMessage = msg
	return r
}

func fixtureInput() MatrixInput {
	return MatrixInput{
		Archs: []Arch{
			{"bert", "text-encoder"},
			{"vit", "vision"},
			{"whisper", "audio"},
			{"llama", "text-generation"}, // no results
			{"t5", "text2text"},
		},
		Platforms: []string{"cpu", "cuda", "openvino", "webgpu"},
		Results: []results.Result{
			res("bert@cpu/fp32/b1/s128", results.StatusPass, "text-encoder"),
			res("bert@cpu/fp32/b4/s128", results.StatusPass, "text-encoder"),
			res("bert@cuda/fp16/b1/s128", results.StatusPass, "text-encoder"),
			fail("bert@cuda/fp16/b4/s512", results.StatusFail, "text-encoder", "torch.OutOfMemoryError: CUDA out of memory"),
			res("bert@openvino/fp32/b1/s128", results.StatusPass, "text-encoder"),
			res("vit@cpu/fp32/b1/s1", results.StatusPass, "vision"),
			fail("vit@cuda/fp16/b1/s1", results.StatusTimeout, "vision", "timed out after 120s"),
			fail("vit@openvino/fp32/b1/s1", results.StatusCrash, "vision", "worker died: SIGSEGV"),
			fail("whisper@cpu/fp32/b1/s128", results.StatusSkip, "audio", "no runner for platform"),
			fail("t5@cpu/fp32/b1/s128", results.StatusNotBuildable, "text2text", "config has no decoder_start_token_id"),
			res("mamba@cpu/fp32/b1/s128", results.StatusPass, "text-generation"), // not in Archs
			res("bert@rocm/fp16/b1/s128", results.StatusPass, "text-encoder"),    // not a column
		},
		Compat: func(arch, hw string) (bool, string) {
			if hw == "webgpu" && arch == "whisper" {
				return false, "webgpu has no audio feature extractor"
			}
			if hw == "webgpu" && arch == "t5" {
				return false, "encoder-decoder models are not supported on webgpu"
			}
			return true, ""
		},
	}
}

func TestRenderMatrix(t *testing.T) {
	m := BuildMatrix(fixtureInput())
	for _, format := range MatrixFormats {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderMatrix(&b, m, format); err != nil {
				t.Fatal(err)
			}
			golden(t, b.Bytes())
		})
	}
}

func TestRenderMatrixAllArchitectures(t *testing.T) {
	in := fixtureInput()
	in.All = true
	in.Categories = []string{"audio", "text-generation", "text2text"}
	var b bytes.Buffer
	if err := RenderMatrix(&b, BuildMatrix(in), "markdown"); err != nil {
		t.Fatal(err)
	}
	golden(t, b.Bytes())
}

func TestRenderMatrixUnknownFormat(t *testing.T) {
	err := RenderMatrix(&bytes.Buffer{}, Matrix{}, "html")
	if err == nil || !strings.Contains(err.Error(), `"html"`) || !strings.Contains(err.Error(), "table, markdown, json, csv") {
		t.Errorf("err = %v, want the format and the valid ones", err)
	}
}

func TestRenderMatrixEmpty(t *testing.T) {
	m := BuildMatrix(MatrixInput{})
	for _, format := range MatrixFormats {
		if err := RenderMatrix(&bytes.Buffer{}, m, format); err != nil {
			t.Errorf("%s: %v", format, err)
		}
	}
	var b bytes.Buffer
	RenderMatrix(&b, m, "json")
	var back map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"platforms", "rows", "by_category", "by_platform", "total"} {
		if _, ok := back[k]; !ok {
			t.Errorf("empty matrix json has no %q", k)
		}
	}
}

func TestBuildMatrixRowsAndCells(t *testing.T) {
	m := BuildMatrix(fixtureInput())
	var rows []string
	for _, r := range m.Rows {
		var cells []string
		for _, c := range r.Cells {
			cells = append(cells, string(c.Status))
		}
		rows = append(rows, r.Architecture+": "+strings.Join(cells, " "))
	}
	want := []string{
		"bert: pass fail pass not_run",
		"vit: pass timeout crash not_run",
		"whisper: skip not_run not_run incompatible",
		"t5: not_buildable not_run not_run incompatible",
		"mamba: pass not_run not_run not_run",
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	cuda := m.Rows[0].Cells[1]
	if cuda.Counts != (Counts{Pass: 1, Fail: 1}) || cuda.Reason != "torch.OutOfMemoryError: CUDA out of memory" ||
		!reflect.DeepEqual(cuda.Tests, []string{"bert@cuda/fp16/b1/s128", "bert@cuda/fp16/b4/s512"}) {
		t.Errorf("bert@cuda cell = %+v", cuda)
	}
	if r := m.Rows[2].Cells[3].Reason; r != "webgpu has no audio feature extractor" {
		t.Errorf("incompatible reason = %q", r)
	}
}

func TestWorse(t *testing.T) {
	order := []results.Status{results.StatusCrash, results.StatusFail, results.StatusTimeout,
		results.StatusNotBuildable, results.StatusInfraError, results.StatusSkip, results.StatusPass,
		results.StatusIncompatible, results.StatusNotRun}
	for i, a := range order {
		for j, b := range order {
			if got := Worse(a, b); got != (i < j) {
				t.Errorf("Worse(%s, %s) = %v", a, b, got)
			}
		}
	}
	if !Worse("weird", results.StatusTimeout) || Worse("weird", results.StatusFail) || Worse(results.StatusFail, "weird") {
		t.Error("an unknown status should rank as fail")
	}
}

func TestCellWorstStatus(t *testing.T) {
	tests := []struct {
		name     string
		statuses []results.Status
		want     results.Status
		counts   Counts
	}{
		{"one pass", []results.Status{"pass"}, "pass", Counts{Pass: 1}},
		{"sweep all pass", []results.Status{"pass", "pass", "pass"}, "pass", Counts{Pass: 3}},
		{"one failing size", []results.Status{"pass", "fail", "pass"}, "fail", Counts{Pass: 2, Fail: 1}},
		{"crash beats fail", []results.Status{"fail", "crash"}, "crash", Counts{Fail: 1, Crash: 1}},
		{"fail beats timeout", []results.Status{"timeout", "fail"}, "fail", Counts{Fail: 1, Timeout: 1}},
		{"timeout beats skip", []results.Status{"skip", "timeout"}, "timeout", Counts{Timeout: 1, Skip: 1}},
		{"skip beats pass", []results.Status{"pass", "skip"}, "skip", Counts{Pass: 1, Skip: 1}},
		{"not buildable beats skip", []results.Status{"skip", "not_buildable"}, "not_buildable", Counts{Skip: 1, NotBuildable: 1}},
		{"infra is not a fail", []results.Status{"infra_error"}, "infra_error", Counts{InfraError: 1}},
		{"infra beats pass and skip", []results.Status{"pass", "infra_error", "skip"}, "infra_error", Counts{Pass: 1, Skip: 1, InfraError: 1}},
		{"a real fail beats infra", []results.Status{"infra_error", "fail"}, "fail", Counts{Fail: 1, InfraError: 1}},
		{"unknown counts as fail", []results.Status{"pass", "exploded"}, "fail", Counts{Pass: 1, Fail: 1}},
		{"derived statuses ignored", []results.Status{"pass", "not_run", "incompatible"}, "pass", Counts{Pass: 1}},
		{"nothing", nil, "not_run", Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs []results.Result
			for i, s := range tt.statuses {
				r := res("bert@cpu/fp32/b1/s128", s, "text-encoder")
				r.TestID = strings.Replace(r.TestID, "b1", "b"+string(rune('1'+i)), 1)
				rs = append(rs, r)
			}
			m := BuildMatrix(MatrixInput{Archs: []Arch{{"bert", "text-encoder"}}, Platforms: []string{"cpu"}, Results: rs, All: true})
			c := m.Rows[0].Cells[0]
			if c.Status != tt.want || c.Counts != tt.counts {
				t.Errorf("cell = %s %+v, want %s %+v", c.Status, c.Counts, tt.want, tt.counts)
			}
		})
	}
}

func TestPassRates(t *testing.T) {
	m := BuildMatrix(fixtureInput())
	rate := func(name string, passed, ran, total int) Rate {
		r := Rate{Name: name, Passed: passed, Ran: ran, Results: total}
		if ran > 0 {
			r.Rate = float64(passed) / float64(ran)
		}
		return r
	}
	tests := []struct {
		name string
		got  []Rate
		want []Rate
	}{
		{"by category", m.ByCategory, []Rate{
			rate("audio", 0, 0, 1), // skipped only: nothing ran
			rate("text-encoder", 4, 5, 5),
			rate("text-generation", 1, 1, 1),
			rate("text2text", 0, 0, 1),
			rate("vision", 1, 3, 3),
		}},
		{"by platform", m.ByPlatform, []Rate{
			rate("cpu", 4, 4, 6), // rocm's result is not a column
			rate("cuda", 1, 3, 3),
			rate("openvino", 1, 2, 2),
			rate("webgpu", 0, 0, 0),
		}},
		{"total", []Rate{m.Total}, []Rate{rate("total", 6, 9, 11)}},
		{"rows", []Rate{m.Rows[0].Rate, m.Rows[1].Rate, m.Rows[2].Rate}, []Rate{
			rate("bert", 4, 5, 5), rate("vit", 1, 3, 3), rate("whisper", 0, 0, 1),
		}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, tt.got, tt.want)
		}
	}
}

func TestRateString(t *testing.T) {
	tests := []struct {
		r    Rate
		want string
	}{
		{rateOf("x", Counts{Pass: 2, Fail: 1}), "66.7% (2/3)"},
		{rateOf("x", Counts{Pass: 3}), "100.0% (3/3)"},
		{rateOf("x", Counts{Fail: 1, Skip: 4}), "0.0% (0/1)"},
		{rateOf("x", Counts{Skip: 2, NotBuildable: 1}), "n/a"},
		{rateOf("x", Counts{}), "n/a"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestBuildMatrixOptions(t *testing.T) {
	names := func(m Matrix) string {
		var s []string
		for _, r := range m.Rows {
			s = append(s, r.Architecture)
		}
		return strings.Join(s, ",")
	}
	in := fixtureInput()
	tests := []struct {
		name       string
		all        bool
		categories []string
		platforms  []string
		want       string
	}{
		{"with results only", false, nil, in.Platforms, "bert,vit,whisper,t5,mamba"},
		{"all", true, nil, in.Platforms, "bert,vit,whisper,llama,t5,mamba"},
		{"category", false, []string{"vision"}, in.Platforms, "vit"},
		{"category all", true, []string{"text-generation"}, in.Platforms, "llama,mamba"},
		{"platforms from results", false, nil, nil, "bert,vit,whisper,t5,mamba"},
	}
	for _, tt := range tests {
		c := in
		c.All, c.Categories, c.Platforms = tt.all, tt.categories, tt.platforms
		m := BuildMatrix(c)
		if got := names(m); got != tt.want {
			t.Errorf("%s: rows %s, want %s", tt.name, got, tt.want)
		}
		if tt.platforms == nil && !reflect.DeepEqual(m.Platforms, []string{"cpu", "cuda", "openvino", "rocm"}) {
			t.Errorf("%s: platforms %v", tt.name, m.Platforms)
		}
	}
}

func golden(t *testing.T, got []byte) {
	t.Helper()
	testfs.Golden(t, got, *update)
}

// TestMatrixInfra: infra_error cells get their own glyph and never count
// against the platform's pass rate.
func TestMatrixInfra(t *testing.T) {
	msg := results.InfraMessage("No module named 'torch'", "make venv")
	in := MatrixInput{
		Archs:     []Arch{{"bert", "text-encoder"}, {"vit", "vision"}},
		Platforms: []string{"cpu", "openvino"},
		Results: []results.Result{
			res("bert@cpu/fp32/b1/s128", results.StatusPass, "text-encoder"),
			fail("vit@cpu/fp32/b1/s1", results.StatusFail, "vision", "ValueError: shape mismatch"),
			fail("bert@openvino/fp32/b1/s128", results.StatusInfraError, "text-encoder", msg),
			fail("vit@openvino/fp32/b1/s1", results.StatusInfraError, "vision", msg),
		},
	}
	m := BuildMatrix(in)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"cell status", m.Rows[0].Cells[1].Status, results.StatusInfraError},
		{"cell reason", m.Rows[0].Cells[1].Reason, msg},
		{"openvino: nothing ran, nothing failed", m.ByPlatform[1], Rate{Name: "openvino", Results: 2}},
		{"cpu unaffected", m.ByPlatform[0], Rate{Name: "cpu", Passed: 1, Ran: 2, Results: 2, Rate: 0.5}},
		{"total counts only what ran", m.Total, Rate{Name: "total", Passed: 1, Ran: 2, Results: 4, Rate: 0.5}},
		{"table glyph", cellText(m.Rows[0].Cells[1], false), "⚠"},
		{"markdown glyph", cellText(m.Rows[0].Cells[1], true), "⚠️"},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
	var b bytes.Buffer
	if err := RenderMatrix(&b, m, "markdown"); err != nil {
		t.Fatal(err)
	}
	golden(t, b.Bytes())
	// a matrix without infra cells keeps its legend as it was
	var plain bytes.Buffer
	if err := RenderMatrix(&plain, BuildMatrix(fixtureInput()), "markdown"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "infra") {
		t.Error("the legend mentions infra without an infra cell")
	}
	var js bytes.Buffer
	if err := RenderMatrix(&js, m, "json"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"infra_error": 1`) && !strings.Contains(js.String(), `"infra_error":1`) {
		t.Errorf("json lacks the infra count:\n%s", js.String())
	}
}

// TestMatrixOutcomes shows whose fault each cell is: a cpu failure is the
// harness's and poisons the architecture's other cells, which then do not
// count against their platform; a platform failure stays one; a declared
// pair shows as its own state, with or without a result.
func TestMatrixOutcomes(t *testing.T) {
	in := MatrixInput{
		Archs:     []Arch{{"bert", "text-encoder"}, {"vit", "vision"}, {"clip", "multimodal"}, {"clap", "audio"}},
		Platforms: []string{"cpu", "openvino", "webgpu"},
		Results: []results.Result{
			res("bert@cpu/fp32/b1/s128", results.StatusPass, "text-encoder"),
			fail("bert@openvino/fp32/b1/s128", results.StatusFail, "text-encoder", "Exporting the operator 'aten::foo' to ONNX is not supported"),
			res("bert@webgpu/fp32/b1/s128", results.StatusPass, "text-encoder"),
			fail("vit@cpu/fp32/b1/s224", results.StatusFail, "vision", "RuntimeError: expected input[1, 512, 28, 28] to have 16 channels"),
			fail("vit@openvino/fp32/b1/s224", results.StatusFail, "vision", "RuntimeError: expected input[1, 512, 28, 28] to have 16 channels"),
			fail("vit@webgpu/fp32/b1/s224", results.StatusCrash, "vision", "page crashed"),
			res("clip@cpu/fp32/b1/s77", results.StatusPass, "multimodal"),
			res("clip@openvino/fp32/b1/s77", results.StatusPass, "multimodal"),
			fail("clip@webgpu/fp32/b1/s77", results.StatusFail, "multimodal", "ran on wasm, not webgpu: 5 of 93 nodes on CPUExecutionProvider"),
			res("clap@cpu/fp32/b1/s16", results.StatusPass, "audio"),
		},
		Declared: outcome.Declarations{
			{Platform: "webgpu", Architecture: "clip", Reason: "ArgMax on int64 ids runs on wasm", Link: "docs/web-platforms.md#measured-here"},
			{Platform: "webgpu", Category: "audio", Reason: "no audio ops", Link: "https://example.org/webgpu-audio"},
		},
	}
	m := BuildMatrix(in)
	cell := func(row, col int) Cell { return m.Rows[row].Cells[col] }
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"platform failure", cell(0, 1).Outcome, outcome.Platform},
		{"platform failure glyph", cellText(cell(0, 1), true), "❌"},
		{"cpu failure is the harness's", cell(1, 0).Outcome, outcome.Harness},
		{"cpu harness glyph", cellText(cell(1, 0), false), "⚒"},
		{"failed reference poisons openvino", cell(1, 1).Outcome, outcome.Harness},
		{"failed reference poisons webgpu", cell(1, 2).Outcome, outcome.Harness},
		{"harness glyph off cpu", cellText(cell(1, 2), true), "🔧"},
		{"declared with a result", cell(2, 2).Outcome, outcome.Declared},
		{"declared reason", cell(2, 2).Reason, "ArgMax on int64 ids runs on wasm"},
		{"declared glyph", cellText(cell(2, 2), true), "⛔"},
		{"declared without a result", cell(3, 2).Outcome, outcome.Declared},
		{"declared without a result stays not run", cell(3, 2).Status, results.StatusNotRun},
		{"declared link", cell(3, 2).Link, "https://example.org/webgpu-audio"},
		{"not declared, not run", cell(3, 1).Outcome, outcome.None},
		// cpu counts its harness failure: it is the harness's own health.
		{"cpu rate", m.ByPlatform[0], Rate{Name: "cpu", Passed: 3, Ran: 4, Results: 4, Rate: 0.75}},
		// openvino: vit's failure is the harness's and not counted; bert's is the platform's.
		{"openvino rate", m.ByPlatform[1], Rate{Name: "openvino", Passed: 1, Ran: 2, Results: 3, Rate: 0.5}},
		{"openvino harness count", cell(1, 1).Counts, Counts{Harness: 1}},
		// webgpu: only bert tested the platform.
		{"webgpu rate", m.ByPlatform[2], Rate{Name: "webgpu", Passed: 1, Ran: 1, Results: 3, Rate: 1}},
		{"webgpu declared count", cell(2, 2).Counts, Counts{Declared: 1}},
	} {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
	var b bytes.Buffer
	for _, format := range []string{"markdown", "table", "csv"} {
		if err := RenderMatrix(&b, m, format); err != nil {
			t.Fatal(err)
		}
		b.WriteString("\n")
	}
	golden(t, b.Bytes())
	for _, want := range []string{"⚒", "🔧 harness", "⛔ declared unsupported", "[`https://example.org/webgpu-audio`](https://example.org/webgpu-audio)",
		"- `clip` on `webgpu`: `ArgMax on int64 ids runs on wasm` (`docs/web-platforms.md#measured-here`)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("rendered matrix lacks %q", want)
		}
	}
}
