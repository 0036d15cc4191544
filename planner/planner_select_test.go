package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/catalog"
)

func TestClassifyChange(t *testing.T) {
	tests := []struct {
		path                      string
		all                       bool
		category, hardware, model string
		reason                    string // substring; "" = touches nothing
	}{
		{path: "generator/templates/base.py.tmpl", all: true, reason: "base template base.py.tmpl changed"},
		{path: ".hwcov/templates/base.py.tmpl", all: true, reason: "base template"},
		{path: "./sub/project/.hwcov/templates/base.py.tmpl", all: true, reason: "base template"},
		{path: `generator\templates\family\whisper.py.tmpl`, model: "whisper", reason: "family template family/whisper.py.tmpl changed"},
		{path: "generator/templates/family/blip-2.py.tmpl", model: "blip-2", reason: "family template"},
		{path: "generator/templates/modality/audio.py.tmpl", category: catalog.Audio, reason: "modality template modality/audio.py.tmpl changed"},
		{path: "generator/templates/modality/text-encoder_cuda.py.tmpl", category: catalog.TextEncoder, hardware: "cuda", reason: "modality template"},
		{path: ".hwcov/templates/modality/vision_my_npu.py.tmpl", category: catalog.Vision, hardware: "my_npu", reason: "modality template"},
		{path: "generator/templates/hardware/openvino.py.tmpl", hardware: "openvino", reason: "hardware template hardware/openvino.py.tmpl changed"},
		{path: "internal/catalog/data/catalog.json", all: true, reason: "catalog internal/catalog/data/catalog.json changed"},
		{path: "hwcov.yaml", all: true, reason: "config hwcov.yaml changed"},
		{path: "ci/hwcov.yml", all: true, reason: "config"},
		{path: ".hwcov/hardware/npu.json", all: true, reason: "hardware definition .hwcov/hardware/npu.json changed"},
		{path: "internal/hardware/data/builtin.json", all: true, reason: "hardware definition"},
		{path: "runners/python/hwcov_harness/worker.py", all: true, reason: "harness runners/python/hwcov_harness/worker.py changed"},
		// touch nothing
		{path: "README.md"},
		{path: "generator/templates/README.md"},
		{path: "generator/templates/modality/speech.py.tmpl"}, // no such category slug
		{path: "generator/templates/other/x.py.tmpl"},
		{path: "mygenerator/templates/base.py.tmpl"}, // not the templates folder
		{path: ".hwcov/hardware/README.md"},
		{path: "runners/python/pyproject.toml"},
		{path: "internal/hardware/compat.go"},
	}
	for _, tt := range tests {
		c := ClassifyChange(tt.path)
		if c.All != tt.all || c.Category != tt.category || c.Hardware != tt.hardware || c.Model != tt.model {
			t.Errorf("%s: got all=%v category=%q hardware=%q model=%q, want %v %q %q %q",
				tt.path, c.All, c.Category, c.Hardware, c.Model, tt.all, tt.category, tt.hardware, tt.model)
		}
		switch {
		case tt.reason == "" && c.Touches():
			t.Errorf("%s: touches tests (%q), want none", tt.path, c.Reason)
		case tt.reason == "" && c.Note == "":
			t.Errorf("%s: touches nothing without a note", tt.path)
		case tt.reason != "" && !strings.Contains(c.Reason, tt.reason):
			t.Errorf("%s: reason %q, want it to contain %q", tt.path, c.Reason, tt.reason)
		}
	}
}

// selectFixture: the fixture catalog on cpu, cuda, openvino and qualcomm
// (whose backend is onnxruntime).
func selectFixture(t *testing.T) SelectOptions {
	return SelectOptions{Matrix: MatrixOptions{
		Architectures: fixtureArchs(),
		Platforms:     platforms(t, "cpu", "cuda", "openvino", "qualcomm"),
	}}
}

func pickedNames(s *Selection) map[string][]string {
	out := map[string][]string{}
	for _, p := range s.Picked {
		out[p.Test] = p.Reasons
	}
	return out
}

