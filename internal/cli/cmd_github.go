package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/ghapi"
)

// githubRetry tunes the GitHub client's retries; tests set Sleep so that
// rate limits do not make them wait.
var githubRetry ghapi.Retry

// githubClient builds the GitHub client from GITHUB_API_URL and
// GITHUB_TOKEN, logging retries to stderr.
func githubClient(f *Factory) (*ghapi.Client, error) {
	opts := ghapi.OptionsFromEnv(f.Getenv)
	if opts.Token == "" {
		return nil, usagef("in a workflow: env: { GITHUB_TOKEN: ${{ github.token }} }", "GITHUB_TOKEN is not set")
	}
	if f.HTTP != nil && f.HTTP.Transport != nil {
		opts.Transport = f.HTTP.Transport
	}
	opts.UserAgent = "hwcov/" + version()
	opts.Retry = githubRetry
	opts.Log = func(s string) { fmt.Fprintln(f.Err, "hwcov: "+s) }
	c, err := ghapi.New(opts)
	if err != nil {
		return nil, usagef("unset GITHUB_API_URL for github.com, or set https://HOST/api/v3 for GitHub Enterprise Server", "%v", err)
	}
	return c, nil
}

// githubRepo is --repo, else $GITHUB_REPOSITORY.
func githubRepo(f *Factory, flag string) (ghapi.Repo, error) {
	s := flag
	if s == "" {
		s = f.Getenv("GITHUB_REPOSITORY")
	}
	if s == "" {
		return ghapi.Repo{}, usagef("--repo owner/name", "no repository: pass --repo or set GITHUB_REPOSITORY")
	}
	r, err := ghapi.ParseRepo(s)
	if err != nil {
		return r, usagef("--repo owner/name", "%v", err)
	}
	return r, nil
}

// githubSession is githubRepo and githubClient together: what every command
// that calls GitHub starts with.
func githubSession(f *Factory, repoFlag string) (ghapi.Repo, *ghapi.Client, error) {
	repo, err := githubRepo(f, repoFlag)
	if err != nil {
		return repo, nil, err
	}
	gh, err := githubClient(f)
	return repo, gh, err
}

// githubError gives GitHub errors a hint by status.
func githubError(err error) error {
	var ge *ghapi.Error
	if errors.As(err, &ge) {
		switch ge.Status {
		case http.StatusUnauthorized:
			return usagef("check GITHUB_TOKEN", "%v", err)
		case http.StatusForbidden, http.StatusNotFound:
			return usagef("give the job permissions: pull-requests: write, checks: write, actions: read", "%v", err)
		}
	}
	return err
}

// maxEventBytes caps the event payload read ($GITHUB_EVENT_PATH).
const maxEventBytes = 25 << 20

// event is the part of a GitHub Actions event payload hwcov reads.
type event struct {
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

// readEventOr reads the event payload at flag, else at $GITHUB_EVENT_PATH
// (nil when neither is set).
func readEventOr(f *Factory, flag string) (*event, error) {
	if flag == "" {
		flag = f.Getenv("GITHUB_EVENT_PATH")
	}
	return readEvent(flag)
}

// readEvent reads the event payload at path ("" for none).
func readEvent(path string) (*event, error) {
	if path == "" {
		return nil, nil
	}
	data, err := readCapped(path, maxEventBytes)
	if err != nil {
		return nil, usagef("pass --event-path $GITHUB_EVENT_PATH, or --pr N", "read the event payload: %v", err)
	}
	var ev event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, usagef("pass --event-path $GITHUB_EVENT_PATH, or --pr N", "event payload %q is not JSON: %v", path, err)
	}
	return &ev, nil
}

// prNumber is the pull request an event is about, 0 for none.
func (e *event) prNumber() int {
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

// headSHA is the commit an event's results are of: the pull request's head,
// or the workflow run's.
func (e *event) headSHA() string {
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

// readCapped reads at most limit bytes of path; a longer file is an error.
func readCapped(path string, limit int64) ([]byte, error) {
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

// prRecord is what a pull_request job hands the workflow_run comment job
// (action.PR): the number, and for cross-checks the head commit, base
// branch and run id. All of it is untrusted.
type prRecord struct {
	Number  int
	HeadSHA string
	BaseRef string
	RunID   string
}

// readPRFile reads a pull request record from an untrusted file of at most
// 1 KiB: a bare positive integer ("42\n"), or a JSON object with "number" (a
// positive integer) and optionally "head_sha", "base_ref" and "run_id",
// each checked against its shape, and nothing else.
func readPRFile(path string) (prRecord, error) {
	hint := "write it in the pull_request job, e.g. with the action's report command (output pr)"
	bad := func(why string) (prRecord, error) {
		return prRecord{}, usagef(hint, "pull request file %q: %s; refusing it", path, why)
	}
	data, err := readCapped(path, maxPRFileBytes)
	if err != nil {
		return prRecord{}, usagef(hint, "read the pull request file: %v", err)
	}
	s := strings.TrimSpace(string(data))
	if prDigits.MatchString(s) {
		n, err := strconv.Atoi(s)
		if err != nil || n > 1<<31-1 {
			return bad("the number is out of range")
		}
		return prRecord{Number: n}, nil
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
	rec := prRecord{Number: n}
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
