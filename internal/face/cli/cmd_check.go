package cli

import (
	"cmp"
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/comparison"
	"github.com/hwcov/hwcov/internal/ghevent"
)

// CheckOptions are the options of `hwcov check`.
type CheckOptions struct {
	F     *Factory
	Flags CompareFlags
	Req   comparison.CheckRequest
}

// NewCmdCheck builds `hwcov check`.
func NewCmdCheck(f *Factory) *cobra.Command {
	opts := &CheckOptions{F: f}
	cmd := &cobra.Command{
		Use:   "check --head run.duckdb [--base base.duckdb]",
		Short: "Create a check run with the comparison and annotations for new failures",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runCheck(c.Context(), opts) },
	}
	fl, r := cmd.Flags(), &opts.Req
	addCompareFlags(fl, &opts.Flags)
	fl.StringVar(&r.Name, "name", "hwcov", "check run name")
	fl.StringVar(&r.SHA, "sha", "", "commit to attach the check to (default: the pull request's head, else $GITHUB_SHA)")
	fl.StringVar(&r.Repo, "repo", "", "owner/name (default $GITHUB_REPOSITORY)")
	fl.StringVar(&r.EventPath, "event-path", "", "event payload (default $GITHUB_EVENT_PATH)")
	fl.StringVar(&r.Details, "details-url", "", "link to the full report (default: this workflow run's page)")
	fl.IntVar(&r.MaxAnnotations, "max-annotations", 1000, "most annotations to send")
	return cmd
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	f, r := opts.F, opts.Req
	ctx = cmp.Or(ctx, context.Background())
	sha, err := r.HeadSHA(f.Getenv)
	if err != nil {
		return err
	}
	cr, err := loadComparison(ctx, f, &opts.Flags, "hwcov check")
	if err != nil {
		return err
	}
	repo, gh, err := githubSession(f, r.Repo)
	if err != nil {
		return err
	}
	run, skipped := cr.CheckRun(r.Name, sha, cmp.Or(r.Details, detailsURL(f)), annotations(f, cr), r.MaxAnnotations)
	res, err := gh.CreateCheckRun(ctx, repo, run)
	if err != nil {
		return githubError(err)
	}
	fmt.Fprintf(f.Out, "check run %q (%s) on %s: %s, %d annotations in %d requests\n",
		r.Name, run.Conclusion, ghevent.ShortSHA(sha), res.URL, len(run.Annotations), res.Requests)
	if skipped > 0 {
		fmt.Fprintf(f.Err, "hwcov check: %d annotations left out (no file in the repository to point at, or over --max-annotations)\n", skipped)
	}
	return cr.Verdict()
}
