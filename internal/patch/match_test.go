package patch

import (
	"strings"
	"testing"
)

func mustRules(t *testing.T, y string) []Rule {
	t.Helper()
	rs, err := ParseRules([]byte(y), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestMatches(t *testing.T) {
	rule := func(match string) Rule {
		return mustRules(t, "rules:\n  - id: r\n    reason: because\n    match:\n"+match+
			"    edits:\n      - {kind: config, overrides: {dropout: 0}}\n")[0]
	}
	fail := Failure{TestID: "musicgen@cpu/fp32/b1/s128", Architecture: "musicgen", Category: "speech-text", Hardware: "cpu",
		Status: "fail", ErrorCategory: "other_error", Fingerprint: "2d02343d436f", Outcome: "harness",
		Signature: "AttributeError: '<Model>' object has no attribute 'dropout' | at <model>.py:__init__",
		Message:   "AttributeError: 'MusicgenConfig' object has no attribute 'dropout'"}
	with := func(mod func(*Failure)) Failure { f := fail; mod(&f); return f }
	tests := []struct {
		name  string
		match string
		f     Failure
		want  bool
	}{
		{"pattern on the signature", "      pattern: \"no attribute 'dropout' \\\\| at <model>\"\n", fail, true},
		{"pattern on the message", "      pattern: MusicgenConfig\n", fail, true},
		{"pattern misses", "      pattern: out of memory\n", fail, false},
		{"fingerprint prefix", "      fingerprints: [2d0234]\n", fail, true},
		{"other fingerprint", "      fingerprints: [ffff]\n", fail, false},
		{"platform", "      architectures: [musicgen]\n      platforms: [cuda]\n", fail, false},
		{"category", "      architectures: [musicgen]\n      categories: [speech-text]\n", fail, true},
		{"architecture", "      architectures: [bark]\n", fail, false},
		{"error category", "      error_categories: [other_error]\n", fail, true},
		{"outcome class matches", "      architectures: [musicgen]\n      outcomes: [harness]\n", fail, true},
		{"outcome class differs", "      architectures: [musicgen]\n      outcomes: [platform]\n", fail, false},
		{"no outcome class on the result: not a condition", "      architectures: [musicgen]\n      outcomes: [platform]\n", with(func(f *Failure) { f.Outcome = "" }), true},
		{"a pass is no failure", "      architectures: [musicgen]\n", with(func(f *Failure) { f.Status = "pass" }), false},
		{"an infrastructure error is no failure", "      architectures: [musicgen]\n", with(func(f *Failure) { f.Status = "infra_error" }), false},
		{"a crash is", "      architectures: [musicgen]\n", with(func(f *Failure) { f.Status = "crash" }), true},
		{"statuses narrow", "      architectures: [musicgen]\n      statuses: [timeout]\n", fail, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rule(tt.match).Matches(tt.f); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseRulesErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"bad id", "rules:\n  - {id: Bad_Id, reason: x, match: {pattern: x}, edits: [{kind: config, overrides: {a: 1}}]}\n", `rule id "Bad_Id"`},
		{"no reason", "rules:\n  - {id: a, match: {pattern: x}, edits: [{kind: config, overrides: {a: 1}}]}\n", "reason is required"},
		{"no matcher", "rules:\n  - {id: a, reason: r, match: {platforms: [cpu]}, edits: [{kind: config, overrides: {a: 1}}]}\n", "match needs"},
		{"bad pattern", "rules:\n  - {id: a, reason: r, match: {pattern: '('}, edits: [{kind: config, overrides: {a: 1}}]}\n", "pattern"},
		{"unknown edit", "rules:\n  - {id: a, reason: r, match: {pattern: x}, edits: [{kind: rewrite}]}\n", `kind "rewrite" is not one of block`},
		{"unknown builder", "rules:\n  - {id: a, reason: r, match: {pattern: x}, edits: [{kind: inputs, builder: magic}]}\n", `builder "magic"`},
		{"block outside the templates", "rules:\n  - {id: a, reason: r, match: {pattern: x}, edits: [{kind: block, template: ../x.py.tmpl, block: inputs, body: x}]}\n", "not a relative"},
		{"unknown field", "rules:\n  - {id: a, reason: r, match: {pattern: x}, edit: []}\n", "field edit not found"},
		{"manual without steps", "rules:\n  - {id: a, kind: manual, reason: r, match: {pattern: x}}\n", "needs steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules([]byte(tt.yaml), "x.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `"x.yaml"`) {
				t.Errorf("err = %v, want one naming x.yaml and %q", err, tt.want)
			}
		})
	}
}

