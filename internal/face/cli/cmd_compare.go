package cli

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/comparison"
	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/reporter"
)

// CompareFlags are the flags compare, comment and check share: which
// databases, how to decide, and when to fail.
type CompareFlags = comparison.Request

// addCompareFlags registers the flags compare, comment and check share.
func addCompareFlags(fl *pflag.FlagSet, c *comparison.Request) {
	d := compare.DefaultOptions()
	fl.StringVar(&c.Base, "base", "", "base branch results database, from hwcov baseline fetch (empty: no baseline)")
	fl.StringVar(&c.Head, "head", "", "this run's merged results database (required)")
	fl.StringVar(&c.Head, "db", "", "alias of --head")
	fl.Float64Var(&c.Threshold, "threshold", d.Threshold*100, "smallest change of a median that counts as a regression, in percent")
	fl.Float64Var(&c.Alpha, "alpha", d.Alpha, "significance level the statistical test must reach")
	fl.StringVar(&c.Test, "test", d.Test, "statistical test: "+strings.Join(compare.Tests, " or "))
	fl.IntVar(&c.MinSamples, "min-samples", d.MinSamples, "fewest values a side needs for a statistical test")
	fl.IntVar(&c.Window, "window", d.Window, "newest base runs of a test whose samples are pooled (a history database holds many)")
	fl.StringSliceVar(&c.IgnoreEnv, "ignore-env", nil, "environment keys that may differ between base and head (e.g. numpy)")
	fl.StringVar(&c.FailOn, "fail-on", "new-failures", "what exits 1: comma-separated "+strings.Join(compare.PolicyNames, ", "))
}

// loadComparison checks the flags and loads the comparison they name.
func loadComparison(ctx context.Context, f *Factory, c *CompareFlags, cmd string) (*comparison.Comparison, error) {
	return comparison.LoadRequest(ctx, f.Workspace, *c, cmd)
}

// annotations are the comparison's annotations for this workflow run.
func annotations(f *Factory, cr *comparison.Comparison) []reporter.Annotation {
	dir := ""
	if cfg, err := f.Config(); err == nil {
		dir = cfg.TemplatesDir
	}
	return cr.Annotations(f.Getenv("GITHUB_WORKSPACE"), f.Getenv("GITHUB_REPOSITORY"), dir)
}

// appendStepSummary appends markdown to $GITHUB_STEP_SUMMARY when it is set.
func appendStepSummary(f *Factory, markdown string) error {
	path := f.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	if err := fsutil.AppendFile(path, markdown+"\n"); err != nil {
		return fmt.Errorf("write the job summary: %w", err)
	}
	return nil
}

// detailsURL is the run's page: $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID.
func detailsURL(f *Factory) string {
	server, repo, run := f.Getenv("GITHUB_SERVER_URL"), f.Getenv("GITHUB_REPOSITORY"), f.Getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || run == "" {
		return ""
	}
	return strings.TrimSuffix(server, "/") + "/" + repo + "/actions/runs/" + run
}

// CompareOptions are the options of `hwcov compare`.
type CompareOptions struct {
	F       *Factory
	Flags   CompareFlags
	Format  string
	Out     string
	Summary bool
	Details string
}

// CompareFormats are the formats `hwcov compare` writes.
var CompareFormats = []string{"markdown", "json"}

// NewCmdCompare builds `hwcov compare`.
func NewCmdCompare(f *Factory) *cobra.Command {
	opts := &CompareOptions{F: f}
	cmd := &cobra.Command{
		Use:   "compare --base base.duckdb --head run.duckdb",
		Short: "Compare a run with the base branch: new failures, fixed, flaky, not run, regressions",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runCompare(c.Context(), opts) },
	}
	fl := cmd.Flags()
	addCompareFlags(fl, &opts.Flags)
	fl.StringVar(&opts.Format, "format", "", formatUsage("markdown", CompareFormats...))
	fl.StringVarP(&opts.Out, "out", "o", "", "write to this file instead of stdout")
	fl.BoolVar(&opts.Summary, "summary", true, "append the report to $GITHUB_STEP_SUMMARY when it is set")
	fl.StringVar(&opts.Details, "details-url", "", "link to the full report (default: this workflow run's page)")
	return cmd
}

func runCompare(ctx context.Context, opts *CompareOptions) error {
	f := opts.F
	if ctx == nil {
		ctx = context.Background()
	}
	format, err := outputFormat(opts.Format, opts.Out, "markdown", CompareFormats...)
	if err != nil {
		return err
	}
	cr, err := loadComparison(ctx, f, &opts.Flags, "hwcov compare")
	if err != nil {
		return err
	}
	details := cmp.Or(opts.Details, detailsURL(f))
	in := cr.ReportInput(details, true)
	summary := reporter.RenderSummary(in)
	err = writeOutput(f, opts.Out, func(b *strings.Builder) error {
		if format == "json" {
			return writeJSON(b, cr.JSON())
		}
		b.WriteString(summary)
		return nil
	})
	if err != nil {
		return err
	}
	if opts.Summary {
		if err := appendStepSummary(f, summary); err != nil {
			return err
		}
	}
	if f.Getenv("GITHUB_ACTIONS") == "true" {
		if err := reporter.WriteAnnotations(f.Err, annotations(f, cr), 10); err != nil {
			return err
		}
	}
	fmt.Fprintf(f.Err, "hwcov compare: %s\n", reporter.Verdict(cr.Report))
	if cr.NoBaseline != "" {
		fmt.Fprintf(f.Err, "hwcov compare: %s\n", strings.ReplaceAll(cr.NoBaseline, "`", ""))
	}
	return cr.Verdict()
}
