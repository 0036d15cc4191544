package cli

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/reportrun"
)

// ReportExportOptions are the options of `hwcov report export`.
type ReportExportOptions struct {
	F   *Factory
	Req reportrun.ExportRequest
}

// NewCmdReportExport builds `hwcov report export`.
func NewCmdReportExport(f *Factory) *cobra.Command {
	opts := &ReportExportOptions{F: f}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Every result as CSV, JSON or Parquet for pandas, DuckDB or a spreadsheet (guide: --export-results)",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runReportExport(c.Context(), opts) },
	}
	fl := cmd.Flags()
	addDBFlags(fl, &opts.Req.DB, &opts.Req.Format, &opts.Req.Out, strings.Join(store.ExportFormats, ", ")+" (default: from --out's extension)")
	fl.StringVar(&opts.Req.RunID, "run", "", "only this run id (default: every run)")
	return cmd
}

func runReportExport(ctx context.Context, opts *ReportExportOptions) error {
	n, format, err := reportrun.Export(cmp.Or(ctx, context.Background()), opts.F.Workspace, opts.Req)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.F.Err, "wrote %s: %d rows, %s (columns: docs/reports.md)\n", opts.Req.Out, n, format)
	return nil
}
