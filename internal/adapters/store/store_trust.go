package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// hwcovTables are the tables hwcov reads from a file it did not write in
// this process; a view by one of these names is named as such in the error.
var hwcovTables = map[string]bool{
	"schema_version": true, "comprehensive_test_results": true, "runs": true,
	"planned_tests": true, "generator_updates": true, "generator_improvements": true,
	"model_architecture_coverage": true, "hardware_platforms": true,
	"hardware_compatibility_matrix": true,
}

// checkCatalog refuses the database the connection opened when it holds a
// view or a user-defined function (DuckDB persists only macros): hwcov writes
// neither, and either would run SQL from the file when hwcov reads it. A view
// can read any file DuckDB can reach (read_text, read_csv, glob) into a
// report; a table macro named like a built-in (range) shadows it. Only the
// catalog is read, which runs nothing from the file. path names the file in
// the error.
func checkCatalog(ctx context.Context, db queryer, path string) error {
	var name string
	if err := db.QueryRowContext(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		return classify(path, err)
	}
	refused, err := checkCatalogs(ctx, db, []string{name})
	if err != nil {
		return classify(path, err)
	}
	if err := refused[name]; err != nil {
		return fmt.Errorf("open database %q: %w", path, err)
	}
	return nil
}

// checkCatalogs is checkCatalog for the attached databases catalogs, in one
// listing of the catalog (listing functions costs tens of milliseconds, most
// of it on DuckDB's own). The error of each refused catalog names the first
// view, or else the first macro, it holds.
func checkCatalogs(ctx context.Context, db queryer, catalogs []string) (map[string]error, error) {
	refused := map[string]error{}
	if len(catalogs) == 0 {
		return refused, nil
	}
	quoted := make([]string, len(catalogs))
	for k, c := range catalogs {
		quoted[k] = quoteLiteral(c)
	}
	in := `database_name IN (` + strings.Join(quoted, ", ") + `)`
	rows, err := db.QueryContext(ctx, `SELECT database_name, kind, schema_name, name FROM (
    SELECT database_name, 'view' AS kind, schema_name, view_name AS name FROM duckdb_views() WHERE NOT internal AND `+in+`
    UNION ALL
    SELECT database_name, function_type, schema_name, function_name FROM duckdb_functions() WHERE NOT internal AND `+in+`
) ORDER BY database_name, kind = 'view' DESC, schema_name, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var catalog, kind, schema, name string
		if err := rows.Scan(&catalog, &kind, &schema, &name); err != nil {
			return nil, err
		}
		if refused[catalog] == nil {
			refused[catalog] = objectError(kind, schema, name)
		}
	}
	return refused, rows.Err()
}

// objectError says why a view or macro in a database is refused.
func objectError(kind, schema, name string) error {
	if schema != "main" {
		name = schema + "." + name
	}
	if kind == "view" && hwcovTables[name] {
		return fmt.Errorf("%q is a view, want a table: %w", name, ErrNotHwcov)
	}
	what := map[string]string{"view": "a view", "macro": "a macro", "table_macro": "a table macro"}[kind]
	if what == "" {
		what = "a " + strings.ReplaceAll(kind, "_", " ") + " function"
	}
	return fmt.Errorf("%q is %s, which hwcov never writes: %w", name, what, ErrNotHwcov)
}

// stage makes the file at src (and its write-ahead log, if any) readable by
// d's locked-down DuckDB: a hard link, or a copy where linking fails, in d's
// staging folder. remove deletes what stage made.
func (d *DB) stage(src string) (staged string, remove func(), err error) {
	if d.staging == "" {
		return "", nil, fmt.Errorf("merge %q: the target database is read-only", src)
	}
	d.mu.Lock()
	if !d.made {
		// Mkdir, not MkdirAll: a folder someone else made under that
		// name is not ours to read from.
		if err := os.Mkdir(d.staging, 0o700); err != nil {
			d.mu.Unlock()
			return "", nil, fmt.Errorf("open database %q: staging folder: %w", src, err)
		}
		d.made = true
	}
	d.staged++
	staged = filepath.Join(d.staging, fmt.Sprintf("src-%d.duckdb", d.staged))
	d.mu.Unlock()
	remove = func() { os.Remove(staged); os.Remove(staged + ".wal") }
	// Link the file a symbolic link points to, not the link: DuckDB would
	// follow a linked symbolic link out of the staging folder.
	real, err := filepath.EvalSymlinks(src)
	if err != nil {
		return "", nil, fmt.Errorf("open database %q: %w", src, err)
	}
	for _, suffix := range []string{"", ".wal"} {
		err := linkOrCopy(real+suffix, staged+suffix, true)
		if suffix == ".wal" && os.IsNotExist(err) {
			break
		}
		if err != nil {
			remove()
			return "", nil, fmt.Errorf("open database %q: %w", src, err)
		}
	}
	return staged, remove, nil
}

// linkOrCopy hard-links src to dst when link is set and the two share a file
// system, else copies it.
func linkOrCopy(src, dst string, link bool) error {
	if link {
		if err := os.Link(src, dst); err == nil {
			return nil
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
