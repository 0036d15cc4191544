package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/store"
)

// ReportExportOptions are the options of `hwcov report export`.
type ReportExportOptions struct {
	F      *Factory
	DB     string
	Format string
	Out    string
	RunID  string
}

// NewCmdReportExport builds `hwcov report export`.
func NewCmdReportExport(f *Factory) *cobra.Command {
	opts := &ReportExportOptions{F: f}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Every result as CSV, JSON or Parquet for pandas, DuckDB or a spreadsheet (guide: --export-results)",
		Long: `Writes one row per attempt of every test of every run, with the run's commit and
the failure's fingerprint, through DuckDB's own COPY. The columns are listed in
docs/reports.md. The database is read the way every untrusted file is: attached
read-only to a private in-memory DuckDB that can reach no other file.`,
		Example: "  hwcov report export --format csv --out results.csv\n  hwcov report export --out results.parquet\n  python -c \"import pandas; print(pandas.read_parquet('results.parquet'))\"",
		Args:    cobra.NoArgs,
		RunE:    func(c *cobra.Command, _ []string) error { return runReportExport(c.Context(), opts) },
	}
	fl := cmd.Flags()
	addDBFlags(fl, &opts.DB, &opts.Format, &opts.Out, strings.Join(store.ExportFormats, ", ")+" (default: from --out's extension)")
	fl.StringVar(&opts.RunID, "run", "", "only this run id (default: every run)")
	return cmd
}

func runReportExport(ctx context.Context, opts *ReportExportOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.Out == "" || opts.Out == "-" {
		return usagef("hwcov report export --format csv --out results.csv", "--out is required: the export is a file")
	}
	format := opts.Format
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(opts.Out)), ".")
	}
	if err := checkFormat("format", format, store.ExportFormats...); err != nil {
		return usagef("--format parquet (or csv, json)", "--format %q is not one of %s (--out %q)", format, strings.Join(store.ExportFormats, ", "), opts.Out)
	}
	path, err := opts.F.DBPath(opts.DB)
	if err != nil {
		return err
	}
	n, err := store.Export(ctx, path, opts.Out, format, opts.RunID)
	if err != nil {
		return dbError(path, "", err)
	}
	fmt.Fprintf(opts.F.Err, "wrote %s: %d rows, %s (columns: docs/reports.md)\n", opts.Out, n, format)
	return nil
}
