package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/store"
	"github.com/hwcov/hwcov/reporter"
)

// ReportFailuresOptions are the options of `hwcov report failures`.
type ReportFailuresOptions struct {
	F         *Factory
	DB        string
	Format    string
	GroupBy   []string
	ByPattern bool
	Explain   bool
	Solutions bool
	RunID     string
	Out       string
}

// NewCmdReportFailures builds `hwcov report failures`.
func NewCmdReportFailures(f *Factory) *cobra.Command {
	opts := &ReportFailuresOptions{F: f}
	cmd := &cobra.Command{
		Use:   "failures",
		Short: "Failures grouped by fingerprint, platform and template chain (guide: --error-pattern-analysis)",
		Long: `Groups the newest failed result of every test by its fingerprint (the error
message and innermost traceback frames with numbers, shapes, hex ids, paths and
model names replaced), platform and template chain. Results without a
fingerprint get one from the current rules, stored back in the database.
Infrastructure errors are listed apart; passes and skips are left out.`,
		Example: "  hwcov report failures\n  hwcov report failures --by-pattern --explain\n  hwcov report failures --format markdown --solutions --out error_resolution_guide.md",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runReportFailures(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addDBFlags(fl, &opts.DB, &opts.Format, &opts.Out, formatUsage("table", reporter.FailureFormats...))
	fl.StringSliceVar(&opts.GroupBy, "group-by", nil, "group by these of "+strings.Join(fingerprint.Keys, ",")+" (default fingerprint,hardware,template)")
	fl.BoolVar(&opts.ByPattern, "by-pattern", false, "group by fingerprint only (guide: --error-pattern-analysis)")
	fl.BoolVar(&opts.ByPattern, "error-pattern-analysis", false, "alias of --by-pattern")
	fl.BoolVar(&opts.Explain, "explain", false, "say why results grouped: the signature and the rules that matched")
	fl.BoolVar(&opts.Solutions, "solutions", false, "write the error resolution guide (markdown)")
	fl.StringVar(&opts.RunID, "run", "", "only this run id (default: the newest result of every test)")
	return cmd
}

func runReportFailures(ctx context.Context, opts *ReportFailuresOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	def := "table"
	if opts.Solutions {
		def = "markdown"
	}
	format, err := outputFormat(opts.Format, opts.Out, def, reporter.FailureFormats...)
	if err != nil {
		return err
	}
	if opts.Solutions && format != "markdown" {
		return usagef("--format markdown --solutions", "--solutions writes markdown, not %s", format)
	}
	groupBy := opts.GroupBy
	if opts.ByPattern {
		groupBy = []string{"fingerprint"}
	}
	keys, err := fingerprint.ParseKeys(groupBy)
	if err != nil {
		return usagef("--group-by fingerprint,hardware,template", "%v", err)
	}
	db, done, err := openFingerprintDB(opts.F, opts.DB)
	if err != nil {
		return err
	}
	defer done()
	rs, all, err := db.ResultsWithFingerprints(ctx, opts.RunID)
	if err != nil {
		return err
	}
	decl, err := opts.F.Declarations()
	if err != nil {
		return err
	}
	rep := fingerprint.BuildWith(rs, all, keys, decl)
	ropts := reporter.FailureOptions{Explain: opts.Explain, Solutions: opts.Solutions}
	if opts.Solutions {
		if ropts.Fixes, err = db.VerifiedFixes(ctx); err != nil {
			return err
		}
	}
	return writeOutput(opts.F, opts.Out, func(b *strings.Builder) error {
		return reporter.WriteFailures(b, rep, format, ropts)
	})
}

// openFingerprintDB opens an existing database writable, so that new
// fingerprints are stored; one that cannot be written is read (migrated on a
// copy when older) and its fingerprints are computed but not stored.
func openFingerprintDB(f *Factory, path string) (*store.DB, func(), error) {
	return f.OpenFingerprintDB(path)
}
