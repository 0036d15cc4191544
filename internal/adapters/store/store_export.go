package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ExportFormats are the file formats Export writes.
var ExportFormats = []string{"csv", "json", "parquet"}

// ExportColumns are the columns Export writes, in order, with their DuckDB
// types; docs/reports.md says what each holds. Every attempt of every test
// of every run is one row.
var ExportColumns = []struct{ Name, Type, SQL string }{
	{"result_id", "BIGINT", "r.id"},
	{"run_id", "VARCHAR", "r.run_id"},
	{"test_id", "VARCHAR", "r.test_id"},
	{"architecture", "VARCHAR", "r.model_architecture"},
	{"model_name", "VARCHAR", "r.model_name"},
	{"category", "VARCHAR", "r.category"},
	{"hardware", "VARCHAR", "r.hardware_platform"},
	{"precision", "VARCHAR", "r.precision"},
	{"batch_size", "INTEGER", "r.batch_size"},
	{"seq_len", "INTEGER", "r.seq_len"},
	{"status", "VARCHAR", "r.status"},
	{"success", "BOOLEAN", "r.test_success"},
	{"attempt", "INTEGER", "r.attempt"},
	{"mean_ms", "DOUBLE", "r.execution_time_ms"},
	{"median_ms", "DOUBLE", "list_median(r.samples_ms)"},
	{"samples", "BIGINT", "COALESCE(len(r.samples_ms), 0)"},
	{"samples_ms", "DOUBLE[]", "r.samples_ms"},
	{"memory_mb", "DOUBLE", "r.memory_usage_mb"},
	{"wall_ms", "DOUBLE", "r.wall_ms"},
	{"error_message", "VARCHAR", "r.error_message"},
	{"error_category", "VARCHAR", "r.error_category"},
	{"fingerprint", "VARCHAR", "f.fingerprint"},
	{"template_chain", "VARCHAR", "r.template_chain"},
	{"generated_file", "VARCHAR", "r.generated_file"},
	{"patch_version", "VARCHAR", "r.patch_version"},
	{"started_at", "TIMESTAMP", "r.started_at"},
	{"finished_at", "TIMESTAMP", "r.finished_at"},
	{"git_sha", "VARCHAR", "u.git_sha"},
	{"git_ref", "VARCHAR", "u.git_ref"},
	{"pr_number", "INTEGER", "u.pr_number"},
	{"workflow_run_id", "BIGINT", "u.workflow_run_id"},
	{"run_attempt", "INTEGER", "u.run_attempt"},
	{"runner_name", "VARCHAR", "u.runner_name"},
	{"hwcov_version", "VARCHAR", "u.hwcov_version"},
}

// exportAlias is the name the source database is attached under.
const exportAlias = "hwcov_export_src"

// exportQuery selects ExportColumns from the database attached as
// exportAlias, of run runID only when it is not empty.
func exportQuery(runID string) string {
	cols := make([]string, len(ExportColumns))
	for i, c := range ExportColumns {
		cols[i] = c.SQL + " AS " + c.Name
	}
	where := ""
	if runID != "" {
		where = "\nWHERE r.run_id = " + quoteLiteral(runID)
	}
	src := exportAlias + "."
	return `SELECT ` + strings.Join(cols, ", ") + `
FROM ` + src + `comprehensive_test_results r
LEFT JOIN ` + src + `runs u ON u.run_id = r.run_id
LEFT JOIN ` + src + `failure_fingerprints f ON f.result_id = r.id` + where + `
ORDER BY r.started_at NULLS LAST, r.run_id, r.test_id, r.attempt, r.id`
}

// copyOptions are the options of DuckDB's COPY ... TO for each format: CSV
// with a header, JSON as one array of objects (what pandas.read_json and
// DuckDB's read_json read without options), Parquet compressed with zstd.
var copyOptions = map[string]string{
	"csv":     "FORMAT csv, HEADER true",
	"json":    "FORMAT json, ARRAY true",
	"parquet": "FORMAT parquet, COMPRESSION zstd",
}

// Export writes every result of the hwcov database at src (of run runID
// only, when it is not empty) to the file out in format (csv, json or
// parquet), with ExportColumns, through DuckDB's own COPY. It returns the
// number of rows written.
//
// src is read as Merge reads a source: it is attached read-only to a
// private in-memory DuckDB whose external access is disabled and whose only
// readable and writable folder is its staging folder, after the checks Open
// makes (a file holding a view or a macro is refused with ErrNotHwcov, an
// older schema is migrated on a copy). COPY writes into the staging folder,
// never to a path the database chose; Export then moves the file to out, so
// out is either the whole export or untouched.
func Export(ctx context.Context, src, out, format, runID string) (rows int64, err error) {
	opts, ok := copyOptions[format]
	if !ok {
		return 0, fmt.Errorf("export %q: format %q is not one of %s", out, format, strings.Join(ExportFormats, ", "))
	}
	if err := checkSourceFile(src); err != nil {
		return 0, err
	}
	mem, err := Open("", Options{})
	if err != nil {
		return 0, err
	}
	defer mem.Close()
	conn, err := mem.sql.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	s := &source{path: src, alias: exportAlias}
	if s.detach, err = mem.attach(ctx, conn, src, src, s.alias); err != nil {
		return 0, err
	}
	defer func() {
		if s.detach != nil {
			s.detach()
		}
	}()
	refused, err := checkCatalogs(ctx, conn, []string{s.alias})
	if err != nil {
		return 0, err
	}
	if err := refused[s.alias]; err != nil {
		return 0, fmt.Errorf("open database %q: %w", src, err)
	}
	if err := mem.migrateSource(ctx, conn, s); err != nil {
		return 0, err
	}
	tmp := filepath.Join(mem.staging, "export."+format)
	res, err := conn.ExecContext(ctx, `COPY (`+exportQuery(runID)+`) TO `+quoteLiteral(tmp)+` (`+opts+`)`)
	if err != nil {
		return 0, fmt.Errorf("export %q to %q: %w", src, out, err)
	}
	defer os.Remove(tmp)
	rows, _ = res.RowsAffected()
	if err := moveFile(tmp, out); err != nil {
		return 0, fmt.Errorf("export %q to %q: %w", src, out, err)
	}
	return rows, nil
}

// moveFile moves src to dst, replacing dst in one rename: by renaming when
// both are on one file system, else through a copy beside dst.
func moveFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	part := dst + ".part"
	os.Remove(part)
	if err := linkOrCopy(src, part, false); err != nil {
		os.Remove(part)
		return err
	}
	if err := os.Chmod(part, 0o644); err != nil {
		os.Remove(part)
		return err
	}
	return os.Rename(part, dst)
}

// ExportColumnNames are the names of ExportColumns, in order.
func ExportColumnNames() []string {
	names := make([]string, len(ExportColumns))
	for i, c := range ExportColumns {
		names[i] = c.Name
	}
	return slices.Clip(names)
}
