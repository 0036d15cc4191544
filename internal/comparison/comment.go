package comparison

import (
	"context"
	"fmt"
	"strings"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
	"github.com/hwcov/hwcov/internal/ghevent"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/reporter"
)

// CommentRequest is `hwcov comment` apart from the comparison: which pull
// request, how far to trust it, and what the comment links to.
type CommentRequest struct {
	PR            int
	PRFromFile    string // an untrusted PR record (a fork's artifact)
	WorkflowRun   int64  // the run the record must come from
	EventPath     string
	ExpectHeadSHA string
	Repo          string
	Details       string
	DashboardURL  string
	BotLogin      string
	DryRun        bool
	Summary       bool
	Chart         bool
}

// Check checks the values of the request.
func (r CommentRequest) Check() error {
	if u := r.DashboardURL; u != "" && (!strings.HasPrefix(u, "https://") || strings.ContainsAny(u, " ()<>[]\n")) {
		return hwerr.Usagef("--dashboard-url https://github.com/OWNER/REPO/actions/runs/ID/artifacts/ID", "--dashboard-url %q: want an https URL", u)
	}
	if r.PR < 0 {
		return hwerr.Usagef("--pr 42", "--pr %d: want a positive pull request number", r.PR)
	}
	return nil
}

// Sticky is the comment to keep on a pull request, and what its head must
// be for these results to be about it.
type Sticky struct {
	Repo   ghapi.Repo
	Body   string
	Target ghevent.Target
	Event  *ghevent.Event
}

// Posted is what PostSticky did: the comment, or why there is none.
type Posted struct {
	Skipped string // "": posted
	ghapi.CommentResult
}

// PostSticky writes s.Body as the pull request's sticky comment, unless
// the pull request's head is not the commit these results are of (or the
// untrusted record names another run or commit): then Skipped says why.
func (r CommentRequest) PostSticky(ctx context.Context, gh *ghapi.Client, s Sticky) (Posted, error) {
	pr, expect := s.Target.Number, r.ExpectHeadSHA
	if s.Target.FromFile {
		head, refusal, err := s.Target.Record.ExpectedHead(s.Event, r.ExpectHeadSHA, r.WorkflowRun)
		if refusal != "" || err != nil {
			return Posted{Skipped: ": " + refusal}, err
		}
		expect = head
	}
	if expect != "" {
		head, err := gh.PullRequestHead(ctx, s.Repo, pr)
		if err != nil {
			return Posted{}, err
		}
		if !strings.EqualFold(head, expect) {
			// A newer push (these results are stale), or a number that is not
			// this run's pull request: either way, no comment.
			return Posted{Skipped: fmt.Sprintf(" on %s#%d: its head is %s, these results are of %s",
				s.Repo, pr, ghevent.ShortSHA(head), ghevent.ShortSHA(expect))}, nil
		}
	}
	res, err := gh.UpsertComment(ctx, s.Repo, pr, s.Body, ghapi.CommentOptions{Marker: reporter.CommentMarker, Login: r.BotLogin})
	return Posted{CommentResult: res}, err
}

// CheckRequest is `hwcov check` apart from the comparison.
type CheckRequest struct {
	Name           string
	SHA            string
	Repo           string
	EventPath      string
	Details        string
	MaxAnnotations int
}

// HeadSHA checks the request and returns the commit the check run is
// attached to: SHA, else the event's head, else $GITHUB_SHA.
func (r CheckRequest) HeadSHA(getenv func(string) string) (string, error) {
	if strings.TrimSpace(r.Name) == "" {
		return "", hwerr.Usagef("--name hwcov", "--name must not be empty")
	}
	sha := r.SHA
	if sha == "" {
		ev, err := ghevent.ReadOr(getenv, r.EventPath)
		if err != nil {
			return "", err
		}
		sha = ev.HeadSHA()
	}
	if sha == "" {
		sha = getenv("GITHUB_SHA")
	}
	if sha == "" {
		return "", hwerr.Usagef("--sha $(git rev-parse HEAD)", "no commit to attach the check run to: pass --sha or run in GitHub Actions")
	}
	return sha, nil
}
