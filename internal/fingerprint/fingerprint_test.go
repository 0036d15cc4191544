package fingerprint

import (
	"reflect"
	"testing"

	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/results"
)

func TestComputeGroups(t *testing.T) {
	tb := func(path, fn string) string {
		return "Traceback (most recent call last):\n  File \"" + path + "\", line 12, in run_test\n  File \"" + path + "\", line 88, in " + fn + "\nRuntimeError: x"
	}
	tests := []struct {
		name string
		a, b Input
		same bool
	}{
		{"numbers", Input{Message: "index 7 is out of bounds for dimension 0 with size 3"},
			Input{Message: "index 12 is out of bounds for dimension 1 with size 40"}, true},
		{"shapes", Input{Message: "Given groups=1, expected input[1, 512, 28, 28] to have 3 channels"},
			Input{Message: "Given groups=1, expected input[2, 80, 3000] to have 3 channels"}, true},
		{"torch size", Input{Message: "The size of tensor a (torch.Size([1, 4])) must match"},
			Input{Message: "The size of tensor a (torch.Size([8, 16, 2])) must match"}, true},
		{"matmul", Input{Message: "mat1 and mat2 shapes cannot be multiplied (1x32 and 16x8)"},
			Input{Message: "mat1 and mat2 shapes cannot be multiplied (4x64 and 2x2)"}, true},
		{"hex ids", Input{Message: "object at 0x7f3a2b1c9d00 is not callable"},
			Input{Message: "object at 0x55d0c0ffee11 is not callable"}, true},
		{"hex digest", Input{Message: "cache entry 3f2a9c1d7e6b5a40 missing"},
			Input{Message: "cache entry 00aa11bb22cc33dd missing"}, true},
		{"paths", Input{Message: "cannot open /tmp/hwcov-1/a/model.onnx", Traceback: tb("/home/u/venv/lib/site.py", "forward")},
			Input{Message: "cannot open /runner/work/b/model.onnx", Traceback: tb("/opt/py/lib/site.py", "forward")}, true},
		{"model names", Input{Architecture: "bert", Message: "BertModel.forward() got an unexpected keyword argument 'pixel_values'", Traceback: tb("/x/modeling_bert.py", "forward")},
			Input{Architecture: "wav2vec2", Message: "Wav2Vec2Model.forward() got an unexpected keyword argument 'pixel_values'", Traceback: tb("/y/modeling_wav2vec2.py", "forward")}, true},
		{"model repo", Input{Architecture: "bert", ModelName: "hf-internal-testing/tiny-random-bert", Message: "hf-internal-testing/tiny-random-bert is not a local folder"},
			Input{Architecture: "t5", ModelName: "hf-internal-testing/tiny-random-t5", Message: "hf-internal-testing/tiny-random-t5 is not a local folder"}, true},
		{"model file not named after the architecture", Input{Architecture: "dia", Message: "IndexError: index out of range in self", Traceback: tb("/v/models/dia/modeling_dia.py", "forward")},
			Input{Architecture: "fastspeech2_conformer_with_hifigan", Message: "IndexError: index out of range in self", Traceback: tb("/v/models/x/modeling_fastspeech2_conformer.py", "forward")}, true},
		{"shared transformers files stay", Input{Message: "boom", Traceback: tb("/v/modeling_utils.py", "forward")},
			Input{Message: "boom", Traceback: tb("/v/modeling_outputs.py", "forward")}, false},
		{"different errors", Input{Message: "mat1 and mat2 shapes cannot be multiplied (1x32 and 16x8)"},
			Input{Message: "index 3 is out of range in self"}, false},
		{"different inner frame", Input{Message: "boom", Traceback: tb("/a/x.py", "forward")},
			Input{Message: "boom", Traceback: tb("/a/x.py", "generate")}, false},
		{"shrink ladder sizes", Input{Message: "RuntimeError: shape '[1, 40, 8, 8]' is invalid [shrink ladder: small: RuntimeError: shape '[1, 80, 8, 8]' is invalid]",
			Traceback: ladderTB("/v/models/a/modeling_a.py", "forward")},
			Input{Message: "RuntimeError: shape '[2, 4]' is invalid [shrink ladder: small: RuntimeError: x; capped: ~400M parameters over the 100M budget]",
				Traceback: ladderTB("/v/models/b/modeling_b.py", "forward")}, true},
		{"chained cause frames", Input{Message: "boom", Traceback: ladderTB("/a/x.py", "forward")},
			Input{Message: "boom", Traceback: ladderTB("/a/x.py", "generate")}, false},
		{"fp32 is no number", Input{Message: "expected fp32 input"}, Input{Message: "expected fp16 input"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Compute(tt.a), Compute(tt.b)
			if (a.ID == b.ID) != tt.same {
				t.Errorf("same=%v, want %v\n a: %s\n b: %s", a.ID == b.ID, tt.same, a.Signature, b.Signature)
			}
		})
	}
}

