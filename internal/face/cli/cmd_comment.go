package cli

import (
	"cmp"
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/comparison"
	"github.com/hwcov/hwcov/internal/ghevent"
	"github.com/hwcov/hwcov/reporter"
)

// CommentOptions are the options of `hwcov comment`.
type CommentOptions struct {
	F     *Factory
	Flags CompareFlags
	Req   comparison.CommentRequest
}

// NewCmdComment builds `hwcov comment`.
func NewCmdComment(f *Factory) *cobra.Command {
	opts := &CommentOptions{F: f}
	cmd := &cobra.Command{
		Use:   "comment --base base.duckdb --head run.duckdb [--pr N]",
		Short: "Post the comparison as one sticky pull request comment, edited in place",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runComment(c.Context(), opts) },
	}
	fl, r := cmd.Flags(), &opts.Req
	addCompareFlags(fl, &opts.Flags)
	fl.IntVar(&r.PR, "pr", 0, "pull request number (default: from the event payload)")
	fl.StringVar(&r.PRFromFile, "pr-from-file", "", "read the pull request number from this untrusted file (a fork's artifact)")
	fl.StringVar(&r.PRFromFile, "pr-file", "", "alias of --pr-from-file")
	fl.Int64Var(&r.WorkflowRun, "workflow-run", 0, "id of the run the artifact came from; must match the file's run_id (default: the workflow_run event's)")
	fl.StringVar(&r.EventPath, "event-path", "", "event payload (default $GITHUB_EVENT_PATH)")
	fl.StringVar(&r.ExpectHeadSHA, "expect-head-sha", "", "refuse unless the pull request's head is this commit (default with --pr-from-file: the workflow_run's head)")
	fl.StringVar(&r.Repo, "repo", "", "owner/name (default $GITHUB_REPOSITORY)")
	fl.StringVar(&r.Details, "details-url", "", "link to the full report (default: this workflow run's page)")
	fl.StringVar(&r.DashboardURL, "dashboard-url", "", "link to this run's dashboard (the hwcov-dashboard artifact's URL)")
	fl.StringVar(&r.BotLogin, "bot-login", "", "login the sticky comment is written by (default: GET /user, or github-actions[bot])")
	fl.BoolVar(&r.DryRun, "dry-run", false, "print the comment body instead of posting it")
	fl.BoolVar(&r.Summary, "summary", false, "also append the report to $GITHUB_STEP_SUMMARY")
	fl.BoolVar(&r.Chart, "chart", true, "add a Mermaid chart of the largest regressions")
	cmd.MarkFlagsMutuallyExclusive("pr", "pr-from-file", "pr-file")
	return cmd
}

func runComment(ctx context.Context, opts *CommentOptions) error {
	f, r := opts.F, opts.Req
	if err := r.Check(); err != nil {
		return err
	}
	ev, err := ghevent.ReadOr(f.Getenv, r.EventPath)
	if err != nil {
		return err
	}
	target, err := ghevent.ResolveTarget(r.PR, r.PRFromFile, ev)
	if err != nil {
		return err
	}
	if target.Number == 0 && !r.DryRun {
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
	in := cr.ReportInput(cmp.Or(r.Details, detailsURL(f)), r.Chart)
	in.DashboardURL = r.DashboardURL
	body := reporter.RenderComment(in)
	if r.Summary {
		if err := appendStepSummary(f, reporter.RenderSummary(in)); err != nil {
			return err
		}
	}
	if r.DryRun {
		fmt.Fprint(f.Out, body)
		return cr.Verdict()
	}
	repo, gh, err := githubSession(f, r.Repo)
	if err != nil {
		return err
	}
	p, err := r.PostSticky(ctx, gh, comparison.Sticky{Repo: repo, Body: body, Target: target, Event: ev})
	switch {
	case err != nil:
		return githubError(err)
	case p.Skipped != "":
		fmt.Fprintf(f.Err, "hwcov comment: not commenting%s\n", p.Skipped)
		return nil
	}
	fmt.Fprintf(f.Out, "comment %s: %s\n", p.Action, cmp.Or(p.URL, fmt.Sprintf("%s#%d", repo, target.Number)))
	if p.Deleted > 0 {
		fmt.Fprintf(f.Err, "hwcov comment: removed %d duplicate comments\n", p.Deleted)
	}
	fmt.Fprintf(f.Err, "hwcov comment: %s\n", reporter.Verdict(cr.Report))
	return cr.Verdict()
}
