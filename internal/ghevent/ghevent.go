package ghevent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/hwerr"
)

// maxEventBytes caps the event payload read ($GITHUB_EVENT_PATH).
const maxEventBytes = 25 << 20

// Event is the part of a GitHub Actions event payload hwcov reads.
type Event struct {
	Number      int `json:"number"`
	PullRequest *struct {
		Number int `json:"number"`
		Head   struct {
			SHA string `json:"sha"`
		} `json:"head"`
		Base struct {
			SHA string `json:"sha"`
			Ref string `json:"ref"`
		} `json:"base"`
	} `json:"pull_request"`
	Issue *struct {
		Number      int             `json:"number"`
		PullRequest json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	WorkflowRun *struct {
		ID           int64  `json:"id"`
		HeadSHA      string `json:"head_sha"`
		Event        string `json:"event"`
		PullRequests []struct {
			Number int `json:"number"`
		} `json:"pull_requests"`
	} `json:"workflow_run"`
}

// ReadOr reads the event payload at path, else at $GITHUB_EVENT_PATH
// (nil when neither is set).
func ReadOr(getenv func(string) string, path string) (*Event, error) {
	if path == "" {
		path = getenv("GITHUB_EVENT_PATH")
	}
	return Read(path)
}

// Read reads the event payload at path ("" for none).
func Read(path string) (*Event, error) {
	if path == "" {
		return nil, nil
	}
	data, err := ReadCapped(path, maxEventBytes)
	if err != nil {
		return nil, hwerr.Usagef("pass --event-path $GITHUB_EVENT_PATH, or --pr N", "read the event payload: %v", err)
	}
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, hwerr.Usagef("pass --event-path $GITHUB_EVENT_PATH, or --pr N", "event payload %q is not JSON: %v", path, err)
	}
	return &ev, nil
}

// PRNumber is the pull request an event is about, 0 for none.
func (e *Event) PRNumber() int {
	switch {
	case e == nil:
		return 0
	case e.PullRequest != nil && e.PullRequest.Number > 0:
		return e.PullRequest.Number
	case e.Issue != nil && len(e.Issue.PullRequest) > 0 && string(e.Issue.PullRequest) != "null":
		return e.Issue.Number
	case e.WorkflowRun != nil && len(e.WorkflowRun.PullRequests) > 0:
		return e.WorkflowRun.PullRequests[0].Number
	}
	return 0
}

// HeadSHA is the commit an event's results are of: the pull request's head,
// or the workflow run's.
func (e *Event) HeadSHA() string {
	switch {
	case e == nil:
		return ""
	case e.PullRequest != nil:
		return e.PullRequest.Head.SHA
	case e.WorkflowRun != nil:
		return e.WorkflowRun.HeadSHA
	}
	return ""
}

// ReadCapped reads at most limit bytes of path; a longer file is an error.
func ReadCapped(path string, limit int64) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

// maxPRFileBytes caps a pull request number file: it comes from an artifact
// a fork's run uploaded, so it is untrusted.
const maxPRFileBytes = 1024

var (
	prDigits  = regexp.MustCompile(`^[1-9][0-9]{0,9}$`)
	shaRe     = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
	runIDRe   = regexp.MustCompile(`^[0-9]{1,20}$`)
	refNameRe = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,255}$`)
)

// PR is what a pull_request job hands the workflow_run comment job: the number, and for cross-checks the head commit, base
// branch and run id. All of it is untrusted.
type PR struct {
	Number  int    `json:"number"`
	HeadSHA string `json:"head_sha"`
	BaseRef string `json:"base_ref"`
	RunID   string `json:"run_id"`
}

// ReadPRFile reads a pull request record from an untrusted file of at most
// 1 KiB: a bare positive integer ("42\n"), or a JSON object with "number" (a
// positive integer) and optionally "head_sha", "base_ref" and "run_id",
// each checked against its shape, and nothing else.
func ReadPRFile(path string) (PR, error) {
	hint := "write it in the pull_request job, e.g. with the action's report command (output pr)"
	bad := func(why string) (PR, error) {
		return PR{}, hwerr.Usagef(hint, "pull request file %q: %s; refusing it", path, why)
	}
	data, err := ReadCapped(path, maxPRFileBytes)
	if err != nil {
		return PR{}, hwerr.Usagef(hint, "read the pull request file: %v", err)
	}
	s := strings.TrimSpace(string(data))
	if prDigits.MatchString(s) {
		n, err := strconv.Atoi(s)
		if err != nil || n > 1<<31-1 {
			return bad("the number is out of range")
		}
		return PR{Number: n}, nil
	}
	if !strings.HasPrefix(s, "{") {
		return bad("want one positive integer, or a JSON object with \"number\"")
	}
	var v struct {
		Number  json.Number `json:"number"`
		HeadSHA *string     `json:"head_sha"`
		BaseRef *string     `json:"base_ref"`
		RunID   *string     `json:"run_id"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return bad("not the expected JSON object: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("trailing data after the JSON object")
	}
	n, err := strconv.Atoi(v.Number.String())
	if !prDigits.MatchString(v.Number.String()) || err != nil || n > 1<<31-1 {
		return bad("\"number\" must be a positive integer")
	}
	rec := PR{Number: n}
	for _, f := range []struct {
		v    *string
		re   *regexp.Regexp
		name string
		dst  *string
	}{{v.HeadSHA, shaRe, "head_sha", &rec.HeadSHA}, {v.BaseRef, refNameRe, "base_ref", &rec.BaseRef}, {v.RunID, runIDRe, "run_id", &rec.RunID}} {
		if f.v == nil || *f.v == "" {
			continue
		}
		if !f.re.MatchString(*f.v) {
			return bad(fmt.Sprintf("%q has an unexpected shape", f.name))
		}
		*f.dst = *f.v
	}
	return rec, nil
}

