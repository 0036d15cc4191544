package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testing/ghfake"
	"github.com/hwcov/hwcov/reporter"
)

// inProcess runs hwcov in this process against a fake GitHub, with retry
// waits recorded instead of slept.
type inProcess struct {
	t      *testing.T
	srv    *ghfake.Server
	env    map[string]string
	mu     sync.Mutex
	sleeps []time.Duration
}

func newInProcess(t *testing.T, fo ghfake.Options) *inProcess {
	srv := ghfake.NewT(t, fo)
	p := &inProcess{t: t, srv: srv, env: map[string]string{
		"GITHUB_API_URL": srv.URL, "GITHUB_TOKEN": srv.Token(), "GITHUB_REPOSITORY": srv.Repo(),
		"HWCOV_CACHE_DIR": filepath.Join(t.TempDir(), "cache"),
	}}
	old := githubRetry
	githubRetry = ghapi.Retry{Sleep: func(ctx context.Context, d time.Duration) error {
		p.mu.Lock()
		p.sleeps = append(p.sleeps, d)
		p.mu.Unlock()
		return nil
	}}
	t.Cleanup(func() { githubRetry = old })
	return p
}

// run runs hwcov with args and returns the exit code, stdout and stderr,
// failing the test if the token shows in either.
func (p *inProcess) run(args ...string) (int, string, string) {
	p.t.Helper()
	var out, errb bytes.Buffer
	f := NewFactory(strings.NewReader(""), &out, &errb)
	f.Getenv = func(k string) string { return p.env[k] }
	code := MainWith(f, args)
	if err := p.srv.Leaks(out.String(), errb.String()); err != nil {
		p.t.Errorf("hwcov %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String(), errb.String()
}

func (p *inProcess) waits() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.sleeps)
}

