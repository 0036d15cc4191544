package ghapi

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

// ErrNoBaseline means no successful run of the workflow on the branch has a
// live artifact of that name (a new repository, or expired artifacts).
var ErrNoBaseline = errors.New("no baseline artifact")

// ErrNoWorkflow means GitHub knows no workflow of that file name (listing
// its runs answers 404): the file is not on the default branch yet, as in
// the pull request that adds hwcov. An error that is ErrNoWorkflow is also
// ErrNoBaseline.
var ErrNoWorkflow = errors.New("no such workflow")

// noWorkflowError is ErrNoWorkflow and ErrNoBaseline, with a message that
// says what it means for the comparison.
type noWorkflowError struct{ msg string }

func (e *noWorkflowError) Error() string { return e.msg }

func (e *noWorkflowError) Is(target error) bool {
	return target == ErrNoWorkflow || target == ErrNoBaseline
}

// BaselineQuery says which artifact FindBaseline looks for.
type BaselineQuery struct {
	Workflow string // file name (hwcov.yml) or numeric id
	Branch   string // base branch, e.g. main
	Artifact string // artifact name, e.g. hwcov-db
	// HeadSHA, when set, prefers the run of that commit (the pull request's
	// merge base); without one, the newest run is used and Baseline.ExactSHA
	// is false.
	HeadSHA string
	// MaxRuns bounds how many of the newest runs are searched (default 20).
	MaxRuns int
}

// Baseline is the workflow run and artifact FindBaseline chose.
type Baseline struct {
	RunID        int64     `json:"run_id"`
	RunURL       string    `json:"run_url"`
	HeadSHA      string    `json:"head_sha"`
	Branch       string    `json:"branch"`
	Event        string    `json:"event"`
	CreatedAt    time.Time `json:"created_at"`
	ArtifactID   int64     `json:"artifact_id"`
	ArtifactName string    `json:"artifact_name"`
	ArtifactSize int64     `json:"artifact_size"`
	// ExactSHA is true when the run is of BaselineQuery.HeadSHA.
	ExactSHA bool `json:"exact_sha"`
}

// trustedEvents are the events whose runs on the base branch ran the base
// branch's own code. A pull_request run from a fork whose branch happens to
// be called "main" also lists with branch=main; it is skipped.
var trustedEvents = map[string]bool{"push": true, "schedule": true, "workflow_dispatch": true, "merge_group": true}

// FindBaseline finds the newest successful run of q.Workflow on q.Branch
// that has a live (unexpired) artifact named q.Artifact, preferring the run
// of q.HeadSHA. Only runs of this repository's own code count: push,
// schedule, workflow_dispatch and merge_group events whose head repository is
// repo. It returns ErrNoBaseline when there is none, and ErrNoWorkflow (an
// ErrNoBaseline) when GitHub knows no workflow q.Workflow.
//
// GitHub API docs: https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow
// and https://docs.github.com/rest/actions/artifacts#list-workflow-run-artifacts
func (c *Client) FindBaseline(ctx context.Context, repo Repo, q BaselineQuery) (Baseline, error) {
	if q.Workflow == "" || q.Branch == "" || q.Artifact == "" {
		return Baseline{}, c.errorf("find baseline", "workflow, branch and artifact name are required")
	}
	if q.MaxRuns <= 0 {
		q.MaxRuns = 20
	}
	if q.HeadSHA != "" {
		b, err := c.findBaseline(ctx, repo, q, q.HeadSHA)
		if err == nil {
			b.ExactSHA = true
			return b, nil
		}
		if !errors.Is(err, ErrNoBaseline) {
			return b, err
		}
	}
	return c.findBaseline(ctx, repo, q, "")
}

