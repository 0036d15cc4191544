package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MergeReport says what one Merge added.
type MergeReport struct {
	Source     string
	Results    int // results in the source
	NewResults int // results added (the rest were already there)
	NewRuns    int // runs added
}

// Merge copies every run and result of the hwcov database at src into d in one
// transaction. Rows d already has (same run id, same result id) are kept as
// they are, so merging the same shard twice adds nothing. src is checked the
// way Open checks a file: a corrupt or foreign file is ErrCorrupt and a newer
// one ErrNewerSchema; an older one is migrated on a temporary copy.
func (d *DB) Merge(ctx context.Context, src string) (MergeReport, error) {
	rep := MergeReport{Source: src}
	if d.readOnly {
		return rep, fmt.Errorf("merge %q: the target database is read-only", src)
	}
	if abs, err := filepath.Abs(src); err == nil && abs == mustAbs(d.path) {
		return rep, fmt.Errorf("merge %q: a database cannot be merged into itself", src)
	}
	check, cleanup, err := OpenReadOnlyMigrated(src)
	if err != nil {
		return rep, err
	}
	defer cleanup()
	src = check.Path()
	check.Close()

	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return rep, err
	}
	defer conn.Close()
	quoted := "'" + strings.ReplaceAll(src, "'", "''") + "'"
	if _, err := conn.ExecContext(ctx, `ATTACH `+quoted+` AS hwcov_src (READ_ONLY)`); err != nil {
		return rep, fmt.Errorf("merge %q: %w: %v", rep.Source, ErrCorrupt, err)
	}
	defer conn.ExecContext(context.Background(), `DETACH hwcov_src`)

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return rep, err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM hwcov_src.comprehensive_test_results`).Scan(&rep.Results); err != nil {
		return rep, fmt.Errorf("merge %q: %w", rep.Source, err)
	}
	steps := []struct {
		n   *int
		sql string
	}{
		{&rep.NewRuns, `INSERT INTO runs BY NAME SELECT * FROM hwcov_src.runs s
			WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = s.run_id)`},
		{&rep.NewResults, `INSERT INTO comprehensive_test_results BY NAME SELECT * FROM hwcov_src.comprehensive_test_results s
			WHERE NOT EXISTS (SELECT 1 FROM comprehensive_test_results r WHERE r.id = s.id)`},
		{nil, `INSERT INTO generator_updates BY NAME SELECT * FROM hwcov_src.generator_updates s
			WHERE NOT EXISTS (SELECT 1 FROM generator_updates r WHERE r.id = s.id)`},
		{nil, `INSERT INTO generator_improvements BY NAME SELECT * FROM hwcov_src.generator_improvements s
			WHERE NOT EXISTS (SELECT 1 FROM generator_improvements r WHERE r.id = s.id)`},
		{nil, `INSERT INTO planned_tests BY NAME SELECT * FROM hwcov_src.planned_tests s
			WHERE NOT EXISTS (SELECT 1 FROM planned_tests r WHERE r.test_id = s.test_id)`},
	}
	for _, st := range steps {
		res, err := tx.ExecContext(ctx, st.sql)
		if err != nil {
			return rep, fmt.Errorf("merge %q: %w", rep.Source, err)
		}
		if st.n != nil {
			n, _ := res.RowsAffected()
			*st.n = int(n)
		}
	}
	return rep, tx.Commit()
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// OpenReadOnlyMigrated opens path read-only; a database with an older schema
// is migrated on a temporary copy (the original is left untouched) and that
// copy is opened instead. cleanup removes the copy; call it after Close.
func OpenReadOnlyMigrated(path string) (db *DB, cleanup func(), err error) {
	cleanup = func() {}
	db, err = Open(path, Options{ReadOnly: true})
	if !errors.Is(err, ErrOldSchema) {
		return db, cleanup, err
	}
	tmp, err := migratedCopy(path)
	if err != nil {
		return nil, cleanup, err
	}
	cleanup = func() { os.RemoveAll(filepath.Dir(tmp)) }
	if db, err = Open(tmp, Options{ReadOnly: true}); err != nil {
		cleanup()
		return nil, func() {}, err
	}
	return db, cleanup, nil
}

// migratedCopy copies an older-schema database to a temporary folder and
// migrates the copy, leaving the original untouched.
func migratedCopy(src string) (string, error) {
	dir, err := os.MkdirTemp("", "hwcov-merge-")
	if err != nil {
		return "", err
	}
	dst := filepath.Join(dir, filepath.Base(src))
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	db, err := Open(dst, Options{})
	if err != nil {
		return "", err
	}
	return dst, db.Close()
}

// PlannedTest is one test a CI plan promised, and the shard it was in.
type PlannedTest struct {
	TestID, ShardID, Hardware string
}

// RecordPlan stores the tests a plan promised (idempotent).
func (d *DB) RecordPlan(ctx context.Context, tests []PlannedTest) error {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO planned_tests (test_id, shard_id, hardware) SELECT ?, ?, ?
		WHERE NOT EXISTS (SELECT 1 FROM planned_tests WHERE test_id = ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, t := range tests {
		if _, err := stmt.ExecContext(ctx, t.TestID, t.ShardID, t.Hardware, t.TestID); err != nil {
			return fmt.Errorf("record plan: %w", err)
		}
	}
	return tx.Commit()
}

// PlannedTests lists the tests recorded by RecordPlan.
func (d *DB) PlannedTests(ctx context.Context) ([]PlannedTest, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT test_id, shard_id, hardware FROM planned_tests ORDER BY test_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PlannedTest
	for rows.Next() {
		var t PlannedTest
		if err := rows.Scan(&t.TestID, &t.ShardID, &t.Hardware); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