// twoDBs writes the base and head of the compare.txtar fixture.
func twoDBs(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	base, head := filepath.Join(dir, "base.duckdb"), filepath.Join(dir, "head.duckdb")
	if err := writeDB(base, []byte(`{"runs": [{"id": "b", "sha": "aaaa", "ref": "refs/heads/main", "at": "2025-03-01T12:00:00Z"}],
		"results": [{"run": "b", "test": "bert@cpu/fp32/b1/s128", "ms": 10, "n": 10},
		            {"run": "b", "test": "vit@cpu/fp32/b1/s224", "ms": 10, "n": 10}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := writeDB(head, []byte(`{"runs": [{"id": "h", "sha": "bbbb", "pr": 7, "at": "2025-03-02T12:00:00Z"}],
		"results": [{"run": "h", "test": "bert@cpu/fp32/b1/s128", "ms": 10, "n": 10},
		            {"run": "h", "test": "vit@cpu/fp32/b1/s224", "status": "fail", "error": "boom"}]}`)); err != nil {
		t.Fatal(err)
	}
	return base, head
}

func TestCommentSecondaryLimit(t *testing.T) {
	p := newInProcess(t, ghfake.Options{})
	base, head := twoDBs(t)
	// A secondary limit without Retry-After on the create: wait a minute, then
	// two minutes; a primary limit: until its reset.
	p.srv.Fail(2, ghfake.Fault{Operation: "issues/create-comment", Status: 403,
		Message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."})
	p.srv.Fail(1, ghfake.PrimaryLimit(90*time.Second))
	code, out, errs := p.run("comment", "--pr", "5", "--base", base, "--head", head, "--fail-on", "none")
	if code != ExitOK || !strings.HasPrefix(out, "comment created: ") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	w := p.waits()
	if len(w) != 3 || w[0] < 80*time.Second || w[0] > 100*time.Second || w[1] != time.Minute || w[2] != 2*time.Minute {
		t.Errorf("waits = %v, want [~91s 1m 2m]", w)
	}
	if cs := p.srv.Comments(5); len(cs) != 1 {
		t.Errorf("comments = %d", len(cs))
	}
	if !strings.Contains(errs, "secondary rate limit (403); retrying in 1m0s (attempt 2 of 5)") {
		t.Errorf("stderr:\n%s", errs)
	}
}

func TestCommentRetriesGiveUp(t *testing.T) {
	p := newInProcess(t, ghfake.Options{})
	base, head := twoDBs(t)
	f := ghfake.ServerError(502)
	f.Message = "bad gateway while serving token " + p.srv.Token() // GitHub echoing the token must not leak it
	p.srv.Fail(5, f)
	code, _, errs := p.run("comment", "--pr", "5", "--base", base, "--head", head)
	if code != ExitInternal || !strings.Contains(errs, "hwcov: get the authenticated user: 502 bad gateway while serving token ***") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
	if len(p.waits()) != 4 {
		t.Errorf("waits = %v, want 4 (5 attempts)", p.waits())
	}
	if cs := p.srv.Comments(5); len(cs) != 0 {
		t.Errorf("comments = %d", len(cs))
	}
}

// TestCommentIdempotent runs `hwcov comment` three times on the same results:
// one comment, never edited; then once on new results: edited once.
func TestCommentIdempotent(t *testing.T) {
	p := newInProcess(t, ghfake.Options{})
	base, head := twoDBs(t)
	for i := range 3 {
		code, out, errs := p.run("comment", "--pr", "8", "--base", base, "--head", head, "--fail-on", "none")
		want := []string{"comment created: ", "comment unchanged: ", "comment unchanged: "}[i]
		if code != ExitOK || !strings.HasPrefix(out, want) {
			t.Fatalf("run %d: exit %d, %q, %s", i+1, code, out, errs)
		}
	}
	if n := p.srv.Count("issues/update-comment"); n != 0 {
		t.Errorf("PATCH requests after 3 identical runs = %d, want 0", n)
	}
	code, out, _ := p.run("comment", "--pr", "8", "--base", base, "--head", head, "--fail-on", "none", "--threshold", "25")
	if code != ExitOK || !strings.HasPrefix(out, "comment updated: ") {
		t.Fatalf("changed: %d %q", code, out)
	}
	if n := p.srv.Count("issues/update-comment"); n != 1 {
		t.Errorf("PATCH requests = %d, want 1", n)
	}
	if cs := p.srv.Comments(8); len(cs) != 1 || cs[0].Edits != 1 {
		t.Errorf("comments = %+v", cs)
	}
}

// TestComment400x9 posts the comment of a 400-architecture × 9-platform run
// (a third of it failing, the rest slower) through the fake, which refuses a
// body over 65,536 characters. The results are built in memory: writing 7,200
// rows to DuckDB one commit at a time takes a minute on a small machine.
func TestComment400x9(t *testing.T) {
	p := newInProcess(t, ghfake.Options{})
	hw := []string{"cpu", "cuda", "rocm", "mps", "openvino", "onnxruntime", "qualcomm", "webnn", "webgpu"}
	var base, head []results.Result
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	samples := func(ms float64) []float64 {
		var s []float64
		for j := range 12 {
			s = append(s, ms*(0.98+0.04*float64(j)/11))
		}
		return s
	}
	for a := range 400 {
		for i, pl := range hw {
			id := fmt.Sprintf("arch%03d@%s/fp32/b1/s128", a, pl)
			r := results.Result{RunID: "b", TestID: id, Architecture: fmt.Sprintf("arch%03d", a), Hardware: pl,
				Status: results.StatusPass, Attempt: 1, FinishedAt: at, SamplesMS: samples(10)}
			base = append(base, r)
			r.RunID, r.FinishedAt, r.SamplesMS = "h", at.Add(time.Hour), samples(13)
			if i%3 == 0 {
				r.Status, r.SamplesMS = results.StatusFail, nil
				r.ErrorMessage = "RuntimeError: a long error message that repeats itself to fill the comment, on and on and on"
			}
			head = append(head, r)
		}
	}
	rep, err := compare.Compare(base, head, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := reporter.BuildMatrix(reporter.MatrixInput{Results: head, Platforms: hw})
	body := reporter.RenderComment(reporter.ReportInput{Report: rep, Matrix: &m, Chart: true,
		DetailsURL: "https://github.example.com/octo/hwcov-demo/actions/runs/1"})

	f := NewFactory(strings.NewReader(""), io.Discard, io.Discard)
	f.Getenv = func(k string) string { return p.env[k] }
	gh, err := githubClient(f)
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := ghapi.ParseRepo(p.srv.Repo())
	res, err := gh.UpsertComment(context.Background(), repo, 9, body, ghapi.CommentOptions{Marker: reporter.CommentMarker})
	if err != nil || res.Action != ghapi.CommentCreated {
		t.Fatalf("%+v %v", res, err)
	}
	cs := p.srv.Comments(9)
	if len(cs) != 1 || cs[0].Body != body {
		t.Fatalf("comments = %d", len(cs))
	}
	if n := utf8.RuneCountInString(body); n > reporter.MaxCommentChars {
		t.Errorf("body is %d characters", n)
	}
	for _, want := range []string{"### hwcov: ❌ 1,200 new failures, 2,400 regressions", "[the full report](https://github.example.com/octo/hwcov-demo/actions/runs/1) has them all"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
}