func (c *Client) findBaseline(ctx context.Context, repo Repo, q BaselineQuery, sha string) (Baseline, error) {
	op := fmt.Sprintf("list successful runs of %s on %s in %s", q.Workflow, q.Branch, repo)
	runs, resp, err := c.gh.Actions.ListWorkflowRunsByFileName(ctx, repo.Owner, repo.Name, q.Workflow,
		&github.ListWorkflowRunsOptions{Branch: q.Branch, Status: "success", HeadSHA: sha,
			ListOptions: github.ListOptions{PerPage: min(q.MaxRuns, 100)}})
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return Baseline{}, &noWorkflowError{fmt.Sprintf("no baseline yet: the base branch has no hwcov run of %s (GitHub knows no workflow %s in %s: the file is not on the default branch yet)",
			q.Workflow, q.Workflow, repo)}
	}
	if err != nil {
		return Baseline{}, c.wrap(op, resp, err)
	}
	for _, run := range runs.WorkflowRuns {
		if !trustedEvents[run.GetEvent()] || run.GetHeadBranch() != q.Branch || run.GetConclusion() != "success" {
			continue
		}
		if hr := run.GetHeadRepository().GetFullName(); hr != "" && !strings.EqualFold(hr, repo.String()) {
			continue
		}
		a, err := c.runArtifact(ctx, repo, run.GetID(), q.Artifact)
		if errors.Is(err, ErrNoBaseline) {
			continue
		}
		if err != nil {
			return Baseline{}, err
		}
		return Baseline{
			RunID: run.GetID(), RunURL: run.GetHTMLURL(), HeadSHA: run.GetHeadSHA(), Branch: run.GetHeadBranch(),
			Event: run.GetEvent(), CreatedAt: run.GetCreatedAt().Time, ArtifactID: a.GetID(),
			ArtifactName: a.GetName(), ArtifactSize: a.GetSizeInBytes(),
		}, nil
	}
	where := ""
	if sha != "" {
		where = " of commit " + sha
	}
	return Baseline{}, fmt.Errorf("%w: no successful %s run on %s%s in %s has a live artifact %q",
		ErrNoBaseline, q.Workflow, q.Branch, where, repo, q.Artifact)
}

// runArtifact returns the live artifact named name of a run.
func (c *Client) runArtifact(ctx context.Context, repo Repo, runID int64, name string) (*github.Artifact, error) {
	op := fmt.Sprintf("list artifacts of run %d", runID)
	// go-github v62 has no name filter for this call; the API has one.
	u := fmt.Sprintf("repos/%s/%s/actions/runs/%d/artifacts?name=%s&per_page=100",
		url.PathEscape(repo.Owner), url.PathEscape(repo.Name), runID, url.QueryEscape(name))
	req, err := c.gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, c.wrap(op, nil, err)
	}
	var list github.ArtifactList
	resp, err := c.gh.Do(ctx, req, &list)
	if err != nil {
		return nil, c.wrap(op, resp, err)
	}
	for _, a := range list.Artifacts {
		if a.GetName() == name && !a.GetExpired() {
			return a, nil
		}
	}
	return nil, ErrNoBaseline
}

// Limits cap what an artifact download may write. Artifacts are untrusted
// data: a fork's pull request run uploads them.
type Limits struct {
	// MaxArchive is the largest zip accepted (default 1 GiB).
	MaxArchive int64
	// MaxFile is the largest extracted file (default 4 GiB); a zip whose
	// member inflates past it is refused.
	MaxFile int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxArchive <= 0 {
		l.MaxArchive = 1 << 30
	}
	if l.MaxFile <= 0 {
		l.MaxFile = 4 << 30
	}
	return l
}

