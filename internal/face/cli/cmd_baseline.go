package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
	"github.com/hwcov/hwcov/internal/baseline"
	"github.com/hwcov/hwcov/internal/ghevent"
)

// NewCmdBaseline builds `hwcov baseline`.
func NewCmdBaseline(f *Factory) *cobra.Command {
	return group("baseline", "The base branch's results, to compare a pull request with",
		NewCmdBaselineFetch(f))
}

// BaselineFetchOptions are the options of `hwcov baseline fetch`.
type BaselineFetchOptions struct {
	F       *Factory
	Req     baseline.Request
	Repo    string
	Require bool
}

// NewCmdBaselineFetch builds `hwcov baseline fetch`.
func NewCmdBaselineFetch(f *Factory) *cobra.Command {
	opts := &BaselineFetchOptions{F: f}
	cmd := &cobra.Command{
		Use:   "fetch --out base.duckdb",
		Short: "Download the newest successful base-branch run's results database",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runBaselineFetch(c.Context(), opts) },
	}
	fl, r := cmd.Flags(), &opts.Req
	fl.StringVar(&opts.Repo, "repo", "", "owner/name (default $GITHUB_REPOSITORY)")
	fl.StringVar(&r.Query.Branch, "branch", "", "base branch (default $GITHUB_BASE_REF, else main)")
	fl.StringVar(&r.Query.Workflow, "workflow", "", "workflow file name (or id) whose runs upload the database (default: this run's own file, from $GITHUB_WORKFLOW_REF, else hwcov.yml)")
	fl.StringVar(&r.Query.Artifact, "artifact", "hwcov-db", "artifact name")
	fl.StringVar(&r.File, "file", "*.duckdb", "file in the artifact (a pattern; exactly one must match)")
	fl.StringVarP(&r.Out, "out", "o", "base.duckdb", "where to write the database")
	fl.StringVar(&r.Query.HeadSHA, "sha", "", "prefer the run of this commit (the merge base)")
	fl.Int64Var(&r.MaxArchive, "max-archive-bytes", 1<<30, "largest artifact archive accepted")
	fl.Int64Var(&r.MaxFile, "max-file-bytes", 4<<30, "largest extracted database accepted")
	fl.BoolVar(&opts.Require, "require", false, "exit 1 when there is no baseline instead of writing an empty database")
	return cmd
}

func runBaselineFetch(ctx context.Context, opts *BaselineFetchOptions) error {
	f, r := opts.F, opts.Req
	if r.Out == "" {
		return usagef("--out base.duckdb", "--out is required")
	}
	repo, gh, err := githubSession(f, opts.Repo)
	if err != nil {
		return err
	}
	q := &r.Query
	q.Workflow = cmp.Or(q.Workflow, baseline.WorkflowFile(f.Getenv("GITHUB_WORKFLOW_REF")))
	q.Branch = cmp.Or(q.Branch, f.Getenv("GITHUB_BASE_REF"), "main")
	b, err := baseline.Fetch(cmp.Or(ctx, context.Background()), gh, repo, r)
	switch {
	case errors.Is(err, ghapi.ErrNoBaseline) && opts.Require:
		return &policyError{Msg: err.Error() + " (--require)"}
	case errors.Is(err, ghapi.ErrNoBaseline):
		fmt.Fprintf(f.Err, "hwcov baseline: %v; writing an empty baseline to %s\n", err, r.Out)
		setOutputs(f, map[string]string{"baseline-found": "false", "baseline-path": r.Out})
		return baseline.WriteEmpty(r.Out, *q, err)
	case err != nil:
		return githubError(err)
	}
	if q.HeadSHA != "" && !b.ExactSHA {
		fmt.Fprintf(f.Err, "hwcov baseline: no run of %s has the artifact; using the newest, of %s\n", ghevent.ShortSHA(q.HeadSHA), ghevent.ShortSHA(b.HeadSHA))
	}
	fmt.Fprintf(f.Out, "%s: %s of run %d (%s on %s @ %s, %s), %s\n", r.Out, b.Name, b.RunID, q.Workflow, b.Branch,
		ghevent.ShortSHA(b.HeadSHA), b.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), baseline.ByteSize(b.Size))
	setOutputs(f, map[string]string{"baseline-found": "true", "baseline-path": r.Out,
		"baseline-run-id": fmt.Sprint(b.RunID), "baseline-sha": b.HeadSHA})
	return nil
}

// setOutputs appends step outputs to $GITHUB_OUTPUT when it is set.
func setOutputs(f *Factory, kv map[string]string) {
	path := f.Getenv("GITHUB_OUTPUT")
	if path == "" {
		return
	}
	file, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintf(f.Err, "hwcov: write step outputs: %v\n", err)
		return
	}
	defer file.Close()
	for _, k := range []string{"baseline-found", "baseline-path", "baseline-run-id", "baseline-sha"} {
		if v, ok := kv[k]; ok && !strings.ContainsAny(v, "\r\n") {
			fmt.Fprintf(file, "%s=%s\n", k, v)
		}
	}
}
