package ghapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

// Check run limits from GitHub's documentation.
const (
	// MaxCheckSummary is the longest output.summary (and output.text).
	MaxCheckSummary = 65535
	// AnnotationsPerRequest is how many annotations one request may carry;
	// more go in updates, which append.
	AnnotationsPerRequest = 50
)

// Annotation levels.
const (
	LevelFailure = "failure"
	LevelWarning = "warning"
	LevelNotice  = "notice"
)

// Annotation is a check run annotation on a file of the repository.
type Annotation struct {
	Path      string
	StartLine int
	EndLine   int
	Level     string // LevelFailure, LevelWarning or LevelNotice
	Title     string
	Message   string
	Details   string // raw_details
}

// CheckRun is a completed check run to create.
type CheckRun struct {
	Name       string
	HeadSHA    string
	Conclusion string // success, failure, neutral, ...
	DetailsURL string
	Title      string
	// Summary and Text are markdown; each is cut to MaxCheckSummary
	// characters with a note.
	Summary     string
	Text        string
	Annotations []Annotation
	// ExternalID is the check run's external_id (default: a random one,
	// which finds the check run again when GitHub's answer to its create
	// is lost).
	ExternalID string
}

// CheckRunResult says what CreateCheckRun did.
type CheckRunResult struct {
	ID       int64
	URL      string // html_url
	Requests int    // create plus updates
}

// CreateCheckRun creates a completed check run on HeadSHA with its
// annotations: the first 50 in the create request, the rest 50 per update
// request (GitHub appends them). A create or an update answered 5xx or not
// at all is sent again only when re-reading shows it did not land (the
// check runs of HeadSHA with the run's external id; the check run's
// annotation count), so one call leaves one check run.
//
// GitHub API docs: https://docs.github.com/rest/checks/runs#create-a-check-run
func (c *Client) CreateCheckRun(ctx context.Context, repo Repo, run CheckRun) (CheckRunResult, error) {
	var res CheckRunResult
	op := fmt.Sprintf("create check run %q on %s", run.Name, repo)
	if run.Name == "" || run.HeadSHA == "" {
		return res, c.errorf(op, "a check run needs a name and a head commit")
	}
	title := run.Title
	if title == "" {
		title = run.Name
	}
	summary := truncateChars(run.Summary, MaxCheckSummary)
	output := func(batch []Annotation) *github.CheckRunOutput {
		o := &github.CheckRunOutput{Title: github.String(title), Summary: github.String(summary)}
		if run.Text != "" {
			o.Text = github.String(truncateChars(run.Text, MaxCheckSummary))
		}
		for _, a := range batch {
			o.Annotations = append(o.Annotations, toGitHub(a))
		}
		return o
	}
	first := run.Annotations
	if len(first) > AnnotationsPerRequest {
		first = first[:AnnotationsPerRequest]
	}
	opts := github.CreateCheckRunOptions{
		Name: run.Name, HeadSHA: run.HeadSHA, Status: github.String("completed"),
		Conclusion: github.String(run.Conclusion), CompletedAt: &github.Timestamp{Time: time.Now().UTC()},
		Output: output(first),
	}
	if run.DetailsURL != "" {
		opts.DetailsURL = github.String(run.DetailsURL)
	}
	// The external id tells this create from other runs' check runs of the
	// same name on the same commit, should the answer get lost.
	opts.ExternalID = github.String(run.ExternalID)
	if run.ExternalID == "" {
		opts.ExternalID = github.String(newExternalID())
	}
	var cr *github.CheckRun
	err := c.writeOnce(ctx, op,
		func(ctx context.Context) (*github.Response, error) {
			var resp *github.Response
			var err error
			cr, resp, err = c.gh.Checks.CreateCheckRun(ctx, repo.Owner, repo.Name, opts)
			res.Requests++
			return resp, err
		},
		func(ctx context.Context) (bool, error) {
			var err error
			cr, err = c.findCheckRun(ctx, repo, run.HeadSHA, run.Name, opts.GetExternalID())
			return cr != nil, err
		})
	if err != nil {
		return res, err
	}
	res.ID, res.URL = cr.GetID(), cr.GetHTMLURL()
	sent := len(first)
	for i := len(first); i < len(run.Annotations); i += AnnotationsPerRequest {
		batch := run.Annotations[i:min(i+AnnotationsPerRequest, len(run.Annotations))]
		// GitHub appends annotations: a batch that landed must not go twice.
		err := c.writeOnce(ctx, fmt.Sprintf("add annotations %d-%d to check run %d", i+1, i+len(batch), res.ID),
			func(ctx context.Context) (*github.Response, error) {
				_, resp, err := c.gh.Checks.UpdateCheckRun(ctx, repo.Owner, repo.Name, res.ID,
					github.UpdateCheckRunOptions{Name: run.Name, Output: output(batch)})
				res.Requests++
				return resp, err
			},
			func(ctx context.Context) (bool, error) {
				got, resp, err := c.gh.Checks.GetCheckRun(ctx, repo.Owner, repo.Name, res.ID)
				if err != nil {
					return false, c.wrap(fmt.Sprintf("get check run %d", res.ID), resp, err)
				}
				return got.GetOutput().GetAnnotationsCount() >= sent+len(batch), nil
			})
		if err != nil {
			return res, err
		}
		sent += len(batch)
	}
	return res, nil
}

// findCheckRun returns the check run named name on sha whose external id is
// externalID, or nil.
//
// GitHub API docs: https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference
func (c *Client) findCheckRun(ctx context.Context, repo Repo, sha, name, externalID string) (*github.CheckRun, error) {
	opt := &github.ListCheckRunsOptions{CheckName: github.String(name), Filter: github.String("all"),
		ListOptions: github.ListOptions{PerPage: 100}}
	for pages := 0; pages < 10; pages++ {
		list, resp, err := c.gh.Checks.ListCheckRunsForRef(ctx, repo.Owner, repo.Name, sha, opt)
		if err != nil {
			return nil, c.wrap(fmt.Sprintf("list check runs of %s on %s", shortRef(sha), repo), resp, err)
		}
		for _, cr := range list.CheckRuns {
			if cr.GetName() == name && cr.GetExternalID() == externalID {
				return cr, nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	return nil, nil
}

func shortRef(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// newExternalID is a random external id for a check run.
func newExternalID() string {
	var b [12]byte
	rand.Read(b[:])
	return "hwcov-" + hex.EncodeToString(b[:])
}

func toGitHub(a Annotation) *github.CheckRunAnnotation {
	end := a.EndLine
	if end < a.StartLine {
		end = a.StartLine
	}
	start := max(a.StartLine, 1)
	end = max(end, start)
	level := a.Level
	if level == "" {
		level = LevelFailure
	}
	out := &github.CheckRunAnnotation{
		Path: github.String(a.Path), StartLine: github.Int(start), EndLine: github.Int(end),
		AnnotationLevel: github.String(level), Message: github.String(truncateChars(a.Message, 64<<10)),
	}
	if a.Title != "" {
		out.Title = github.String(truncateChars(a.Title, 255))
	}
	if a.Details != "" {
		out.RawDetails = github.String(truncateChars(a.Details, 64<<10))
	}
	return out
}

// truncateChars cuts s to at most n characters (runes), ending with a note
// when it cut.
func truncateChars(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	const note = "\n\n… (truncated)"
	keep := n - utf8.RuneCountInString(note)
	r := []rune(s)
	return string(r[:max(keep, 0)]) + note
}
