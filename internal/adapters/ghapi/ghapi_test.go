package ghapi

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/testing/ghfake"
)

// sleeps records the waits the retry transport asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// setup starts a fake GitHub and a client for it.
func setup(t *testing.T, fo ghfake.Options) (*ghfake.Server, *Client, *sleeps, *strings.Builder) {
	t.Helper()
	srv := ghfake.NewT(t, fo)
	sl := &sleeps{}
	var log strings.Builder
	var logMu sync.Mutex
	c, err := New(Options{APIURL: srv.URL, Token: srv.Token(), Retry: Retry{Sleep: sl.sleep},
		Log: func(s string) { logMu.Lock(); log.WriteString(s + "\n"); logMu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Leaks(log.String()); err != nil {
			t.Errorf("retry log: %v", err)
		}
	})
	return srv, c, sl, &log
}

func repoOf(srv *ghfake.Server) Repo {
	r, _ := ParseRepo(srv.Repo())
	return r
}

func TestNew(t *testing.T) {
	if _, err := New(Options{}); !errors.Is(err, ErrNoToken) {
		t.Errorf("no token: %v", err)
	}
	if _, err := New(Options{Token: "x", APIURL: "ftp://example.com"}); err == nil {
		t.Error("ftp URL accepted")
	}
	for _, tc := range []struct{ api, base, upload string }{
		{"", "https://api.github.com/", "https://uploads.github.com/"},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/uploads/"},
		{"http://127.0.0.1:9/prefix/", "http://127.0.0.1:9/prefix/", "http://127.0.0.1:9/prefix/"},
	} {
		c, err := New(Options{Token: "x", APIURL: tc.api})
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseURL() != tc.base || c.GitHub().UploadURL.String() != tc.upload {
			t.Errorf("%q: base %s upload %s", tc.api, c.BaseURL(), c.GitHub().UploadURL)
		}
	}
	if _, err := ParseRepo("owner"); err == nil {
		t.Error("ParseRepo accepted owner")
	}
	if r, err := ParseRepo("o/n"); err != nil || r.String() != "o/n" {
		t.Errorf("ParseRepo: %v %v", r, err)
	}
}

func TestUpsertComment(t *testing.T) {
	srv, c, _, _ := setup(t, ghfake.Options{MaxPerPage: 2})
	ctx := context.Background()
	repo := repoOf(srv)
	// Noise: other people's comments, one of them quoting the marker.
	srv.AddComment(7, "alice", "LGTM")
	srv.AddComment(7, "mallory", CommentMarker+"\nfake results")
	srv.AddComment(7, "bob", "ping")

	body := CommentMarker + "\n## hwcov: ✅ no new failures\n"
	res, err := c.UpsertComment(ctx, repo, 7, body, CommentOptions{})
	if err != nil || res.Action != CommentCreated {
		t.Fatalf("first: %+v %v", res, err)
	}
	res2, err := c.UpsertComment(ctx, repo, 7, body, CommentOptions{})
	if err != nil || res2.Action != CommentUnchanged || res2.ID != res.ID {
		t.Fatalf("second: %+v %v", res2, err)
	}
	res3, err := c.UpsertComment(ctx, repo, 7, CommentMarker+"\n## hwcov: ❌ 1 new failure\n", CommentOptions{})
	if err != nil || res3.Action != CommentUpdated || res3.ID != res.ID {
		t.Fatalf("third: %+v %v", res3, err)
	}
	cs := srv.Comments(7)
	if len(cs) != 4 {
		t.Fatalf("comments: %d", len(cs))
	}
	mine := cs[3]
	if mine.Login != ghfake.DefaultLogin || !strings.Contains(mine.Body, "1 new failure") || mine.Edits != 1 {
		t.Errorf("sticky comment = %+v", mine)
	}
	if cs[1].Body != CommentMarker+"\nfake results" {
		t.Errorf("mallory's comment was touched: %q", cs[1].Body)
	}
	if n := srv.Count("issues/update-comment"); n != 1 {
		t.Errorf("PATCH requests = %d, want 1", n)
	}
	if n := srv.Count("users/get-authenticated"); n != 1 {
		t.Errorf("GET /user requests = %d, want 1 (cached)", n)
	}
	// A body without the marker gets it.
	res4, err := c.UpsertComment(ctx, repo, 8, "plain", CommentOptions{})
	if err != nil || res4.Action != CommentCreated || !strings.HasPrefix(srv.Comments(8)[0].Body, CommentMarker+"\n") {
		t.Errorf("marker prepended: %+v %v %v", res4, err, srv.Comments(8))
	}
}

func TestUpsertCommentActionsToken(t *testing.T) {
	// An Actions GITHUB_TOKEN cannot call /user; its comments are github-actions[bot]'s.
	srv, c, _, _ := setup(t, ghfake.Options{UserForbidden: true, Login: ActionsBot})
	repo := repoOf(srv)
	for range 3 {
		if _, err := c.UpsertComment(context.Background(), repo, 3, CommentMarker+"\nsame", CommentOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if cs := srv.Comments(3); len(cs) != 1 || cs[0].Login != ActionsBot {
		t.Errorf("comments = %+v", cs)
	}
}

func TestUpsertCommentRemovesDuplicates(t *testing.T) {
	srv, c, _, _ := setup(t, ghfake.Options{})
	srv.AddComment(5, ghfake.DefaultLogin, CommentMarker+"\nold 1")
	srv.AddComment(5, ghfake.DefaultLogin, CommentMarker+"\nold 2")
	res, err := c.UpsertComment(context.Background(), repoOf(srv), 5, CommentMarker+"\nnew", CommentOptions{})
	if err != nil || res.Action != CommentUpdated || res.Deleted != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if cs := srv.Comments(5); len(cs) != 1 || cs[0].Body != CommentMarker+"\nnew" {
		t.Errorf("comments = %+v", cs)
	}
}

func TestRetries(t *testing.T) {
	srv, c, sl, log := setup(t, ghfake.Options{})
	repo := repoOf(srv)
	srv.Fail(1, ghfake.ServerError(502))
	srv.Fail(1, ghfake.TooManyRequests(7))
	srv.Fail(1, ghfake.SecondaryLimit(""))
	srv.Fail(1, ghfake.ServerError(503))
	res, err := c.UpsertComment(context.Background(), repo, 9, CommentMarker+"\nbody", CommentOptions{})
	if err != nil || res.Action != CommentCreated {
		t.Fatalf("%+v %v", res, err)
	}
	// The four faults hit the first request (GET /user) in turn: 502 (backoff
	// 1 s), 429 (Retry-After 7 s), secondary limit without Retry-After (60 s),
	// 503 (fourth attempt: backoff 8 s); the fifth attempt is served.
	want := []time.Duration{time.Second, 7 * time.Second, time.Minute, 8 * time.Second}
	if got := sl.all(); !slices.Equal(got, want) {
		t.Errorf("sleeps = %v, want %v", got, want)
	}
	if cs := srv.Comments(9); len(cs) != 1 {
		t.Errorf("comments = %d, want 1 (nothing lost, nothing doubled)", len(cs))
	}
	for _, w := range []string{"answered 502", "Retry-After 7", "secondary rate limit (403)", "attempt 2 of 5"} {
		if !strings.Contains(log.String(), w) {
			t.Errorf("retry log lacks %q:\n%s", w, log)
		}
	}

	// A secondary limit with Retry-After, and a primary limit with a reset time.
	srv.Fail(1, ghfake.SecondaryLimit("3"))
	srv.Fail(1, ghfake.PrimaryLimit(30*time.Second))
	before := len(sl.all())
	if _, err := c.UpsertComment(context.Background(), repo, 9, CommentMarker+"\nbody 2", CommentOptions{}); err != nil {
		t.Fatal(err)
	}
	got := sl.all()[before:]
	if len(got) != 2 || got[0] != 3*time.Second || got[1] < 25*time.Second || got[1] > 35*time.Second {
		t.Errorf("sleeps = %v, want [3s ~31s]", got)
	}
}

func TestRetriesGiveUpAndRedact(t *testing.T) {
	srv, c, sl, _ := setup(t, ghfake.Options{})
	// GitHub echoing the token in an error must not put it in ours.
	f := ghfake.ServerError(500)
	f.Message = "internal error for token " + srv.Token()
	srv.Fail(5, f)
	_, err := c.UpsertComment(context.Background(), repoOf(srv), 1, "x", CommentOptions{Login: "hwcov-bot"})
	if err == nil {
		t.Fatal("no error after 5 failures")
	}
	if len(sl.all()) != 4 {
		t.Errorf("sleeps = %v, want 4 (5 attempts)", sl.all())
	}
	if lerr := srv.Leaks(err.Error()); lerr != nil || !strings.Contains(err.Error(), "***") {
		t.Errorf("error %q: %v", err, lerr)
	}
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 500 || strings.Contains(err.Error(), "\n") {
		t.Errorf("error = %#v", err)
	}

	// A plain 403 is final: no retry.
	srv.Fail(1, ghfake.Fault{Status: 403, Message: "Resource not accessible by integration"})
	before := len(sl.all())
	_, err = c.UpsertComment(context.Background(), repoOf(srv), 1, "x", CommentOptions{Login: "hwcov-bot"})
	if err == nil || len(sl.all()) != before || !strings.Contains(err.Error(), "permissions") {
		t.Errorf("plain 403: %v, sleeps %v", err, sl.all()[before:])
	}

	// A wait longer than MaxWait is not honoured: the error says when.
	c2, _ := New(Options{APIURL: srv.URL, Token: srv.Token(), Retry: Retry{Sleep: sl.sleep, MaxWait: time.Minute}})
	srv.Fail(1, ghfake.TooManyRequests(3600))
	_, err = c2.UpsertComment(context.Background(), repoOf(srv), 1, "x", CommentOptions{Login: "hwcov-bot"})
	if err == nil || !strings.Contains(err.Error(), "429") {
		t.Errorf("long Retry-After: %v", err)
	}
}

func TestCreateCheckRun(t *testing.T) {
	srv, c, _, _ := setup(t, ghfake.Options{})
	var anns []Annotation
	for i := range 120 {
		anns = append(anns, Annotation{Path: "templates/base.py.tmpl", StartLine: 1, Level: LevelFailure,
			Title: "bert@cpu", Message: "failure " + strings.Repeat("x", i%3)})
	}
	long := strings.Repeat("é", MaxCheckSummary+10)
	res, err := c.CreateCheckRun(context.Background(), repoOf(srv), CheckRun{
		Name: "hwcov", HeadSHA: strings.Repeat("a", 40), Conclusion: "failure", Title: "2 new failures",
		Summary: long, Annotations: anns, DetailsURL: "https://example.com/run/1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 3 {
		t.Errorf("requests = %d, want 3 (50 + 50 + 20)", res.Requests)
	}
	runs := srv.CheckRuns()
	if len(runs) != 1 || len(runs[0].Annotations) != 120 || runs[0].Conclusion != "failure" || runs[0].Status != "completed" {
		t.Fatalf("check runs = %+v", runs)
	}
	if n := len([]rune(runs[0].Summary)); n > MaxCheckSummary || !strings.HasSuffix(runs[0].Summary, "(truncated)") {
		t.Errorf("summary: %d characters", n)
	}
	if _, err := c.CreateCheckRun(context.Background(), repoOf(srv), CheckRun{Name: "x"}); err == nil {
		t.Error("check run without head sha accepted")
	}
}

func zipOf(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for n, d := range files {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(d))
	}
	zw.Close()
	return buf.Bytes()
}

func TestBaseline(t *testing.T) {
	srv, c, _, _ := setup(t, ghfake.Options{})
	repo := repoOf(srv)
	ctx := context.Background()
	q := BaselineQuery{Workflow: "hwcov.yml", Branch: "main", Artifact: "hwcov-db"}
	// The workflow file is not on the default branch yet: GitHub answers 404.
	if _, err := c.FindBaseline(ctx, repo, q); !errors.Is(err, ErrNoWorkflow) || !errors.Is(err, ErrNoBaseline) ||
		!strings.Contains(err.Error(), "the base branch has no hwcov run of hwcov.yml") {
		t.Fatalf("unknown workflow: %v", err)
	}
	srv.AddWorkflow("hwcov.yml")
	if _, err := c.FindBaseline(ctx, repo, q); !errors.Is(err, ErrNoBaseline) || errors.Is(err, ErrNoWorkflow) {
		t.Fatalf("no runs: %v", err)
	}
	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	db := map[string][]byte{"run.duckdb": []byte("DUCKDB-1"), "junit.xml": []byte("<x/>")}
	good := srv.AddWorkflowRun(ghfake.WorkflowRun{HeadSHA: "aaa", Created: t1, Artifacts: []ghfake.Artifact{{Name: "hwcov-db", Files: db}}})
	srv.AddWorkflowRun(ghfake.WorkflowRun{HeadSHA: "bbb", Created: t1.Add(time.Hour), Artifacts: []ghfake.Artifact{{Name: "hwcov-db", Expired: true, Files: db}}})
	srv.AddWorkflowRun(ghfake.WorkflowRun{HeadSHA: "ccc", Created: t1.Add(2 * time.Hour), Artifacts: []ghfake.Artifact{{Name: "other", Files: db}}})
	// A fork's pull request from a branch called main: never a baseline.
	srv.AddWorkflowRun(ghfake.WorkflowRun{HeadSHA: "evil", Event: "pull_request", HeadRepo: "mallory/hwcov-demo",
		Created: t1.Add(3 * time.Hour), Artifacts: []ghfake.Artifact{{Name: "hwcov-db", Files: map[string][]byte{"run.duckdb": []byte("EVIL")}}}})
	srv.AddWorkflowRun(ghfake.WorkflowRun{HeadSHA: "failed", Conclusion: "failure", Created: t1.Add(4 * time.Hour),
		Artifacts: []ghfake.Artifact{{Name: "hwcov-db", Files: db}}})
	srv.AddWorkflowRun(ghfake.WorkflowRun{HeadSHA: "dev", Branch: "dev", Created: t1.Add(5 * time.Hour),
		Artifacts: []ghfake.Artifact{{Name: "hwcov-db", Files: db}}})

	b, err := c.FindBaseline(ctx, repo, q)
	if err != nil || b.RunID != good || b.HeadSHA != "aaa" || b.ExactSHA {
		t.Fatalf("baseline = %+v, %v", b, err)
	}
	// Preferring a commit that has a run; falling back when it has none.
	q.HeadSHA = "aaa"
	if b2, err := c.FindBaseline(ctx, repo, q); err != nil || !b2.ExactSHA || b2.RunID != good {
		t.Errorf("exact sha: %+v %v", b2, err)
	}
	q.HeadSHA = "zzz"
	if b2, err := c.FindBaseline(ctx, repo, q); err != nil || b2.ExactSHA || b2.RunID != good {
		t.Errorf("fallback: %+v %v", b2, err)
	}

	dir := t.TempDir()
	dst := filepath.Join(dir, "base.duckdb")
	name, n, err := c.DownloadArtifactFile(ctx, repo, b.ArtifactID, "*.duckdb", dst, Limits{})
	if err != nil || name != "run.duckdb" || n != 8 {
		t.Fatalf("download: %q %d %v", name, n, err)
	}
	if data, _ := os.ReadFile(dst); string(data) != "DUCKDB-1" {
		t.Errorf("extracted %q", data)
	}
	if n := srv.Count("actions/download-artifact"); n != 1 {
		t.Errorf("download requests = %d", n)
	}
}

func TestDownloadArtifactRefusesBadArchives(t *testing.T) {
	srv, c, _, _ := setup(t, ghfake.Options{})
	repo := repoOf(srv)
	big := strings.Repeat("0", 5000)
	for _, tc := range []struct {
		name  string
		art   ghfake.Artifact
		lim   Limits
		want  string
		match string
	}{
		{"two matches", ghfake.Artifact{Files: map[string][]byte{"a.duckdb": nil, "b/c.duckdb": nil}}, Limits{}, "2 files matching", "*.duckdb"},
		{"none", ghfake.Artifact{Files: map[string][]byte{"junit.xml": nil}}, Limits{}, "no file matching", "*.duckdb"},
		{"unsafe name", ghfake.Artifact{Zip: zipOf(t, map[string]string{"../evil.duckdb": "x"})}, Limits{}, "unsafe name", "*.duckdb"},
		{"not a zip", ghfake.Artifact{Zip: []byte("this is not a zip archive at all")}, Limits{}, "not a valid zip", "*.duckdb"},
		{"archive too big", ghfake.Artifact{Zip: zipOf(t, map[string]string{"r.duckdb": big})}, Limits{MaxArchive: 10}, "over the 10-byte limit", "*.duckdb"},
		{"inflates too far", ghfake.Artifact{Zip: zipOf(t, map[string]string{"r.duckdb": big})}, Limits{MaxFile: 100}, "limit", "*.duckdb"},
		{"expired", ghfake.Artifact{Expired: true, Files: map[string][]byte{"r.duckdb": nil}}, Limits{}, "expired", "*.duckdb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.art.Name = "hwcov-db"
			runID := srv.AddWorkflowRun(ghfake.WorkflowRun{Artifacts: []ghfake.Artifact{tc.art}})
			_ = runID
			id := lastArtifactID(t, c, repo, runID)
			dst := filepath.Join(t.TempDir(), "base.duckdb")
			_, _, err := c.DownloadArtifactFile(context.Background(), repo, id, tc.match, dst, tc.lim)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			if _, serr := os.Stat(dst); serr == nil {
				t.Error("dst written despite the error")
			}
			if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 0 {
				t.Errorf("left files behind: %v", entries)
			}
		})
	}
}

// lastArtifactID lists a run's artifacts (expired ones included) through
// the API and returns the first id.
func lastArtifactID(t *testing.T, c *Client, repo Repo, runID int64) int64 {
	t.Helper()
	list, _, err := c.GitHub().Actions.ListWorkflowRunArtifacts(context.Background(), repo.Owner, repo.Name, runID, nil)
	if err != nil || len(list.Artifacts) == 0 {
		t.Fatalf("list artifacts: %v", err)
	}
	return list.Artifacts[0].GetID()
}

func TestPullRequestHead(t *testing.T) {
	srv, c, _, _ := setup(t, ghfake.Options{})
	srv.AddPullRequest(ghfake.PullRequest{Number: 12, HeadSHA: "abc123"})
	sha, err := c.PullRequestHead(context.Background(), repoOf(srv), 12)
	if err != nil || sha != "abc123" {
		t.Errorf("head = %q, %v", sha, err)
	}
	if _, err := c.PullRequestHead(context.Background(), repoOf(srv), 13); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing PR: %v", err)
	}
}

// TestWritesThatLandedAreNotRepeated: GitHub can save a comment or a check
// run and still answer 502; the write is found, not sent again.
func TestWritesThatLandedAreNotRepeated(t *testing.T) {
	srv, c, sl, log := setup(t, ghfake.Options{})
	repo := repoOf(srv)
	ctx := context.Background()

	srv.Fail(1, ghfake.AppliedServerError(502, "issues/create-comment"))
	res, err := c.UpsertComment(ctx, repo, 7, CommentMarker+"\nbody", CommentOptions{})
	if err != nil || res.Action != CommentCreated || res.ID == 0 {
		t.Fatalf("applied 502: %+v %v", res, err)
	}
	if cs := srv.Comments(7); len(cs) != 1 || cs[0].ID != res.ID {
		t.Errorf("comments = %+v, want exactly one", cs)
	}
	if !strings.Contains(log.String(), "the write had landed") {
		t.Errorf("log:\n%s", log)
	}

	// A 502 that did not land: listed, not found, sent again once.
	f := ghfake.ServerError(502)
	f.Operation = "issues/create-comment"
	srv.Fail(1, f)
	if res, err := c.UpsertComment(ctx, repo, 8, CommentMarker+"\nbody", CommentOptions{}); err != nil || res.Action != CommentCreated {
		t.Fatalf("502: %+v %v", res, err)
	}
	if cs := srv.Comments(8); len(cs) != 1 {
		t.Errorf("comments = %d, want 1", len(cs))
	}
	if got := sl.all(); len(got) != 1 || got[0] != time.Second {
		t.Errorf("sleeps = %v, want [1s]", got)
	}

	// A check run whose create and one annotation update land behind a 502.
	var anns []Annotation
	for i := range 120 {
		anns = append(anns, Annotation{Path: "a.py", StartLine: i + 1, Message: "m"})
	}
	sha := strings.Repeat("c", 40)
	// An earlier run's check run of the same name must not be taken for it.
	if _, err := c.CreateCheckRun(ctx, repo, CheckRun{Name: "hwcov", HeadSHA: sha, Conclusion: "success"}); err != nil {
		t.Fatal(err)
	}
	srv.Fail(1, ghfake.AppliedServerError(502, "checks/create"))
	srv.Fail(1, ghfake.AppliedServerError(504, "checks/update"))
	cr, err := c.CreateCheckRun(ctx, repo, CheckRun{Name: "hwcov", HeadSHA: sha, Conclusion: "failure", Annotations: anns})
	if err != nil {
		t.Fatal(err)
	}
	runs := srv.CheckRuns()
	if len(runs) != 2 || runs[1].ID != cr.ID || len(runs[1].Annotations) != 120 || runs[1].Conclusion != "failure" {
		t.Errorf("check runs: %d, the second with %d annotations (want 2, 120)", len(runs), len(runs[len(runs)-1].Annotations))
	}
	if n := srv.Count("checks/list-for-ref"); n != 1 {
		t.Errorf("check runs listed %d times, want 1", n)
	}
}

// TestDuplicateDeleteLanded: a duplicate's delete answered 502 after it
// landed is retried, finds it gone (404), and is done.
func TestDuplicateDeleteLanded(t *testing.T) {
	srv, c, _, _ := setup(t, ghfake.Options{})
	srv.AddComment(5, ghfake.DefaultLogin, CommentMarker+"\nold")
	srv.AddComment(5, ghfake.DefaultLogin, CommentMarker+"\nold")
	srv.Fail(1, ghfake.AppliedServerError(502, "issues/delete-comment"))
	res, err := c.UpsertComment(context.Background(), repoOf(srv), 5, CommentMarker+"\nnew", CommentOptions{})
	if err != nil || res.Action != CommentUpdated || res.Deleted != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if cs := srv.Comments(5); len(cs) != 1 || cs[0].Body != CommentMarker+"\nnew" {
		t.Errorf("comments = %+v", cs)
	}
}
