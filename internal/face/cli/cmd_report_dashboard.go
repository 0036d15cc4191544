package cli

import (
	"cmp"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/reportrun"
	"github.com/hwcov/hwcov/reporter"
)

// ReportDashboardOptions are the options of `hwcov report dashboard`.
type ReportDashboardOptions struct {
	F      *Factory
	DB     string
	Out    string
	Update bool
	Title  string
}

// NewCmdReportDashboard builds `hwcov report dashboard`.
func NewCmdReportDashboard(f *Factory) *cobra.Command {
	opts := &ReportDashboardOptions{F: f}
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "One self-contained HTML page: matrix, drill-down, trends (guide: --generate-dashboard)",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runReportDashboard(c.Context(), opts) },
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.DB, "db", "", "DuckDB history file (default db in hwcov.yaml, ./benchmark_db.duckdb)")
	fl.StringVar(&opts.DB, "db-path", "", "alias of --db")
	fl.StringVarP(&opts.Out, "out", "o", "dashboard", "folder to write index.html into, or a file ending in .html")
	fl.StringVar(&opts.Out, "output", "dashboard", "alias of --out")
	fl.StringVar(&opts.Out, "dashboard-path", "dashboard", "alias of --out")
	fl.BoolVar(&opts.Update, "update", false, "rewrite an existing dashboard in place; fail when there is none")
	fl.BoolVar(&opts.Update, "update-dashboard", false, "alias of --update")
	fl.StringVar(&opts.Title, "title", "", "the page's title (default: hwcov dashboard)")
	return cmd
}

func runReportDashboard(ctx context.Context, opts *ReportDashboardOptions) error {
	path := dashboardFile(opts.Out)
	if opts.Update {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return usagef("hwcov report dashboard --out "+opts.Out, "--update: no dashboard at %q to update", path)
		}
	}
	d, err := reportrun.DashboardData(cmp.Or(ctx, context.Background()), opts.F.Workspace, opts.DB, opts.F.Now(), false)
	if err != nil {
		return err
	}
	d.Title = opts.Title
	return writeOutput(opts.F, path, func(b *strings.Builder) error {
		return reporter.WriteDashboard(b, reporter.BuildDashboard(d))
	})
}

// dashboardFile is where --out puts the page: the file itself when it ends
// in .html, else index.html inside the folder.
func dashboardFile(out string) string {
	if strings.EqualFold(filepath.Ext(out), ".html") {
		return out
	}
	return filepath.Join(out, "index.html")
}

// matrixFormats are what `report matrix` writes: the reporter's formats and
// html, the dashboard's matrix view.
var matrixFormats = append(append([]string{}, reporter.MatrixFormats...), "html")

// writeMatrixPage writes the dashboard's matrix view alone (report matrix
// --format html; guide: --visualize-coverage).
func writeMatrixPage(ctx context.Context, opts *ReportMatrixOptions) error {
	if r := opts.Req; r.RunID != "" || r.Category != "" || len(r.Hardware) > 0 {
		return usagef("hwcov report matrix --format html --out coverage_visualization.html", "--format html shows every result and filters in the page; drop --run, --category and --hardware")
	}
	in, err := reportrun.DashboardData(ctx, opts.F.Workspace, opts.Req.DB, opts.F.Now(), true)
	if err != nil {
		return err
	}
	in.Title = "hwcov coverage matrix"
	return writeOutput(opts.F, opts.Out, func(b *strings.Builder) error {
		return reporter.WriteDashboard(b, reporter.BuildDashboard(in))
	})
}