// DownloadArtifactFile downloads artifact id's zip (following GitHub's
// redirect without the token), and extracts the one member whose base name
// matches pattern (a path.Match pattern, such as "*.duckdb") to dst,
// atomically. It returns the member's name and size. More than one match,
// none, an unsafe name or a size over limits is an error, and dst is left
// untouched.
//
// GitHub API docs: https://docs.github.com/rest/actions/artifacts#download-an-artifact
func (c *Client) DownloadArtifactFile(ctx context.Context, repo Repo, id int64, pattern, dst string, lim Limits) (string, int64, error) {
	lim = lim.withDefaults()
	op := fmt.Sprintf("download artifact %d of %s", id, repo)
	loc, resp, err := c.gh.Actions.DownloadArtifact(ctx, repo.Owner, repo.Name, id, 0)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusGone {
			return "", 0, c.errorf(op, "the artifact has expired")
		}
		return "", 0, c.wrap(op, resp, err)
	}
	if loc.Scheme != "https" && loc.Scheme != "http" {
		return "", 0, c.errorf(op, "GitHub redirected to %q, not an http(s) URL", loc.Redacted())
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, c.errorf(op, "%v", err)
	}
	archive, err := os.CreateTemp(dir, ".hwcov-artifact-*.zip")
	if err != nil {
		return "", 0, c.errorf(op, "%v", err)
	}
	defer os.Remove(archive.Name())
	defer archive.Close()
	n, err := c.fetch(ctx, loc.String(), archive, lim.MaxArchive)
	if err != nil {
		return "", 0, c.errorf(op, "%v", err)
	}
	zr, err := zip.NewReader(archive, n)
	if err != nil {
		return "", 0, c.errorf(op, "the artifact is not a valid zip archive: %v", err)
	}
	var member *zip.File
	var names []string
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !safeName(f.Name) {
			return "", 0, c.errorf(op, "the archive holds an unsafe name %q", f.Name)
		}
		if ok, _ := path.Match(pattern, path.Base(f.Name)); !ok {
			continue
		}
		if !f.Mode().IsRegular() {
			return "", 0, c.errorf(op, "%q in the archive is not a regular file", f.Name)
		}
		names = append(names, f.Name)
		member = f
	}
	switch {
	case len(names) == 0:
		return "", 0, c.errorf(op, "the archive has no file matching %q", pattern)
	case len(names) > 1:
		return "", 0, c.errorf(op, "the archive has %d files matching %q (%s): name one", len(names), pattern, strings.Join(names, ", "))
	case member.UncompressedSize64 > uint64(lim.MaxFile):
		return "", 0, c.errorf(op, "%q inflates to %d bytes, over the %d-byte limit", member.Name, member.UncompressedSize64, lim.MaxFile)
	}
	size, err := extract(member, dst, lim.MaxFile)
	if err != nil {
		return "", 0, c.errorf(op, "%v", err)
	}
	return member.Name, size, nil
}

// fetch GETs u without the token into w, at most limit bytes.
func (c *Client) fetch(ctx context.Context, u string, w io.Writer, limit int64) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.plain.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL carries a signature: keep it out of messages
		}
		return 0, fmt.Errorf("fetch the archive: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("fetch the archive: storage answered %s", resp.Status)
	}
	if resp.ContentLength > limit {
		return 0, fmt.Errorf("the archive is %d bytes, over the %d-byte limit", resp.ContentLength, limit)
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return n, fmt.Errorf("fetch the archive: %v", err)
	}
	if n > limit {
		return n, fmt.Errorf("the archive is over the %d-byte limit", limit)
	}
	return n, nil
}

// safeName refuses absolute names, parent references and backslashes.
func safeName(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || strings.ContainsRune(name, 0) {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return false
		}
	}
	return true
}

// extract writes f to dst through a temporary file, refusing more than
// limit bytes whatever the archive's header claims.
func extract(f *zip.File, dst string, limit int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("open %q in the archive: %v", f.Name, err)
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".hwcov-extract-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, io.LimitReader(rc, limit+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("extract %q: %v", f.Name, err)
	case n > limit:
		return 0, fmt.Errorf("%q inflates past the %d-byte limit", f.Name, limit)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return 0, err
	}
	return n, nil
}

// PullRequestHead returns the head commit of a pull request, to check that
// a number read from an untrusted artifact names the pull request whose run
// produced it.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#get-a-pull-request
func (c *Client) PullRequestHead(ctx context.Context, repo Repo, number int) (string, error) {
	pr, resp, err := c.gh.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	if err != nil {
		return "", c.wrap(fmt.Sprintf("get pull request %s#%d", repo, number), resp, err)
	}
	return pr.GetHead().GetSHA(), nil
}
