package reportrun

import (
	"context"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/hint"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/workspace"
)

// ExportRequest is `hwcov report export`.
type ExportRequest struct {
	DB     string
	Format string // default: from Out's extension
	Out    string
	RunID  string // default: every run
}

// Export writes the results table to req.Out and returns the rows written
// and the format.
func Export(ctx context.Context, w *workspace.Workspace, req ExportRequest) (int64, string, error) {
	if req.Out == "" || req.Out == "-" {
		return 0, "", hwerr.Usagef("hwcov report export --format csv --out results.csv", "--out is required: the export is a file")
	}
	format := req.Format
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(req.Out)), ".")
	}
	if !slices.Contains(store.ExportFormats, format) {
		return 0, "", hwerr.Usagef("--format parquet (or csv, json)", "--format %q is not one of %s (--out %q)", format, strings.Join(store.ExportFormats, ", "), req.Out)
	}
	path, err := w.DBPath(req.DB)
	if err != nil {
		return 0, "", err
	}
	n, err := store.Export(ctx, path, req.Out, format, req.RunID)
	if err != nil {
		return 0, "", hint.DB(path, "", err)
	}
	return n, format, nil
}