// ladderTB is a chained Python traceback: the cause failing in fn of path,
// then the shrink ladder's re-raise.
func ladderTB(path, fn string) string {
	return "Traceback (most recent call last):\n  File \"" + path + "\", line 88, in " + fn + "\nRuntimeError: x\n\n" +
		"The above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n" +
		"  File \"/h/stages.py\", line 40, in execute\n  File \"/h/ladder.py\", line 60, in shrink_ladder\nLadderExhausted: x"
}

func TestComputeSignature(t *testing.T) {
	fp := Compute(Input{Architecture: "bert", Message: "BertModel: expected input[1, 512, 28, 28] at 0xdeadbeef in /a/b.py, got 3"})
	want := "<Model>: expected input[<shape>] at <hex> in <path>, got <n>"
	if fp.Signature != want {
		t.Errorf("signature %q, want %q", fp.Signature, want)
	}
	if fp.RuleVersion != RuleVersion || len(fp.ID) != 12 {
		t.Errorf("got %+v", fp)
	}
	wantRules := []string{"path", "model-name", "shape-list", "hex", "number"}
	if len(fp.Rules) != len(wantRules) {
		t.Fatalf("rules %v, want %v", fp.Rules, wantRules)
	}
	for i := range wantRules {
		if fp.Rules[i] != wantRules[i] {
			t.Errorf("rules %v, want %v", fp.Rules, wantRules)
		}
	}
}

// A stored fingerprint made by older rules is kept; a result without one gets
// the current version.
func TestAssignKeepsOldVersions(t *testing.T) {
	rs := []results.Result{
		{ID: 1, Status: results.StatusFail, ErrorMessage: "boom 1"},
		{ID: 2, Status: results.StatusFail, ErrorMessage: "boom 2"},
		{ID: 3, Status: results.StatusPass},
		{ID: 4, Status: results.StatusSkip, ErrorMessage: "no cuda"},
		{ID: 5, Status: results.StatusInfraError, ErrorMessage: "no torch. Try: make venv"},
	}
	old := Stored{ResultID: 1, ID: "0123456789ab", RuleVersion: "fp-0", Signature: "boom 1"}
	all, fresh := Assign(rs, map[int64]Stored{1: old})
	if all[1].ID != old.ID || all[1].RuleVersion != "fp-0" {
		t.Errorf("stored fingerprint replaced: %+v", all[1])
	}
	if all[2].RuleVersion != RuleVersion || all[2].Signature != "boom <n>" {
		t.Errorf("new result: %+v", all[2])
	}
	if _, ok := all[3]; ok {
		t.Error("a pass got a fingerprint")
	}
	if _, ok := all[4]; ok {
		t.Error("a skip got a fingerprint")
	}
	if len(fresh) != 2 || fresh[0].ResultID != 2 || fresh[1].ResultID != 5 {
		t.Errorf("fresh %+v", fresh)
	}
	rep := Build(rs, all, DefaultKeys)
	if rep.Failures != 2 || len(rep.Groups) != 2 || rep.Infra != 1 || len(rep.InfraGroups) != 1 || rep.Excluded != 2 {
		t.Errorf("report %+v", rep)
	}
}

