package patch

import (
	"bytes"
	"testing"

	"github.com/hwcov/hwcov/internal/botpr"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

func TestProposals(t *testing.T) {
	rules := mustRules(t, `rules:
  - {id: cap, version: 2, title: Cap the batch, reason: OOM at batch 8, match: {pattern: boom}, edits: [{kind: batch, max_batch: 1}]}
  - {id: dropped, reason: y, match: {pattern: boom}, edits: [{kind: batch, max_batch: 2}]}
  - {id: gone, version: 3, reason: z, match: {pattern: vanished}, edits: [{kind: batch, max_batch: 1}]}
  - {id: fast, kind: optimization, reason: o, match: {statuses: [pass]}, edits: [{kind: batch, max_batch: 4}]}
`)
	latest := []Failure{
		{TestID: "a@cpu", Architecture: "a", Hardware: "cpu", Status: "fail", Message: "boom", Fingerprint: "f1", RunID: "r1", Revision: "old"},
		{TestID: "b@cpu", Architecture: "b", Hardware: "cpu", Status: "pass", RunID: "r1", Revision: "old"},
	}
	applied := AppliedRule{Rule: rules[0], Tests: latest[:1], Edits: []FileEdit{
		{File: "hardware/cpu.py.tmpl", Existed: true, Before: "x\n", After: "x\ncap\n"}}}
	sel := Selected{Rule: applied, Targets: latest[:1], Controls: latest[1:]}
	after := map[string]Failure{"a@cpu": {Status: "pass", Revision: "new"}, "b@cpu": {Status: "pass", Revision: "new"}}
	kept := Judge(sel, after, "r2")
	drop := Judge(Selected{Rule: AppliedRule{Rule: rules[1]}, Targets: latest[:1]}, map[string]Failure{}, "r2")
	in := Proposals(Verified{Verdicts: []Verdict{kept, drop}, Applied: map[string]AppliedRule{"cap": applied, "dropped": {Rule: rules[1], Edits: applied.Edits}},
		TemplatesDir: ".hwcov/templates", Rules: rules, Latest: latest, Hardware: []string{"cpu"}})
	var got []string
	for _, p := range in.Proposals {
		got = append(got, p.Rule)
	}
	// cap is kept; dropped is proposed as dropped (a veto when platforms
	// are merged); gone matches nothing: resolved; fast is no fix rule.
	if len(in.Proposals) != 3 || in.Proposals[0].Rule != "cap" || in.Proposals[0].Dropped != "" ||
		in.Proposals[1].Rule != "dropped" || in.Proposals[1].Dropped != "dropped: fixed none of 1 failing tests on cpu" ||
		in.Proposals[2].Rule != "gone" || !in.Proposals[2].Resolved {
		t.Fatalf("proposals %v: %+v", got, in.Proposals)
	}
	var buf bytes.Buffer
	if err := EncodeProposals(&buf, in); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if _, err := botpr.ReadInput(bytes.NewReader(b), "proposals.json"); err != nil {
		t.Fatalf("botpr cannot read what Proposals writes: %v", err)
	}
	testfs.Golden(t, b, *update)
}

func TestOnHardware(t *testing.T) {
	sels := []Selected{
		{Rule: AppliedRule{Rule: Rule{ID: "both"}}, Targets: []Failure{{TestID: "a@cpu", Hardware: "cpu"}, {TestID: "a@cuda", Hardware: "cuda"}},
			Controls: []Failure{{TestID: "b@cuda", Hardware: "cuda"}}},
		{Rule: AppliedRule{Rule: Rule{ID: "cpu-only"}}, Targets: []Failure{{TestID: "c@cpu", Hardware: "cpu"}}},
	}
	tests := []struct {
		hw   []string
		want []string // rule: targets+controls
	}{
		{nil, []string{"both:3", "cpu-only:1"}},
		{[]string{"cuda"}, []string{"both:2"}},
		{[]string{"cpu"}, []string{"both:1", "cpu-only:1"}},
		{[]string{"mps"}, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range OnHardware(sels, tt.hw) {
			got = append(got, s.Rule.Rule.ID+":"+string(rune('0'+len(s.Tests()))))
		}
		if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) || (len(got) > 1 && got[1] != tt.want[1]) {
			t.Errorf("OnHardware(%v) = %v, want %v", tt.hw, got, tt.want)
		}
	}
	if len(sels[0].Targets) != 2 {
		t.Errorf("OnHardware changed its input: %+v", sels[0])
	}
}
