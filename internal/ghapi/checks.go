package ghapi

import (
	"context"
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
}

// CheckRunResult says what CreateCheckRun did.
type CheckRunResult struct {
	ID       int64
	URL      string // html_url
	Requests int    // create plus updates
}

// CreateCheckRun creates a completed check run on HeadSHA with its
// annotations: the first 50 in the create request, the rest 50 per update
// request (GitHub appends them).
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
	cr, resp, err := c.gh.Checks.CreateCheckRun(ctx, repo.Owner, repo.Name, opts)
	if err != nil {
		return res, c.wrap(op, resp, err)
	}
	res = CheckRunResult{ID: cr.GetID(), URL: cr.GetHTMLURL(), Requests: 1}
	for i := len(first); i < len(run.Annotations); i += AnnotationsPerRequest {
		batch := run.Annotations[i:min(i+AnnotationsPerRequest, len(run.Annotations))]
		_, resp, err := c.gh.Checks.UpdateCheckRun(ctx, repo.Owner, repo.Name, res.ID,
			github.UpdateCheckRunOptions{Name: run.Name, Output: output(batch)})
		if err != nil {
			return res, c.wrap(fmt.Sprintf("add annotations %d-%d to check run %d", i+1, i+len(batch), res.ID), resp, err)
		}
		res.Requests++
	}
	return res, nil
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
