package planner

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenPlan is a small plan with history, skips and two shards per platform.
func goldenPlan(t *testing.T) *Plan {
	bench, _ := BenchmarkCells()
	m := mustMatrix(t, MatrixOptions{
		Architectures: fixtureArchs(),
		Platforms:     platforms(t, "cpu", "cuda", "webnn"),
		BatchSizes:    bench,
		SeqLens:       []int{128, 512},
	})
	history := map[string]float64{
		"bert@cpu/fp32/b1/s128":     12.5,
		"bert@cpu/fp32/b8/s512":     95,
		"llama@cpu/fp32/b8/s512":    310,
		"llama@cuda/fp16/b1/s128":   20,
		"whisper@cpu/fp32/b1/s128":  40,
		"vit@webnn/fp32/b1/s128":    8,
		"gpt2@cuda/fp16/b4/s512":    33,
		"videomae@cpu/fp32/b1/s128": 70,
	}
	return mustPlan(t, m, ShardOptions{Shards: 2, Durations: history})
}

func TestPlanGolden(t *testing.T) {
	b, err := goldenPlan(t).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, b)
}

func TestGitHubMatrixGolden(t *testing.T) {
	gm, err := goldenPlan(t).GitHubMatrix()
	if err != nil {
		t.Fatal(err)
	}
	b, err := gm.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var back GitHubMatrix
	if err := json.Unmarshal(b, &back); err != nil || len(back.Include) != 6 {
		t.Fatalf("matrix does not read back: %v, %d entries", err, len(back.Include))
	}
	golden(t, append(b, '\n'))
}

func TestPlanRoundTrip(t *testing.T) {
	p := goldenPlan(t)
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := q.Marshal()
	if string(b) != string(b2) {
		t.Error("plan changes on a round trip")
	}
	s, err := q.Shard("cuda-2of2")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := s.TestIDs()
	if err != nil || len(ids) != len(s.Tests) || ids[0].Hardware != "cuda" {
		t.Errorf("TestIDs = %v, %v", ids, err)
	}
	_, err = q.Shard("cuda-3of2")
	var ue *UnknownShardError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "cpu-1of2, cpu-2of2, cuda-1of2") {
		t.Errorf("unknown shard: %v", err)
	}
}

func TestParsePlanErrors(t *testing.T) {
	valid := `{"version":1,"shards":[{"id":"cpu-1of1","hardware":"cpu","runs-on":["self-hosted","cpu"],"index":1,"total":1,"est_seconds":60,"tests":["bert@cpu/fp32/b1/s128"]}],"skipped":[]}`
	if _, err := ParsePlan([]byte(valid)); err != nil {
		t.Fatalf("valid plan: %v", err)
	}
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", `shards:`, "not a plan (invalid character"},
		{"no version", `{"shards":[]}`, `no "version" field`},
		{"newer version", `{"version":2,"shards":[],"extra":1}`, "version 2 is newer"},
		{"old version", `{"version":0,"shards":[]}`, "version 0 is not supported"},
		{"unknown field", strings.Replace(valid, `"skipped"`, `"skiped"`, 1), `unknown field "skiped"`},
		{"trailing data", valid + `{}`, "trailing data"},
		{"bad test id", strings.Replace(valid, "b1/s128", "1/128", 1), "want model@hardware"},
		{"test on another platform", strings.Replace(valid, "bert@cpu", "bert@cuda", 1), "is not on cpu"},
		{"non-canonical id", strings.Replace(valid, "b1/s128", "b01/s128", 1), "canonical"},
		{"index out of range", strings.Replace(valid, `"index":1`, `"index":2`, 1), "index 2 of 1"},
		{"missing shard", strings.Replace(valid, `"total":1`, `"total":2`, 1), "cpu has 1 of its 2 shards"},
		{"label with a space", strings.Replace(valid, `"self-hosted"`, `"self hosted"`, 1), "one non-empty word"},
		{"no labels", strings.Replace(valid, `["self-hosted","cpu"]`, `[]`, 1), "no runner labels"},
		{"bad shard id", strings.Replace(valid, `"cpu-1of1"`, `"cpu 1/1"`, 1), "id must be"},
		{"duplicate test", strings.Replace(valid, `["bert@cpu/fp32/b1/s128"]`, `["bert@cpu/fp32/b1/s128","bert@cpu/fp32/b1/s128"]`, 1), "also in shard"},
		{"skip without reason", strings.Replace(valid, `"skipped":[]`, `"skipped":[{"test":"x@cpu"}]`, 1), "needs test and reason"},
	}
	for _, tt := range tests {
		_, err := ParsePlan([]byte(tt.doc))
		var pe *PlanFileError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want a *PlanFileError containing %q", tt.name, err, tt.want)
		}
	}
}

func TestGitHubMatrixErrors(t *testing.T) {
	if _, err := (&Plan{Version: PlanVersion}).GitHubMatrix(); !errors.Is(err, ErrNoJobs) {
		t.Errorf("empty plan: %v, want ErrNoJobs", err)
	}
	p := goldenPlan(t)
	p.Shards[3].RunsOn = []string{"self-hosted", "gpu,big"}
	var le *LabelError
	if _, err := p.GitHubMatrix(); !errors.As(err, &le) || le.Platform != "cuda" {
		t.Errorf("bad label: %v, want a *LabelError naming cuda", err)
	}
	big := &Plan{Version: PlanVersion, Shards: make([]Shard, MaxJobs+1)}
	if _, err := big.GitHubMatrix(); err == nil || !strings.Contains(err.Error(), "at most 256") {
		t.Errorf("257 shards: %v", err)
	}
}

func TestReadPlanFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadPlanFile(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	var pe *PlanFileError
	if _, err := ReadPlanFile(bad); !errors.As(err, &pe) || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad plan: err = %v, want a *PlanFileError naming %s", err, bad)
	}
}
