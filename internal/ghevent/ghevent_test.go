package ghevent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExpectedHead(t *testing.T) {
	ev := &Event{WorkflowRun: &struct {
		ID           int64  `json:"id"`
		HeadSHA      string `json:"head_sha"`
		Event        string `json:"event"`
		PullRequests []struct {
			Number int `json:"number"`
		} `json:"pull_requests"`
	}{ID: 99, HeadSHA: "abc1234"}}
	tests := []struct {
		name    string
		rec     PR
		ev      *Event
		expect  string
		runID   int64
		head    string
		refusal string
		err     bool
	}{
		{"from the event", PR{Number: 7, HeadSHA: "ABC1234", RunID: "99"}, ev, "", 0, "abc1234", "", false},
		{"flag wins", PR{Number: 7}, ev, "def5678", 0, "def5678", "", false},
		{"other run", PR{Number: 7, RunID: "98"}, ev, "", 0, "", "of run 98, not of run 99", false},
		{"run flag", PR{Number: 7, RunID: "98"}, ev, "", 98, "abc1234", "", false},
		{"other commit", PR{Number: 7, HeadSHA: "fff0000"}, ev, "", 0, "", "names commit fff0000", false},
		{"no head to check against", PR{Number: 7}, nil, "", 0, "", "", true},
	}
	for _, tt := range tests {
		head, refusal, err := tt.rec.ExpectedHead(tt.ev, tt.expect, tt.runID)
		if head != tt.head || (tt.refusal == "") != (refusal == "") || !strings.Contains(refusal, tt.refusal) || (err != nil) != tt.err {
			t.Errorf("%s: got %q, %q, %v", tt.name, head, refusal, err)
		}
	}
}

func TestPRFromEvent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "event.json")
	os.WriteFile(path, []byte(`{"number": 7, "pull_request": {"number": 7, "head": {"sha": "abc1234"}}}`), 0o644)
	env := map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": path, "GITHUB_BASE_REF": "main", "GITHUB_RUN_ID": "99"}
	pr, ok, err := PRFromEvent(func(k string) string { return env[k] })
	if err != nil || !ok || pr != (PR{Number: 7, HeadSHA: "abc1234", BaseRef: "main", RunID: "99"}) {
		t.Errorf("PRFromEvent = %+v, %v, %v", pr, ok, err)
	}
	env["GITHUB_EVENT_NAME"] = "push"
	if _, ok, err := PRFromEvent(func(k string) string { return env[k] }); ok || err != nil {
		t.Errorf("push event: ok %v, err %v", ok, err)
	}
	b, _ := pr.Marshal()
	back, err := func() (PR, error) {
		p := filepath.Join(dir, "pr.json")
		os.WriteFile(p, b, 0o644)
		return ReadPRFile(p)
	}()
	if err != nil || back != pr {
		t.Errorf("ReadPRFile(Marshal) = %+v, %v", back, err)
	}
}

func TestResolveTarget(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pr.json")
	os.WriteFile(file, []byte(`{"number": 9, "head_sha": "abc1234"}`), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("nine"), 0o644)
	var ev *Event
	if err := json.Unmarshal([]byte(`{"pull_request": {"number": 7}}`), &ev); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		number int
		file   string
		ev     *Event
		want   Target
		err    bool
	}{
		{"flag", 42, "", ev, Target{Number: 42}, false},
		{"event", 0, "", ev, Target{Number: 7}, false},
		{"no event", 0, "", nil, Target{}, false},
		{"file", 0, file, ev, Target{Number: 9, Record: PR{Number: 9, HeadSHA: "abc1234"}, FromFile: true}, false},
		{"bad file", 0, bad, ev, Target{}, true},
	}
	for _, tt := range tests {
		got, err := ResolveTarget(tt.number, tt.file, tt.ev)
		if (err != nil) != tt.err || (!tt.err && got != tt.want) {
			t.Errorf("%s: ResolveTarget = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}