func TestSelectChangedFiles(t *testing.T) {
	keyOnly := []string{
		"bert@cpu/fp32/b1/s128", "bert@cuda/fp16/b1/s128", "bert@openvino/fp32/b1/s128", "bert@qualcomm/fp16/b1/s128",
		"llama@cpu/fp32/b1/s128", "llama@cuda/fp16/b1/s128", "llama@openvino/fp32/b1/s128", // llama does not fit qualcomm
		"vit@cpu/fp32/b1/s128", "vit@cuda/fp16/b1/s128", "vit@openvino/fp32/b1/s128", "vit@qualcomm/fp16/b1/s128",
		"whisper@cpu/fp32/b1/s128", "whisper@cuda/fp16/b1/s128", "whisper@openvino/fp32/b1/s128", "whisper@qualcomm/fp16/b1/s128",
	}
	tests := []struct {
		name      string
		changed   []string
		failed    []string
		hasTmpl   func(string) bool
		extra     map[string]string // test -> a reason it must have, beyond the key models
		unmatched int
	}{
		{name: "no change: the key models", changed: nil},
		{
			name:    "family template: that architecture",
			changed: []string{"generator/templates/family/gpt2.py.tmpl"},
			extra: map[string]string{
				"gpt2@cpu/fp32/b1/s128": "family template family/gpt2.py.tmpl changed", "gpt2@cuda/fp16/b1/s128": "family",
				"gpt2@openvino/fp32/b1/s128": "family", "gpt2@qualcomm/fp16/b1/s128": "family",
			},
		},
		{
			name:    "modality x hardware template: that category on that platform",
			changed: []string{".hwcov/templates/modality/text-decoder_cuda.py.tmpl"},
			extra:   map[string]string{"gpt2@cuda/fp16/b1/s128": "modality template modality/text-decoder_cuda.py.tmpl changed"},
		},
		{
			name:    "modality template: that category everywhere",
			changed: []string{"generator/templates/modality/video.py.tmpl"},
			extra: map[string]string{
				"videomae@cpu/fp32/b1/s128": "modality", "videomae@cuda/fp16/b1/s128": "modality",
				"videomae@openvino/fp32/b1/s128": "modality", // no video on qualcomm
			},
		},
		{
			name:    "backend template: platforms that fall back to it",
			changed: []string{"generator/templates/hardware/onnxruntime.py.tmpl"},
			extra: map[string]string{
				"gpt2@qualcomm/fp16/b1/s128": "hardware template hardware/onnxruntime.py.tmpl changed", "tiny_pos@qualcomm/fp16/b1/s128": "hardware",
			},
		},
		{
			name:      "backend template, but the platform has its own",
			changed:   []string{"generator/templates/hardware/onnxruntime.py.tmpl"},
			hasTmpl:   func(n string) bool { return n == "hardware/qualcomm.py.tmpl" },
			unmatched: 1,
		},
		{
			name:      "unrelated files and unknown architectures select nothing",
			changed:   []string{"README.md", "generator/templates/family/nosuch.py.tmpl", "docs/x.md", "README.md"},
			unmatched: 3,
		},
		{
			name:   "last failed: in the matrix, outside it, unknown",
			failed: []string{"gpt2@cpu/fp32/b1/s128", "gpt2@cpu/fp32/b8/s512", "nosuch@cpu/fp32/b1/s128", "gpt2@webnn/fp32/b1/s128", "not-an-id", "tiny_pos@cpu/fp32/b1/s512"},
			extra: map[string]string{
				"gpt2@cpu/fp32/b1/s128": ReasonLastFailed,
				"gpt2@cpu/fp32/b8/s512": ReasonLastFailed,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := selectFixture(t)
			opts.ChangedFiles, opts.LastFailed, opts.HasTemplate = tt.changed, tt.failed, tt.hasTmpl
			sel, err := Select(opts)
			if err != nil {
				t.Fatal(err)
			}
			got := pickedNames(sel)
			for _, k := range keyOnly {
				if r := got[k]; len(r) == 0 || r[0] != ReasonKeyModel {
					t.Errorf("%s: reasons %q, want %q first", k, r, ReasonKeyModel)
				}
			}
			for test, why := range tt.extra {
				if !containsSub(got[test], why) {
					t.Errorf("%s: reasons %q, want one containing %q", test, got[test], why)
				}
			}
			if want := len(keyOnly) + len(tt.extra); len(got) != want {
				t.Errorf("picked %d tests, want %d:\n%s", len(got), want, sel.Explain())
			}
			if len(sel.Unmatched) != tt.unmatched {
				t.Errorf("unmatched = %q, want %d", sel.Unmatched, tt.unmatched)
			}
			if len(sel.Matrix.Tests) != len(sel.Picked) {
				t.Errorf("matrix has %d tests, picked %d", len(sel.Matrix.Tests), len(sel.Picked))
			}
		})
	}
}

