package patch

import (
	"strings"
	"testing"
)

func TestSelectAndJudge(t *testing.T) {
	rule := mustRules(t, "rules:\n  - {id: r, reason: x, match: {pattern: boom}, edits: [{kind: batch, max_batch: 1}]}\n")[0]
	applied := AppliedRule{Rule: rule, Edits: []FileEdit{{File: "hardware/cpu.py.tmpl"}},
		Tests: []Failure{{TestID: "a@cpu", Architecture: "a", Hardware: "cpu", Status: "fail", Fingerprint: "f1", RunID: "r1", Revision: "old"}}}
	all := []Failure{applied.Tests[0]}
	for _, id := range []string{"b", "c", "d", "e", "f"} {
		all = append(all, Failure{TestID: id + "@cpu", Architecture: id, Hardware: "cpu", Status: "pass", RunID: "r1"})
	}
	all = append(all, Failure{TestID: "g@cuda", Architecture: "g", Hardware: "cuda", Status: "pass"})
	chain := func(f Failure) ([]string, bool) {
		return []string{"base.py.tmpl", "hardware/" + f.Hardware + ".py.tmpl"}, true
	}
	sels := Select([]AppliedRule{applied}, all, chain, 2)
	if len(sels) != 1 || len(sels[0].Targets) != 1 || len(sels[0].Controls) != 2 ||
		sels[0].Controls[0].TestID != "b@cpu" || sels[0].Controls[1].TestID != "d@cpu" {
		t.Fatalf("Select = %+v", sels)
	}
	tests := []struct {
		name  string
		after map[string]Failure
		kept  bool
		why   string
	}{
		{"fixed, controls pass", map[string]Failure{"a@cpu": {Status: "pass", Revision: "new"}, "b@cpu": {Status: "pass"}, "d@cpu": {Status: "pass"}},
			true, "kept: fixed 1 of 1 failing tests, 2 control tests still pass"},
		{"declared unsupported counts as fixed", map[string]Failure{"a@cpu": {Status: "skip", Message: "declared unsupported on cpu: x"}, "b@cpu": {Status: "pass"}, "d@cpu": {Status: "pass"}},
			true, "kept"},
		{"fixes nothing", map[string]Failure{"a@cpu": {Status: "fail"}, "b@cpu": {Status: "pass"}, "d@cpu": {Status: "pass"}},
			false, "dropped: fixed none of 1 failing tests"},
		{"breaks a control", map[string]Failure{"a@cpu": {Status: "pass"}, "b@cpu": {Status: "fail"}, "d@cpu": {Status: "pass"}},
			false, "dropped: broke 1 of 2 control tests"},
		{"a control not re-run is broken", map[string]Failure{"a@cpu": {Status: "pass"}, "b@cpu": {Status: "pass"}},
			false, "dropped: broke 1 of 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(sels[0], tt.after, "r2")
			if v.Kept != tt.kept || !strings.HasPrefix(v.Why, tt.why) {
				t.Errorf("kept %v %q, want %v %q", v.Kept, v.Why, tt.kept, tt.why)
			}
			if d := Discard([]Verdict{v}); v.Kept == (len(d) > 0) {
				t.Errorf("Discard = %v for kept=%v", d, v.Kept)
			}
			if o := v.Tests[0]; o.Role != RoleTarget || o.StatusBefore != "fail" || o.RunBefore != "r1" || o.RunAfter != "r2" || o.RevisionBefore != "old" {
				t.Errorf("outcome %+v", o)
			}
			if strings.Join(v.Fingerprints, ",") != "f1" || strings.Join(v.Files, ",") != "hardware/cpu.py.tmpl" {
				t.Errorf("verdict %+v", v)
			}
		})
	}
}

func TestReverts(t *testing.T) {
	a := AppliedRule{Rule: Rule{ID: "r"}, Edits: []FileEdit{
		{File: "family/x.py.tmpl", Existed: false, After: "new"},
		{File: "hardware/cpu.py.tmpl", Existed: true, Before: "old", After: "patched"},
	}}
	cur := map[string]string{"family/x.py.tmpl": "new", "hardware/cpu.py.tmpl": "patched"}
	read := func(n string) (string, bool, error) { s, ok := cur[n]; return s, ok, nil }
	rs, err := Reverts(a, read)
	if err != nil || len(rs) != 2 || !rs[0].Remove || rs[1].Src != "old" || rs[1].Remove {
		t.Fatalf("Reverts = %+v, %v", rs, err)
	}
	cur["hardware/cpu.py.tmpl"] = "edited by a person"
	rs, err = Reverts(a, read)
	if err == nil || !strings.Contains(err.Error(), "hardware/cpu.py.tmpl changed after it was applied") || len(rs) != 1 {
		t.Errorf("Reverts = %+v, %v", rs, err)
	}
}
