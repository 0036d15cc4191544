package ghfake

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// do sends a request with the server's token.
func do(t *testing.T, s *Server, method, url, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token())
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestSpecMatch(t *testing.T) {
	sp, err := loadSpec(DefaultSpecDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, template string
		params         map[string]string
	}{
		{"repos/o/r/issues/comments/5", "/repos/{owner}/{repo}/issues/comments/{comment_id}", map[string]string{"comment_id": "5"}},
		{"repos/o/r/issues/5/comments", "/repos/{owner}/{repo}/issues/{issue_number}/comments", map[string]string{"issue_number": "5"}},
		{"repos/o/r/git/ref/heads/feature/x", "/repos/{owner}/{repo}/git/ref/{ref}", map[string]string{"ref": "heads/feature/x"}},
		{"repos/o/r/contents/a/b/c.py", "/repos/{owner}/{repo}/contents/{path}", map[string]string{"path": "a/b/c.py"}},
		{"repos/o/r/actions/workflows/hwcov.yml/runs", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", map[string]string{"workflow_id": "hwcov.yml"}},
		{"repos/o/r/actions/artifacts/7/zip", "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}", map[string]string{"archive_format": "zip"}},
		{"user", "/user", map[string]string{}},
		{"repos/o/r/releases/assets/9", "/repos/{owner}/{repo}/releases/assets/{asset_id}", map[string]string{"asset_id": "9"}},
		{"repos/o/r/releases/9/assets", "/repos/{owner}/{repo}/releases/{release_id}/assets", map[string]string{"release_id": "9"}},
		{"repos/o/r/releases/tags/v1.2.3", "/repos/{owner}/{repo}/releases/tags/{tag}", map[string]string{"tag": "v1.2.3"}},
		{"repos/o/r/issues/5/comments/extra", "", nil},
		{"repos/o", "", nil},
	} {
		r, params := sp.match(tc.path)
		switch {
		case tc.template == "" && r != nil:
			t.Errorf("%s matched %s", tc.path, r.template)
		case tc.template == "":
		case r == nil:
			t.Errorf("%s matched nothing, want %s", tc.path, tc.template)
		case r.template != tc.template:
			t.Errorf("%s matched %s, want %s", tc.path, r.template, tc.template)
		default:
			for k, v := range tc.params {
				if params[k] != v {
					t.Errorf("%s: %s = %q, want %q", tc.path, k, params[k], v)
				}
			}
		}
	}
}

func TestServerValidates(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	repo := s.URL + "repos/" + s.Repo()

	// Good calls.
	resp, _ := do(t, s, "POST", repo+"/issues/7/comments", `{"body":"hello"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create comment: %d", resp.StatusCode)
	}
	if errs := s.Errors(); len(errs) != 0 {
		t.Fatalf("errors after a good call: %v", errs)
	}

	for _, tc := range []struct {
		name, method, url, body, want string
		status                        int
	}{
		{"missing required body field", "POST", repo + "/issues/7/comments", `{"bdy":"x"}`, "does not match GitHub's OpenAPI description", 400},
		{"wrong type in path", "GET", repo + "/issues/seven/comments", "", "does not match", 400},
		{"undeclared query parameter", "GET", repo + "/issues/7/comments?sort=created", "", `query parameter "sort" is not declared`, 400},
		{"bad enum", "GET", repo + "/actions/workflows/hwcov.yml/runs?status=green", "", "does not match", 400},
		{"too many annotations", "POST", repo + "/check-runs", `{"name":"x","head_sha":"abc","output":{"title":"t","summary":"s","annotations":[` +
			strings.TrimSuffix(strings.Repeat(`{"path":"a","start_line":1,"end_line":1,"annotation_level":"failure","message":"m"},`, 51), ",") + `]}}`, "does not match", 400},
		{"no such path", "GET", repo + "/issues/7/comments/9", "", "no path of the GitHub OpenAPI description", 400},
		{"outside the prefix", "GET", strings.TrimSuffix(s.URL, "api/v3/") + "repos/" + s.Repo(), "", "outside the API prefix", 404},
		{"body on a GET", "GET", repo + "/issues/7/comments", `{"x":1}`, "does not match", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.Errors())
			resp, _ := do(t, s, tc.method, tc.url, tc.body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			errs := s.Errors()
			if len(errs) != before+1 || !strings.Contains(errs[len(errs)-1], tc.want) {
				t.Errorf("errors %v, want one containing %q", errs[before:], tc.want)
			}
		})
	}
}

func TestServerCommentsPaginate(t *testing.T) {
	s := NewT(t, Options{MaxPerPage: 2})
	for i := range 5 {
		s.AddComment(3, "someone", strings.Repeat("x", i+1))
	}
	url := s.URL + "repos/" + s.Repo() + "/issues/3/comments?per_page=100"
	var bodies []string
	for pages := 0; url != ""; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		resp, body := do(t, s, "GET", url, "")
		var cs []struct{ Body string }
		if err := json.Unmarshal([]byte(body), &cs); err != nil {
			t.Fatal(err, body)
		}
		for _, c := range cs {
			bodies = append(bodies, c.Body)
		}
		url = ""
		for _, l := range strings.Split(resp.Header.Get("Link"), ",") {
			if strings.Contains(l, `rel="next"`) {
				url = strings.Trim(strings.TrimSpace(strings.Split(l, ";")[0]), "<>")
			}
		}
	}
	if len(bodies) != 5 || bodies[4] != "xxxxx" {
		t.Errorf("paginated bodies = %v", bodies)
	}
}

func TestServerFaultsAndAuth(t *testing.T) {
	s := NewT(t, Options{})
	repo := s.URL + "repos/" + s.Repo()
	s.Fail(1, ServerError(503))
	s.Fail(1, TooManyRequests(7))
	s.Fail(1, SecondaryLimit(""))
	resp, _ := do(t, s, "GET", repo+"/issues/1/comments", "")
	if resp.StatusCode != 503 {
		t.Errorf("first: %d", resp.StatusCode)
	}
	resp, _ = do(t, s, "GET", repo+"/issues/1/comments", "")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("second: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	resp, body := do(t, s, "GET", repo+"/issues/1/comments", "")
	if resp.StatusCode != 403 || !strings.Contains(body, "secondary rate limit") {
		t.Errorf("third: %d %s", resp.StatusCode, body)
	}
	resp, _ = do(t, s, "GET", repo+"/issues/1/comments", "")
	if resp.StatusCode != 200 {
		t.Errorf("fourth: %d", resp.StatusCode)
	}
	if n := s.Count("issues/list-comments"); n != 1 {
		t.Errorf("served list-comments = %d, want 1", n)
	}

	// Another repository does not exist; a bad token is refused.
	resp, _ = do(t, s, "GET", s.URL+"repos/other/repo/issues/1/comments", "")
	if resp.StatusCode != 404 {
		t.Errorf("other repo: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", repo+"/issues/1/comments", nil)
	req.Header.Set("Authorization", "Bearer nope")
	r2, _ := http.DefaultClient.Do(req)
	r2.Body.Close()
	if r2.StatusCode != 401 {
		t.Errorf("bad token: %d", r2.StatusCode)
	}
	if err := s.Leaks("all fine", "token "+s.Token()); err == nil || strings.Contains(err.Error(), s.Token()) {
		t.Errorf("Leaks = %v", err)
	}
}

func TestServerArtifactRedirect(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runID := s.AddWorkflowRun(WorkflowRun{Artifacts: []Artifact{{Name: "hwcov-db", Files: map[string][]byte{"run.duckdb": []byte("data")}}}})
	repo := s.URL + "repos/" + s.Repo()
	_, body := do(t, s, "GET", repo+"/actions/runs/"+itoa(runID)+"/artifacts?name=hwcov-db", "")
	var list struct {
		Artifacts []struct {
			ID int64 `json:"id"`
		} `json:"artifacts"`
	}
	json.Unmarshal([]byte(body), &list)
	if len(list.Artifacts) != 1 {
		t.Fatalf("artifacts: %s", body)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", repo+"/actions/artifacts/"+itoa(list.Artifacts[0].ID)+"/zip", nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 302 || !strings.HasPrefix(loc, s.BlobURL) {
		t.Fatalf("download: %d %q", resp.StatusCode, loc)
	}
	// With the token, blob storage refuses and the fake records an error.
	req, _ = http.NewRequest("GET", loc, nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 400 || len(s.Errors()) != 1 {
		t.Errorf("blob with token: %d, errors %v", resp.StatusCode, s.Errors())
	}
	resp, err = http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(data) < 4 || string(data[:2]) != "PK" {
		t.Errorf("blob: %d, %d bytes", resp.StatusCode, len(data))
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestAppliedFault: an Applied fault serves the request (the comment is
// saved) and answers the fault; the check runs of a commit list; the runs of
// a workflow file nobody added answer 404.
func TestAppliedFault(t *testing.T) {
	s := NewT(t, Options{})
	base := s.URL + "repos/" + s.Repo()
	s.Fail(1, AppliedServerError(502, "issues/create-comment"))
	resp, _ := do(t, s, http.MethodPost, base+"/issues/3/comments", `{"body": "hi"}`)
	if resp.StatusCode != 502 || len(s.Comments(3)) != 1 {
		t.Errorf("applied 502: status %d, %d comments", resp.StatusCode, len(s.Comments(3)))
	}
	if rs := s.Requests(); !rs[len(rs)-1].Fault || rs[len(rs)-1].Status != 502 {
		t.Errorf("recorded %+v", rs[len(rs)-1])
	}

	sha := strings.Repeat("a", 40)
	for _, ext := range []string{"one", "two"} {
		do(t, s, http.MethodPost, base+"/check-runs", `{"name": "hwcov", "head_sha": "`+sha+`", "external_id": "`+ext+`"}`)
	}
	for filter, want := range map[string]int{"all": 2, "latest": 1} {
		resp, body := do(t, s, http.MethodGet, base+"/commits/"+sha+"/check-runs?check_name=hwcov&filter="+filter, "")
		var list struct {
			Total int `json:"total_count"`
			Runs  []struct {
				ExternalID string `json:"external_id"`
			} `json:"check_runs"`
		}
		json.Unmarshal([]byte(body), &list)
		if resp.StatusCode != 200 || list.Total != want || list.Runs[0].ExternalID != "two" {
			t.Errorf("filter=%s: %d %s", filter, resp.StatusCode, body)
		}
	}

	if resp, _ := do(t, s, http.MethodGet, base+"/actions/workflows/ci.yml/runs", ""); resp.StatusCode != 404 {
		t.Errorf("unknown workflow: %d", resp.StatusCode)
	}
	s.AddWorkflow("ci.yml")
	if resp, body := do(t, s, http.MethodGet, base+"/actions/workflows/ci.yml/runs", ""); resp.StatusCode != 200 || !strings.Contains(body, `"total_count":0`) {
		t.Errorf("added workflow: %d %s", resp.StatusCode, body)
	}
}

// TestReleases publishes a release on another repository (the action's
// own) and reads it the way action.yml does: by tag, its assets, an asset
// through the API (302 to storage, fetched without the token) and by its
// browser download URL.
func TestReleases(t *testing.T) {
	s := NewT(t, Options{})
	s.PublishRelease(Release{Repo: "hwcov/hwcov", Tag: "v1.1.0"})
	s.PublishRelease(Release{Repo: "hwcov/hwcov", Tag: "v1.3.0-rc.1", Draft: true})
	id := s.PublishRelease(Release{Repo: "hwcov/hwcov", Tag: "v1.2.0", Assets: []ReleaseAsset{
		{Name: "checksums.txt", Data: []byte("abc  hwcov.tar.gz\n")},
		{Name: "hwcov_1.2.0_linux_amd64.tar.gz", Data: []byte("tarball")},
	}})
	api := s.URL + "repos/hwcov/hwcov/"

	resp, body := do(t, s, "GET", api+"releases/tags/v1.2.0", "")
	var rel struct {
		ID     int64  `json:"id"`
		Tag    string `json:"tag_name"`
		Assets []struct {
			ID      int64  `json:"id"`
			Name    string `json:"name"`
			URL     string `json:"url"`
			Browser string `json:"browser_download_url"`
			Digest  string `json:"digest"`
		} `json:"assets"`
	}
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &rel) != nil || rel.ID != id || len(rel.Assets) != 2 {
		t.Fatalf("get by tag: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, s, "GET", api+"releases/tags/v1.3.0-rc.1", ""); resp.StatusCode != 404 {
		t.Errorf("a draft by tag: %d, want 404", resp.StatusCode)
	}
	if resp, _ := do(t, s, "GET", s.URL+"repos/other/repo/releases/tags/v1.2.0", ""); resp.StatusCode != 404 {
		t.Errorf("a repository without releases: %d, want 404", resp.StatusCode)
	}
	resp, body = do(t, s, "GET", api+"releases", "")
	if resp.StatusCode != 200 || strings.Index(body, `"v1.2.0"`) > strings.Index(body, `"v1.1.0"`) || strings.Contains(body, "rc.1") {
		t.Errorf("list releases (newest first, no drafts): %s", body)
	}
	resp, body = do(t, s, "GET", fmt.Sprintf("%sreleases/%d/assets?per_page=1&page=2", api, id), "")
	if resp.StatusCode != 200 || !strings.Contains(body, "hwcov_1.2.0_linux_amd64.tar.gz") || strings.Contains(body, "checksums.txt") {
		t.Errorf("list assets page 2: %d %s", resp.StatusCode, body)
	}
	a := rel.Assets[1]
	if a.URL != fmt.Sprintf("%sreleases/assets/%d", api, a.ID) || a.Digest != "sha256:"+fmt.Sprintf("%x", sha256.Sum256([]byte("tarball"))) {
		t.Errorf("asset %+v", a)
	}

	// Download through the API: 302 to storage, which refuses the token.
	req, _ := http.NewRequest("GET", a.URL, nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	req.Header.Set("Accept", "application/octet-stream")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, s.BlobURL) {
		t.Fatalf("download: %d %q", resp.StatusCode, loc)
	}
	for _, u := range []string{loc, a.Browser} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "tarball" {
			t.Errorf("GET %s: %d %q", u, resp.StatusCode, b)
		}
	}
	if resp, _ := http.Get(strings.Replace(loc, "sig=", "sig=x", 1)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a wrong signature: %d", resp.StatusCode)
	}
	if resp, _ := http.Get(strings.Replace(a.Browser, "v1.2.0", "v9.9.9", 1)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a missing tag's browser URL: %d", resp.StatusCode)
	}
	if n := s.Count("repos/get-release-asset"); n != 1 {
		t.Errorf("%d asset downloads counted, want 1", n)
	}
}