// A repository's rule replaces the shipped rule with its id and adds to the others.
func TestLoadRepositoryRules(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/own.yaml", "rules:\n  - {id: musicgen-text-to-waveform, reason: ours, match: {pattern: x}, edits: [{kind: config, overrides: {a: 1}}]}\n"+
		"  - {id: extra, reason: more, match: {pattern: y}, edits: [{kind: config, overrides: {b: 2}}]}\n")
	writeFile(t, dir+"/notes.txt", "not a rule")
	rules, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	if r := byID["musicgen-text-to-waveform"]; r.Reason != "ours" || !strings.HasSuffix(r.Source, "own.yaml") {
		t.Errorf("shipped rule not replaced: %+v", r)
	}
	if _, ok := byID["extra"]; !ok {
		t.Error("repository rule missing")
	}
	if rs, err := Load(dir + "/missing"); err != nil || len(rs) == 0 {
		t.Errorf("missing folder: %v, %d rules", err, len(rs))
	}
}

func TestSuggestAndPatterns(t *testing.T) {
	rules := mustRules(t, `rules:
  - id: fix-a
    reason: a
    match: {pattern: boom}
    edits: [{kind: config, overrides: {a: 1}}]
  - id: speed-cpu
    kind: optimization
    reason: faster
    match: {platforms: [cpu]}
    edits: [{kind: batch, max_batch: 2}]
  - id: by-hand
    kind: manual
    reason: needs a person
    match: {pattern: "odd"}
    steps: [do it]
`)
	fs := []Failure{
		{TestID: "a@cpu", Architecture: "a", Hardware: "cpu", Status: "fail", Fingerprint: "f1", Signature: "boom <n>"},
		{TestID: "b@cpu", Architecture: "b", Hardware: "cpu", Status: "fail", Fingerprint: "f1", Signature: "boom <n>"},
		{TestID: "c@cpu", Architecture: "c", Hardware: "cpu", Status: "fail", Fingerprint: "f2", Signature: "odd"},
		{TestID: "d@cpu", Architecture: "d", Hardware: "cpu", Status: "pass"},
	}
	fix := Suggest(rules, fs, "")
	if len(fix) != 2 || fix[0].Rule.ID != "fix-a" || len(fix[0].Tests) != 2 || fix[1].Rule.ID != "speed-cpu" || len(fix[1].Tests) != 1 {
		t.Errorf("Suggest = %+v", fix)
	}
	if opt := Suggest(rules, fs, KindOptimization); len(opt) != 1 || opt[0].Tests[0].TestID != "d@cpu" {
		t.Errorf("optimization: %+v", opt)
	}
	if man := Suggest(rules, fs, KindManual); len(man) != 1 || man[0].Rule.ID != "by-hand" {
		t.Errorf("manual: %+v", man)
	}
	ps := Patterns(rules, fs)
	if len(ps) != 2 || ps[0].Fingerprint != "f1" || ps[0].Count != 2 || strings.Join(ps[0].Rules, ",") != "fix-a" ||
		strings.Join(ps[1].Rules, ",") != "by-hand" {
		t.Errorf("Patterns = %+v", ps)
	}
}
