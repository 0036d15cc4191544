package cli

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/comparison"
	"github.com/hwcov/hwcov/internal/ghapi"
	"github.com/hwcov/hwcov/internal/ghevent"
	"github.com/hwcov/hwcov/reporter"
)

// CommentOptions are the options of `hwcov comment`.
type CommentOptions struct {
	F             *Factory
	Flags         CompareFlags
	PR            int
	PRFromFile    string
	WorkflowRun   int64
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

// NewCmdComment builds `hwcov comment`.
func NewCmdComment(f *Factory) *cobra.Command {
	opts := &CommentOptions{F: f}
	cmd := &cobra.Command{
		Use:   "comment --base base.duckdb --head run.duckdb [--pr N]",
		Short: "Post the comparison as one sticky pull request comment, edited in place",
		Long: `Compares --head with --base (as hwcov compare does) and keeps one comment on the
pull request: found by a hidden marker and the bot's login, edited in place when
its content changed, left alone when it did not. The comment holds the verdict,
new failures with their first error line, regressions with their change and
p-value, flaky tests, and the compatibility matrix in <details>; it is shortened
to GitHub's 65,536 characters (passing rows first) with a link to --details-url.

The pull request is --pr, else the one in the event payload ($GITHUB_EVENT_PATH).
For a fork's pull request, whose run cannot comment, the pull_request job uploads
the number in an artifact and a workflow_run job posts the comment with
--pr-from-file pr.json: the file is untrusted and must hold one positive integer,
and the pull request's head must be the commit the workflow_run event names.

Needs GITHUB_TOKEN with pull-requests: write (GITHUB_API_URL for GitHub Enterprise
Server). Exits 1 when --fail-on says so, after posting.`,
		Example: "  hwcov comment --base base.duckdb --head run.duckdb\n" +
			"  hwcov comment --pr 42 --repo octo/models --base base.duckdb --head run.duckdb --fail-on none\n" +
			"  hwcov comment --pr-from-file pr/pr.json --base base.duckdb --head run.duckdb   # workflow_run job\n" +
			"  hwcov comment --dry-run --base base.duckdb --head run.duckdb                  # print the body",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runComment(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.Flags.register(fl)
	fl.IntVar(&opts.PR, "pr", 0, "pull request number (default: from the event payload)")
	fl.StringVar(&opts.PRFromFile, "pr-from-file", "", "read the pull request number from this untrusted file (a fork's artifact)")
	fl.StringVar(&opts.PRFromFile, "pr-file", "", "alias of --pr-from-file")
	fl.Int64Var(&opts.WorkflowRun, "workflow-run", 0, "id of the run the artifact came from; must match the file's run_id (default: the workflow_run event's)")
	fl.StringVar(&opts.EventPath, "event-path", "", "event payload (default $GITHUB_EVENT_PATH)")
	fl.StringVar(&opts.ExpectHeadSHA, "expect-head-sha", "", "refuse unless the pull request's head is this commit (default with --pr-from-file: the workflow_run's head)")
	fl.StringVar(&opts.Repo, "repo", "", "owner/name (default $GITHUB_REPOSITORY)")
	fl.StringVar(&opts.Details, "details-url", "", "link to the full report (default: this workflow run's page)")
	fl.StringVar(&opts.DashboardURL, "dashboard-url", "", "link to this run's dashboard (the hwcov-dashboard artifact's URL)")
	fl.StringVar(&opts.BotLogin, "bot-login", "", "login the sticky comment is written by (default: GET /user, or github-actions[bot])")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the comment body instead of posting it")
	fl.BoolVar(&opts.Summary, "summary", false, "also append the report to $GITHUB_STEP_SUMMARY")
	fl.BoolVar(&opts.Chart, "chart", true, "add a Mermaid chart of the largest regressions")
	cmd.MarkFlagsMutuallyExclusive("pr", "pr-from-file", "pr-file")
	return cmd
}

func runComment(ctx context.Context, opts *CommentOptions) error {
	f := opts.F
	if u := opts.DashboardURL; u != "" && (!strings.HasPrefix(u, "https://") || strings.ContainsAny(u, " ()<>[]\n")) {
		return usagef("--dashboard-url https://github.com/OWNER/REPO/actions/runs/ID/artifacts/ID", "--dashboard-url %q: want an https URL", u)
	}
	if opts.PR < 0 {
		return usagef("--pr 42", "--pr %d: want a positive pull request number", opts.PR)
	}
	ev, err := ghevent.ReadOr(f.Getenv, opts.EventPath)
	if err != nil {
		return err
	}
	target, err := ghevent.ResolveTarget(opts.PR, opts.PRFromFile, ev)
	if err != nil {
		return err
	}
	pr := target.Number
	if pr == 0 && !opts.DryRun {
		if ev == nil {
			return usagef("hwcov comment --pr 42 ... (or run it in a pull_request workflow)", "no pull request: pass --pr or --pr-from-file")
		}
		fmt.Fprintf(f.Err, "hwcov comment: the event is not about a pull request; nothing to comment on\n")
		return nil
	}
	cr, err := loadComparison(ctx, f, &opts.Flags, "hwcov comment")
	if err != nil {
		return err
	}
	details := cmp.Or(opts.Details, detailsURL(f))
	in := cr.ReportInput(details, opts.Chart)
	in.DashboardURL = opts.DashboardURL
	body := reporter.RenderComment(in)
	if opts.Summary {
		if err := appendStepSummary(f, reporter.RenderSummary(in)); err != nil {
			return err
		}
	}
	if opts.DryRun {
		fmt.Fprint(f.Out, body)
		return cr.Verdict()
	}

	repo, gh, err := githubSession(f, opts.Repo)
	if err != nil {
		return err
	}
	expect, ok, err := opts.expectedHead(f, ev, target.Record, target.FromFile)
	if err != nil || !ok {
		return err
	}
	if ok, err := headIs(ctx, f, gh, repo, pr, expect); err != nil || !ok {
		return err
	}
	return opts.post(ctx, gh, repo, pr, body, cr)
}

// post writes body as the pull request's sticky comment and returns the
// comparison's verdict.
func (opts *CommentOptions) post(ctx context.Context, gh *ghapi.Client, repo ghapi.Repo, pr int, body string, cr *comparison.Comparison) error {
	f := opts.F
	res, err := gh.UpsertComment(ctx, repo, pr, body, ghapi.CommentOptions{Marker: reporter.CommentMarker, Login: opts.BotLogin})
	if err != nil {
		return githubError(err)
	}
	where := res.URL
	if where == "" {
		where = fmt.Sprintf("%s#%d", repo, pr)
	}
	fmt.Fprintf(f.Out, "comment %s: %s\n", res.Action, where)
	if res.Deleted > 0 {
		fmt.Fprintf(f.Err, "hwcov comment: removed %d duplicate comments\n", res.Deleted)
	}
	fmt.Fprintf(f.Err, "hwcov comment: %s\n", reporter.Verdict(cr.Report))
	return cr.Verdict()
}

// expectedHead is the commit the pull request's head must be: --expect-head-sha,
// or with --pr-from-file the workflow_run's head. ok is false (and the reason
// printed) when the untrusted file names another run or commit.
func (opts *CommentOptions) expectedHead(f *Factory, ev *ghevent.Event, rec ghevent.PR, fromFile bool) (expect string, ok bool, err error) {
	if !fromFile {
		return opts.ExpectHeadSHA, true, nil
	}
	expect, refusal, err := rec.ExpectedHead(ev, opts.ExpectHeadSHA, opts.WorkflowRun)
	if refusal != "" {
		fmt.Fprintf(f.Err, "hwcov comment: not commenting: %s\n", refusal)
	}
	return expect, err == nil && refusal == "", err
}

// headIs says whether the pull request's head is expect (always, when expect
// is empty); when not, it prints why there is no comment.
func headIs(ctx context.Context, f *Factory, gh *ghapi.Client, repo ghapi.Repo, pr int, expect string) (bool, error) {
	if expect != "" {
		head, err := gh.PullRequestHead(ctx, repo, pr)
		if err != nil {
			return false, githubError(err)
		}
		if !strings.EqualFold(head, expect) {
			// A newer push (these results are stale), or a number that is not
			// this run's pull request: either way, no comment.
			fmt.Fprintf(f.Err, "hwcov comment: not commenting on %s#%d: its head is %s, these results are of %s\n",
				repo, pr, ghevent.ShortSHA(head), ghevent.ShortSHA(expect))
			return false, nil
		}
	}
	return true, nil
}