func TestParseKeys(t *testing.T) {
	if k, err := ParseKeys(nil); err != nil || len(k) != 3 {
		t.Errorf("default: %v %v", k, err)
	}
	if k, err := ParseKeys([]string{"Fingerprint", "platform"}); err != nil || k[1] != "hardware" {
		t.Errorf("got %v %v", k, err)
	}
	if _, err := ParseKeys([]string{"model"}); err == nil {
		t.Error("model accepted")
	}
}

// torch's dispatch frames are not part of the signature.
func TestComputeSkipsDispatchFrames(t *testing.T) {
	tb := "Traceback (most recent call last):\n" +
		"  File \"/v/lib/transformers/models/bert/modeling_bert.py\", line 9, in forward\n" +
		"  File \"/v/lib/torch/nn/modules/module.py\", line 1773, in _wrapped_call_impl\n" +
		"  File \"/v/lib/torch/nn/modules/module.py\", line 1784, in _call_impl\n" +
		"  File \"/v/lib/torch/nn/modules/linear.py\", line 125, in forward\n"
	fp := Compute(Input{Architecture: "bert", Message: "boom", Traceback: tb})
	if want := "boom | at <model>.py:forward < linear.py:forward"; fp.Signature != want {
		t.Errorf("signature %q, want %q", fp.Signature, want)
	}
}

// Grouped by outcome, the same converter error splits into the platform's
// (bert: cpu passes) and the harness's (vit: cpu fails too), and a declared
// pair is its own group.
func TestBuildByOutcome(t *testing.T) {
	msg := "Exporting the operator 'aten::foo' to ONNX opset version 17 is not supported"
	rs := []results.Result{
		{ID: 1, TestID: "bert@cpu/fp32/b1/s128", Architecture: "bert", Hardware: "cpu", Status: results.StatusPass},
		{ID: 2, TestID: "bert@onnxruntime/fp32/b1/s128", Architecture: "bert", Hardware: "onnxruntime", Status: results.StatusFail, ErrorMessage: msg},
		{ID: 3, TestID: "vit@cpu/fp32/b1/s224", Architecture: "vit", Hardware: "cpu", Status: results.StatusFail, ErrorMessage: "expected input to have 16 channels"},
		{ID: 4, TestID: "vit@onnxruntime/fp32/b1/s224", Architecture: "vit", Hardware: "onnxruntime", Status: results.StatusFail, ErrorMessage: msg},
		{ID: 5, TestID: "clip@onnxruntime/fp32/b1/s77", Architecture: "clip", Hardware: "onnxruntime", Status: results.StatusFail, ErrorMessage: msg},
	}
	decl := outcome.Declarations{{Platform: "onnxruntime", Architecture: "clip", Reason: "known", Link: "docs/a.md"}}
	all, _ := Assign(rs, nil)
	keys, err := ParseKeys([]string{"fingerprint", "outcome"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, g := range BuildWith(rs, all, keys, decl).Groups {
		got[g.Key["outcome"]] = append(got[g.Key["outcome"]], g.Architectures...)
		if len(g.Outcomes) != 1 || g.Outcomes[0] != g.Key["outcome"] {
			t.Errorf("group %v has outcomes %v", g.Key, g.Outcomes)
		}
	}
	want := map[string][]string{"platform": {"bert"}, "harness": {"vit", "vit"}, "declared_unsupported": {"clip"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("architectures by outcome %v, want %v", got, want)
	}
}

func TestComputeLadderSignature(t *testing.T) {
	fp := Compute(Input{Architecture: "a", Message: "RuntimeError: boom [shrink ladder: small: RuntimeError: boom]",
		Traceback: ladderTB("/v/models/a/modeling_a.py", "forward")})
	if want := "RuntimeError: boom | at <model>.py:forward"; fp.Signature != want {
		t.Errorf("signature = %q, want %q", fp.Signature, want)
	}
	if !reflect.DeepEqual(fp.Rules[:2], []string{"shrink-ladder", "cause"}) {
		t.Errorf("rules = %v, want shrink-ladder and cause first", fp.Rules)
	}
}
