package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
//
// src is attached to d's connection rather than opened on its own: opening a
// DuckDB database costs about as much as merging a thousand results into it.
// d's DuckDB can read no file but its own (see Open), so src is first linked
// into d's staging folder, and a src holding a view or a macro is refused
// with ErrNotHwcov before any of its rows is read.
func (d *DB) Merge(ctx context.Context, src string) (MergeReport, error) {
	rep := MergeReport{Source: src}
	if d.readOnly {
		return rep, fmt.Errorf("merge %q: the target database is read-only", src)
	}
	if abs, err := filepath.Abs(src); err == nil && abs == mustAbs(d.path) {
		return rep, fmt.Errorf("merge %q: a database cannot be merged into itself", src)
	}
	if err := checkSourceFile(src); err != nil {
		return rep, err
	}
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return rep, err
	}
	defer conn.Close()
	detach, err := d.attachSource(ctx, conn, src)
	if err != nil {
		return rep, err
	}
	defer detach()

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return rep, err
	}
	defer tx.Rollback()
	// Counting first lets empty tables (most shards have no generator rows
	// and no plan) skip their INSERT: each statement costs a millisecond or two.
	var nUpdates, nImprovements, nPlanned int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM hwcov_src.comprehensive_test_results),
		(SELECT count(*) FROM hwcov_src.generator_updates),
		(SELECT count(*) FROM hwcov_src.generator_improvements),
		(SELECT count(*) FROM hwcov_src.planned_tests)`).Scan(&rep.Results, &nUpdates, &nImprovements, &nPlanned); err != nil {
		return rep, fmt.Errorf("merge %q: %w", rep.Source, err)
	}
	steps := []struct {
		rows int // rows in the source; -1: unknown
		n    *int
		sql  string
	}{
		{-1, &rep.NewRuns, `INSERT INTO runs BY NAME SELECT * FROM hwcov_src.runs s
			WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = s.run_id)`},
		{rep.Results, &rep.NewResults, `INSERT INTO comprehensive_test_results BY NAME SELECT * FROM hwcov_src.comprehensive_test_results s
			WHERE NOT EXISTS (SELECT 1 FROM comprehensive_test_results r WHERE r.id = s.id)`},
		{nUpdates, nil, `INSERT INTO generator_updates BY NAME SELECT * FROM hwcov_src.generator_updates s
			WHERE NOT EXISTS (SELECT 1 FROM generator_updates r WHERE r.id = s.id)`},
		{nImprovements, nil, `INSERT INTO generator_improvements BY NAME SELECT * FROM hwcov_src.generator_improvements s
			WHERE NOT EXISTS (SELECT 1 FROM generator_improvements r WHERE r.id = s.id)`},
		{nPlanned, nil, `INSERT INTO planned_tests BY NAME SELECT * FROM hwcov_src.planned_tests s
			WHERE NOT EXISTS (SELECT 1 FROM planned_tests r WHERE r.test_id = s.test_id)`},
	}
	for _, st := range steps {
		if st.rows == 0 {
			continue
		}
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

// checkSourceFile does Open's checks on a file about to be attached; an
// empty file, which Open would make a new database, is a truncated shard here.
func checkSourceFile(src string) error {
	info, err := checkFile(src)
	if err == nil && info.Size() == 0 {
		return fmt.Errorf("open database %q: %w: the file is empty", src, ErrCorrupt)
	}
	return err
}

// attachSource attaches src read-only as hwcov_src, checks its catalog and
// its schema version: a view or macro is ErrNotHwcov, a newer version
// ErrNewerSchema, a foreign or unreadable file ErrCorrupt, and an older one
// is migrated on a temporary copy, which is attached instead. detach undoes
// it all.
func (d *DB) attachSource(ctx context.Context, conn *sql.Conn, src string) (detach func(), err error) {
	attach := func(path string) (func(), error) {
		staged, remove, err := d.stage(path)
		if err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, `ATTACH `+quoteLiteral(staged)+` AS hwcov_src (READ_ONLY)`); err != nil {
			remove()
			err = classify(src, err)
			if errors.Is(err, ErrLocked) || errors.Is(err, ErrNewerSchema) || errors.Is(err, ErrCorrupt) {
				return nil, err
			}
			return nil, fmt.Errorf("open database %q: %w: %v", src, ErrCorrupt, err)
		}
		undo := func() {
			conn.ExecContext(context.Background(), `DETACH hwcov_src`)
			remove()
		}
		if err := checkCatalog(ctx, conn, src, "hwcov_src"); err != nil {
			undo()
			return nil, err
		}
		return undo, nil
	}
	undo, err := attach(src)
	if err != nil {
		return nil, err
	}
	version, err := schemaVersionIn(ctx, conn, "hwcov_src")
	switch {
	case err != nil:
		undo()
		return nil, fmt.Errorf("open database %q: %w: %v", src, ErrCorrupt, err)
	case version > SchemaVersion:
		undo()
		return nil, fmt.Errorf("open database %q: %w: schema version %d, this hwcov knows up to %d; upgrade hwcov",
			src, ErrNewerSchema, version, SchemaVersion)
	case version == SchemaVersion:
		return undo, nil
	}
	undo()
	tmp, err := migratedCopy(src)
	if err != nil {
		return nil, err
	}
	removeCopy := func() { os.RemoveAll(filepath.Dir(tmp)) }
	undo, err = attach(tmp)
	if err != nil {
		removeCopy()
		return nil, err
	}
	return func() { undo(); removeCopy() }, nil
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
	if err := linkOrCopy(src, dst, false); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	db, err := Open(dst, Options{})
	if err == nil {
		err = db.Close()
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dst, nil
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