// PRFromEvent is the record of a pull_request (or pull_request_target) run:
// the number and head from the event, the base branch and run id from the
// environment; ok is false for other events.
func PRFromEvent(getenv func(string) string) (rec PR, ok bool, err error) {
	name := getenv("GITHUB_EVENT_NAME")
	if name != "pull_request" && name != "pull_request_target" {
		return PR{}, false, nil
	}
	ev, err := Read(getenv("GITHUB_EVENT_PATH"))
	if err != nil {
		return PR{}, false, err
	}
	n := ev.PRNumber()
	if n < 1 && ev != nil {
		n = ev.Number
	}
	if n < 1 {
		return PR{}, false, nil
	}
	return PR{Number: n, HeadSHA: ev.HeadSHA(), BaseRef: getenv("GITHUB_BASE_REF"), RunID: getenv("GITHUB_RUN_ID")}, true, nil
}

// Marshal is the record as the PR file holds it: indented JSON and a newline.
func (p PR) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	return append(b, '\n'), err
}

// ExpectedHead is the commit a pull request's head must be for an untrusted
// record rec to be commented on: expect (--expect-head-sha), else the
// workflow_run's head from the event (written by GitHub, so trusted). A
// non-empty refusal says why the record is not this run's.
func (rec PR) ExpectedHead(ev *Event, expect string, runID int64) (head, refusal string, err error) {
	var evRun int64
	if ev != nil && ev.WorkflowRun != nil {
		if expect == "" {
			expect = ev.WorkflowRun.HeadSHA
		}
		evRun = ev.WorkflowRun.ID
	}
	if runID == 0 {
		runID = evRun
	}
	if expect == "" {
		return "", "", hwerr.Usagef("run it in the workflow_run job (its event names the head commit), or pass --expect-head-sha",
			"--pr-from-file needs the commit the results are of, to check the untrusted number against")
	}
	switch {
	case rec.RunID != "" && runID != 0 && rec.RunID != fmt.Sprint(runID):
		return "", fmt.Sprintf("the pull request file is of run %s, not of run %d", rec.RunID, runID), nil
	case rec.HeadSHA != "" && !strings.EqualFold(rec.HeadSHA, expect):
		return "", fmt.Sprintf("the pull request file names commit %s, the run is of %s", ShortSHA(rec.HeadSHA), ShortSHA(expect)), nil
	}
	return expect, "", nil
}

// ShortSHA is a commit's first 12 characters, "(none)" for none.
func ShortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	if s == "" {
		return "(none)"
	}
	return s
}

// Target is the pull request a command acts on, and where its number came
// from.
type Target struct {
	Number   int  // 0: no pull request
	Record   PR   // the untrusted record, when FromFile
	FromFile bool // the number came from a PR record file (a fork's artifact)
}

// ResolveTarget picks the pull request: number when set, else the one in
// the PR record file prFile (untrusted; checked by ReadPRFile), else the
// event's (ev may be nil).
func ResolveTarget(number int, prFile string, ev *Event) (Target, error) {
	t := Target{Number: number}
	if prFile != "" {
		rec, err := ReadPRFile(prFile)
		if err != nil {
			return t, err
		}
		t = Target{Number: rec.Number, Record: rec, FromFile: true}
	}
	if t.Number == 0 {
		t.Number = ev.PRNumber()
	}
	return t, nil
}
