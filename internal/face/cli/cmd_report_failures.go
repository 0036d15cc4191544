package cli

import (
	"cmp"
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/reportrun"
	"github.com/hwcov/hwcov/reporter"
)

// ReportFailuresOptions are the options of `hwcov report failures`.
type ReportFailuresOptions struct {
	F   *Factory
	Req reportrun.FailuresRequest
	Out string
}

// NewCmdReportFailures builds `hwcov report failures`.
func NewCmdReportFailures(f *Factory) *cobra.Command {
	opts := &ReportFailuresOptions{F: f}
	cmd := &cobra.Command{
		Use:   "failures",
		Short: "Failures grouped by fingerprint, platform and template chain (guide: --error-pattern-analysis)",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runReportFailures(c.Context(), opts) },
	}
	fl, r := cmd.Flags(), &opts.Req
	addDBFlags(fl, &r.DB, &r.Format, &opts.Out, formatUsage("table", reporter.FailureFormats...))
	fl.StringSliceVar(&r.GroupBy, "group-by", nil, "group by these of "+strings.Join(fingerprint.Keys, ",")+" (default fingerprint,hardware,template)")
	fl.BoolVar(&r.ByPattern, "by-pattern", false, "group by fingerprint only (guide: --error-pattern-analysis)")
	fl.BoolVar(&r.ByPattern, "error-pattern-analysis", false, "alias of --by-pattern")
	fl.BoolVar(&r.Explain, "explain", false, "say why results grouped: the signature and the rules that matched")
	fl.BoolVar(&r.Solutions, "solutions", false, "write the error resolution guide (markdown)")
	fl.StringVar(&r.RunID, "run", "", "only this run id (default: the newest result of every test)")
	return cmd
}

func runReportFailures(ctx context.Context, opts *ReportFailuresOptions) error {
	r := opts.Req
	def := "table"
	if r.Solutions {
		def = "markdown"
	}
	var err error
	if r.Format, err = outputFormat(r.Format, opts.Out, def, reporter.FailureFormats...); err != nil {
		return err
	}
	render, err := reportrun.Failures(cmp.Or(ctx, context.Background()), opts.F.Workspace, r)
	if err != nil {
		return err
	}
	return writeOutput(opts.F, opts.Out, func(b *strings.Builder) error { return render(b) })
}

// openFingerprintDB opens an existing database writable, so that new
// fingerprints are stored; one that cannot be written is read (migrated on a
// copy when older) and its fingerprints are computed but not stored.
func openFingerprintDB(f *Factory, path string) (*store.DB, func(), error) {
	return f.OpenFingerprintDB(path)
}
