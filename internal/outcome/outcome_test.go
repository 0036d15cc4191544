package outcome

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/results"
)

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Input
		want Class
	}{
		{"pass", Input{Status: results.StatusPass, Hardware: "openvino"}, Pass},
		{"pass on a declared pair still passed", Input{Status: results.StatusPass, Hardware: "webgpu", Declared: true}, Pass},
		{"not run", Input{Status: results.StatusNotRun, Hardware: "cuda"}, None},
		{"incompatible", Input{Status: results.StatusIncompatible, Hardware: "webnn"}, None},
		{"infra error", Input{Status: results.StatusInfraError, Hardware: "openvino", ErrorCategory: "infrastructure"}, Infrastructure},
		{"infra error on cpu", Input{Status: results.StatusInfraError, Hardware: "cpu"}, Infrastructure},
		{"skip", Input{Status: results.StatusSkip, Hardware: "cpu", ErrorCategory: "skipped"}, Skip},
		{"declared", Input{Status: results.StatusFail, Hardware: "webgpu", ErrorCategory: "placement_error", Declared: true}, Declared},
		{"declared beats a failed reference", Input{Status: results.StatusFail, Hardware: "webgpu", ReferenceFailed: true, Declared: true}, Declared},
		{"any failure on cpu", Input{Status: results.StatusFail, Hardware: "cpu", ErrorCategory: "shape_mismatch"}, Harness},
		{"crash on cpu", Input{Status: results.StatusCrash, Hardware: "cpu", ErrorCategory: "crash"}, Harness},
		{"timeout on cpu", Input{Status: results.StatusTimeout, Hardware: "cpu", ErrorCategory: "timeout"}, Harness},
		{"reference failed", Input{Status: results.StatusFail, Hardware: "openvino", ErrorCategory: "compilation_error", ReferenceFailed: true}, Harness},
		{"input error off cpu", Input{Status: results.StatusFail, Hardware: "onnxruntime", ErrorCategory: "input_error"}, Harness},
		{"config error off cpu", Input{Status: results.StatusFail, Hardware: "cuda", ErrorCategory: "config_error"}, Harness},
		{"import error off cpu", Input{Status: results.StatusFail, Hardware: "cuda", ErrorCategory: "import_error"}, Harness},
		{"not buildable", Input{Status: results.StatusNotBuildable, Hardware: "openvino", ErrorCategory: "not_buildable"}, Harness},
		{"unsupported operator", Input{Status: results.StatusFail, Hardware: "openvino", ErrorCategory: "unsupported_operation"}, Platform},
		{"converter export failure", Input{Status: results.StatusFail, Hardware: "onnxruntime", ErrorCategory: "compilation_error"}, Platform},
		{"beyond tolerance", Input{Status: results.StatusFail, Hardware: "cuda", ErrorCategory: "tolerance_error"}, Platform},
		{"placement", Input{Status: results.StatusFail, Hardware: "webnn", ErrorCategory: "placement_error"}, Platform},
		{"crash off cpu", Input{Status: results.StatusCrash, Hardware: "webgpu", ErrorCategory: "crash"}, Platform},
		{"unknown status off cpu", Input{Status: "exploded", Hardware: "rocm", ErrorCategory: "other_error"}, Platform},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Of(tc.in); got != tc.want {
				t.Errorf("Of(%+v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func res(id string, status results.Status, msg string) results.Result {
	return results.Result{TestID: id, Status: status, ErrorMessage: msg, Attempt: 1}
}

func TestClassifier(t *testing.T) {
	rs := []results.Result{
		res("bert@cpu/fp32/b1/s128", results.StatusPass, ""),
		res("bert@openvino/fp32/b1/s128", results.StatusFail, "Exporting the operator 'aten::foo' is not supported"),
		// The cpu reference of vit fails: every other platform's vit failure is the harness's.
		res("vit@cpu/fp32/b1/s224", results.StatusFail, "expected input[1, 512, 28, 28] to have 16 channels"),
		res("vit@openvino/fp32/b1/s224", results.StatusFail, "Exporting the operator 'aten::foo' is not supported"),
		// Same batch and sequence decide first: b1 passed on cpu, b4 failed.
		res("t5@cpu/fp32/b1/s128", results.StatusPass, ""),
		res("t5@cpu/fp32/b4/s128", results.StatusFail, "topk(): argument 'k' must be int, not NoneType"),
		res("t5@cuda/fp16/b1/s128", results.StatusFail, "RuntimeError: CUDA error: an illegal memory access"),
		res("t5@cuda/fp16/b4/s128", results.StatusFail, "RuntimeError: CUDA error: an illegal memory access"),
		// No cpu result with the same shape: the architecture's decides when none of it passed.
		res("whisper@cpu/fp32/b1/s128", results.StatusCrash, "Segmentation fault"),
		res("whisper@onnxruntime/fp32/b2/s64", results.StatusFail, "onnx export failed"),
		res("t5@onnxruntime/fp32/b2/s64", results.StatusFail, "onnx export failed"),
		// A flaky reference that passed on its rerun is no failure.
		res("gpt2@cpu/fp32/b1/s128", results.StatusTimeout, ""),
		{TestID: "gpt2@cpu/fp32/b1/s128", Status: results.StatusPass, Attempt: 2},
		res("gpt2@cuda/fp16/b1/s128", results.StatusFail, "logits differs from the fp32 cpu reference by 0.3"),
		// An input error is the harness's even where the reference passed.
		res("bert@onnxruntime/fp32/b1/s128", results.StatusFail, "forward() missing 1 required positional argument: 'pixel_position_ids'"),
		// Declared, on a platform and for a category.
		res("clip@webgpu/fp32/b1/s77", results.StatusFail, "ran on wasm, not webgpu: 5 of 93 nodes on CPUExecutionProvider"),
		{TestID: "wav2vec2@webnn/fp32/b1/s16000", Category: "audio", Status: results.StatusTimeout, Attempt: 1},
		res("bert@webnn/fp32/b1/s128", results.StatusInfraError, "No module named 'openvino'"),
		res("bert@cuda/fp32/b1/s128", results.StatusSkip, "skipped: no runner"),
	}
	decl := Declarations{
		{Platform: "webgpu", Architecture: "clip", Reason: "ArgMax on int64 runs on wasm", Link: "docs/web-platforms.md#measured-here"},
		{Platform: "webnn", Category: "audio", Reason: "no audio ops", Link: "https://example.org/webnn-audio"},
	}
	c := NewClassifier(rs, decl)
	want := map[string]Class{
		"bert@cpu/fp32/b1/s128":           Pass,
		"bert@openvino/fp32/b1/s128":      Platform,
		"vit@cpu/fp32/b1/s224":            Harness,
		"vit@openvino/fp32/b1/s224":       Harness,
		"t5@cpu/fp32/b4/s128":             Harness,
		"t5@cuda/fp16/b1/s128":            Platform,
		"t5@cuda/fp16/b4/s128":            Harness,
		"t5@onnxruntime/fp32/b2/s64":      Platform, // t5 passed on cpu at b1
		"whisper@cpu/fp32/b1/s128":        Harness,
		"whisper@onnxruntime/fp32/b2/s64": Harness,
		"gpt2@cuda/fp16/b1/s128":          Platform,
		"bert@onnxruntime/fp32/b1/s128":   Harness,
		"clip@webgpu/fp32/b1/s77":         Declared,
		"wav2vec2@webnn/fp32/b1/s16000":   Declared,
		"bert@webnn/fp32/b1/s128":         Infrastructure,
		"bert@cuda/fp32/b1/s128":          Skip,
	}
	for _, r := range rs {
		w, ok := want[r.TestID]
		if !ok {
			continue
		}
		v := c.Classify(r)
		if v.Class != w {
			t.Errorf("%s: %q, want %q", r.TestID, v.Class, w)
		}
		if (v.Class == Declared) != (v.Reason != "" && v.Link != "") {
			t.Errorf("%s: reason %q link %q for class %q", r.TestID, v.Reason, v.Link, v.Class)
		}
	}
}

func TestDeclarationsFind(t *testing.T) {
	d := Declarations{
		{Platform: "webnn", Category: "audio", Reason: "category", Link: "https://a.example"},
		{Platform: "webnn", Architecture: "whisper", Reason: "architecture", Link: "https://b.example"},
	}
	for _, tc := range []struct {
		arch, cat, hw string
		want          string
	}{
		{"whisper", "audio", "webnn", "architecture"}, // the architecture's entry wins over the category's
		{"wav2vec2", "audio", "webnn", "category"},
		{"whisper", "audio", "webgpu", ""},
		{"bert", "text-encoder", "webnn", ""},
	} {
		got, ok := d.Find(tc.arch, tc.cat, tc.hw)
		if ok != (tc.want != "") || got.Reason != tc.want {
			t.Errorf("Find(%s, %s, %s) = %q, %v; want %q", tc.arch, tc.cat, tc.hw, got.Reason, ok, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, err string
	}{
		{"ok", "- {platform: webnn, category: audio, reason: r, link: 'https://x.example/a#b'}\n", ""},
		{"repository path", "- {platform: webnn, architecture: clap, reason: r, link: docs/web-platforms.md}\n", ""},
		{"empty", "", ""},
		{"no platform", "- {category: audio, reason: r, link: docs/a.md}\n", "no platform"},
		{"both", "- {platform: webnn, category: audio, architecture: clap, reason: r, link: docs/a.md}\n", "exactly one"},
		{"neither", "- {platform: webnn, reason: r, link: docs/a.md}\n", "exactly one"},
		{"no reason", "- {platform: webnn, category: audio, link: docs/a.md}\n", "no reason"},
		{"no link", "- {platform: webnn, category: audio, reason: r}\n", "link"},
		{"http link", "- {platform: webnn, category: audio, reason: r, link: 'http://x.example'}\n", "link"},
		{"javascript link", "- {platform: webnn, category: audio, reason: r, link: 'javascript:alert(1)'}\n", "link"},
		{"markdown in link", "- {platform: webnn, category: audio, reason: r, link: 'a.md)[x](y'}\n", "link"},
		{"unknown key", "- {platform: webnn, category: audio, reason: r, link: a.md, url: b}\n", "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml))
			if (err != nil) != (tc.err != "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("Parse: %v, want error containing %q", err, tc.err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	builtin := Builtin()
	if len(builtin) == 0 {
		t.Fatal("no builtin declarations")
	}
	got, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if err != nil || len(got) != len(builtin) {
		t.Fatalf("missing file: %d declarations, %v", len(got), err)
	}
	path := filepath.Join(t.TempDir(), "unsupported.yaml")
	own := "- {platform: webgpu, architecture: clip, reason: ours, link: docs/ours.md}\n"
	if err := os.WriteFile(path, []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := got.Find("clip", "multimodal", "webgpu"); d.Reason != "ours" {
		t.Errorf("the repository's declaration does not win: %+v", d)
	}
	if err := os.WriteFile(path, []byte("- {platform: webgpu}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a bad file: %v, want an error naming it", err)
	}
}
