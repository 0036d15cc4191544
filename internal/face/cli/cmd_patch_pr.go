package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/botpr"
	"github.com/hwcov/hwcov/reporter"
)

// PRTokenEnv is the environment variable whose token `hwcov patch pr`
// prefers to GITHUB_TOKEN: a GitHub App installation token or a PAT, whose
// pull requests trigger workflows (GITHUB_TOKEN's do not).
const PRTokenEnv = "HWCOV_PR_TOKEN"

// PatchPROptions are the options of `hwcov patch pr`.
type PatchPROptions struct {
	F       *Factory
	Input   []string
	Repo    string
	MaxOpen int
	DryRun  bool
	JSON    bool
}

// NewCmdPatchPR builds `hwcov patch pr`.
func NewCmdPatchPR(f *Factory) *cobra.Command {
	opts := &PatchPROptions{F: f}
	cmd := &cobra.Command{
		Use:   "pr --input proposals.json",
		Short: "Open, update or close one pull request per verified template patch",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runPatchPR(c.Context(), opts) },
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Input, "input", nil, "proposals JSON, or a folder of them (one per platform; merged by rule); repeatable (see docs/patch-pr.md)")
	fl.StringVar(&opts.Repo, "repo", "", "owner/name (default $GITHUB_REPOSITORY)")
	fl.IntVar(&opts.MaxOpen, "max-open", botpr.DefaultMaxOpen, "most hwcov pull requests open at once")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "read GitHub and say what would happen; push, open, comment and close nothing")
	fl.BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	return cmd
}

func runPatchPR(ctx context.Context, opts *PatchPROptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	in, err := botpr.ReadRequest(opts.Input, opts.MaxOpen)
	if err != nil {
		return err
	}
	f := *opts.F
	if tok := opts.F.Getenv(PRTokenEnv); tok != "" {
		f.Getenv = func(k string) string {
			if k == "GITHUB_TOKEN" {
				return tok
			}
			return opts.F.Getenv(k)
		}
	}
	repo, gh, err := githubSession(&f, opts.Repo)
	if err != nil {
		return err
	}
	rep, err := botpr.Run(ctx, gh, repo, in.Proposals, botpr.Options{MaxOpen: opts.MaxOpen, DryRun: opts.DryRun})
	if opts.JSON {
		reporter.WriteJSON(opts.F.Out, rep, reporter.EscapeHTML)
	} else {
		fmt.Fprint(opts.F.Out, rep.Text())
	}
	if serr := appendStepSummary(opts.F, rep.Markdown()); serr != nil && err == nil {
		err = serr
	}
	return githubError(err)
}