func TestSelectEverything(t *testing.T) {
	for _, path := range []string{"generator/templates/base.py.tmpl", "internal/catalog/data/catalog.json", "hwcov.yaml",
		".hwcov/hardware/npu.json", "runners/python/hwcov_harness/harness.py"} {
		opts := selectFixture(t)
		opts.ChangedFiles = []string{path}
		sel, err := Select(opts)
		if err != nil {
			t.Fatal(err)
		}
		full := mustMatrix(t, opts.Matrix)
		if len(sel.Picked) != len(full.Tests) {
			t.Errorf("%s: picked %d of %d tests", path, len(sel.Picked), len(full.Tests))
		}
	}
}

func TestSelectBudget(t *testing.T) {
	opts := selectFixture(t)
	opts.ChangedFiles = []string{"generator/templates/modality/text-decoder.py.tmpl"}
	opts.LastFailed = []string{"tiny_pos@cpu/fp32/b1/s128"}
	opts.DefaultSeconds = 60
	tests := []struct {
		budget         float64
		picked         int
		firstDropGroup string
	}{
		{budget: 0, picked: 15 + 4 + 1},                  // no cap: 15 key, gpt2 on 4 platforms (llama is key already), tiny_pos
		{budget: 15, picked: 15, firstDropGroup: "diff"}, // only the key models fit
		{budget: 10, picked: 10, firstDropGroup: "key"},
		{budget: 17.5, picked: 17, firstDropGroup: "diff"},
	}
	for _, tt := range tests {
		opts.BudgetMinutes = tt.budget
		sel, err := Select(opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(sel.Picked) != tt.picked {
			t.Errorf("budget %v: picked %d, want %d", tt.budget, len(sel.Picked), tt.picked)
		}
		if tt.budget == 0 {
			if len(sel.Dropped) != 0 {
				t.Errorf("no budget dropped %d", len(sel.Dropped))
			}
			continue
		}
		if len(sel.Dropped) == 0 || !containsSub(sel.Notes, "dropped") {
			t.Errorf("budget %v: nothing dropped, notes %q", tt.budget, sel.Notes)
		}
		if len(sel.Dropped) > 0 && tt.firstDropGroup == "diff" && sel.Dropped[0].Reasons[0] == ReasonKeyModel {
			t.Errorf("budget %v: dropped a key model first: %+v", tt.budget, sel.Dropped[0])
		}
		last := sel.Dropped[len(sel.Dropped)-1]
		if last.Test != "tiny_pos@cpu/fp32/b1/s128" {
			t.Errorf("budget %v: last-failed should go last, got %s", tt.budget, last.Test)
		}
	}
	opts.BudgetMinutes = -1
	var oe *OptionsError
	if _, err := Select(opts); !errors.As(err, &oe) {
		t.Errorf("negative budget: %v", err)
	}
}

func TestSelectExplainGolden(t *testing.T) {
	opts := SelectOptions{
		Matrix: MatrixOptions{
			Architectures: fixtureArchs(),
			Platforms:     platforms(t, "cpu", "cuda"),
		},
		ChangedFiles: []string{
			"generator/templates/family/whisper.py.tmpl",
			".hwcov/templates/modality/text-decoder_cuda.py.tmpl",
			"docs/index.md",
		},
		LastFailed:    []string{"videomae@cpu/fp32/b1/s128", "gpt2@cuda/fp16/b2/s128", "old@cpu/fp32/b1/s128"},
		BudgetMinutes: 9,
		Durations: map[string]float64{
			"bert@cpu/fp32/b1/s128":   30,
			"llama@cpu/fp32/b1/s128":  120,
			"llama@cuda/fp16/b1/s128": 45,
		},
	}
	sel, err := Select(opts)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, []byte(sel.Explain()))
	plan, err := NewPlan(sel.Matrix, ShardOptions{Shards: 1, Durations: opts.Durations})
	if err != nil {
		t.Fatal(err)
	}
	if plan.TestCount() != len(sel.Picked) || !containsSub(plan.Notes, "priority high") {
		t.Errorf("plan of the selection: %d tests, notes %q", plan.TestCount(), plan.Notes)
	}
	for _, sk := range plan.Skipped {
		if strings.HasPrefix(sk.Test, "tiny_pos") {
			t.Errorf("skip list keeps an architecture that was not picked: %v", sk)
		}
	}
}
