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
// way Open checks a file: a corrupt or foreign file is ErrCorrupt, a newer
// one ErrNewerSchema, one holding a view or a macro ErrNotHwcov; an older one
// is migrated on a temporary copy. MergeAll merges many files faster.
func (d *DB) Merge(ctx context.Context, src string) (MergeReport, error) {
	var rep MergeReport
	var err error
	d.MergeAll(ctx, []string{src}, func(r MergeReport, e error) error {
		rep, err = r, e
		return nil
	})
	return rep, err
}

// mergeBatchSize is how many sources MergeAll attaches at once: listing a
// database's macros costs as much as merging a few hundred results, and one
// listing covers every attached database.
const mergeBatchSize = 32

// MergeAll merges each of srcs in turn as Merge does and calls done with
// what each added, or why it was not merged; when done returns an error,
// MergeAll stops and returns it.
//
// Sources are attached to d's connection rather than opened on their own:
// opening a DuckDB database costs about as much as merging a thousand
// results into it. d's DuckDB can read no file but its own (see Open), so
// each source is first linked into d's staging folder, and one holding a view
// or a macro is refused with ErrNotHwcov before any of its rows is read.
func (d *DB) MergeAll(ctx context.Context, srcs []string, done func(MergeReport, error) error) error {
	for len(srcs) > 0 {
		batch := srcs[:min(len(srcs), mergeBatchSize)]
		srcs = srcs[len(batch):]
		if err := d.mergeBatch(ctx, batch, done); err != nil {
			return err
		}
	}
	return nil
}

// source is one file of a batch: attached as alias unless err is set.
type source struct {
	path   string
	alias  string
	detach func()
	err    error
}

func (d *DB) mergeBatch(ctx context.Context, srcs []string, done func(MergeReport, error) error) error {
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	batch := make([]*source, len(srcs))
	var aliases []string
	for k, src := range srcs {
		s := &source{path: src, alias: fmt.Sprintf("hwcov_src_%d", k)}
		batch[k] = s
		if s.err = d.checkSource(src); s.err == nil {
			s.detach, s.err = d.attach(ctx, conn, src, src, s.alias)
		}
		if s.err == nil {
			aliases = append(aliases, s.alias)
		}
	}
	defer func() {
		for _, s := range batch {
			if s.detach != nil {
				s.detach()
			}
		}
	}()
	refused, err := checkCatalogs(ctx, conn, aliases)
	if err != nil {
		return err
	}
	for _, s := range batch {
		rep := MergeReport{Source: s.path}
		if err := refused[s.alias]; err != nil && s.err == nil {
			s.err = fmt.Errorf("open database %q: %w", s.path, err)
		}
		if s.err == nil {
			s.err = d.migrateSource(ctx, conn, s)
		}
		if s.err == nil {
			rep, s.err = mergeFrom(ctx, conn, s)
		}
		if s.detach != nil {
			s.detach()
			s.detach = nil
		}
		if err := done(rep, s.err); err != nil {
			return err
		}
	}
	return nil
}

// checkSource does the checks on src that need no DuckDB.
func (d *DB) checkSource(src string) error {
	if d.readOnly {
		return fmt.Errorf("merge %q: the target database is read-only", src)
	}
	if abs, err := filepath.Abs(src); err == nil && abs == mustAbs(d.path) {
		return fmt.Errorf("merge %q: a database cannot be merged into itself", src)
	}
	return checkSourceFile(src)
}

// mergeFrom copies the rows of the source attached as s.alias into d in one
// transaction.
func mergeFrom(ctx context.Context, conn *sql.Conn, s *source) (MergeReport, error) {
	rep := MergeReport{Source: s.path}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return rep, err
	}
	defer tx.Rollback()
	src := s.alias + "."
	// Counting first lets empty tables (most shards have no generator rows
	// and no plan) skip their INSERT: each statement costs a millisecond or two.
	var nUpdates, nImprovements, nPlanned, nFingerprints int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM `+src+`comprehensive_test_results),
		(SELECT count(*) FROM `+src+`generator_updates),
		(SELECT count(*) FROM `+src+`generator_improvements),
		(SELECT count(*) FROM `+src+`planned_tests),
		(SELECT count(*) FROM `+src+`failure_fingerprints)`).Scan(&rep.Results, &nUpdates, &nImprovements, &nPlanned, &nFingerprints); err != nil {
		return rep, fmt.Errorf("merge %q: %w", rep.Source, err)
	}
	steps := []struct {
		rows int // rows in the source; -1: unknown
		n    *int
		sql  string
	}{
		{-1, &rep.NewRuns, `INSERT INTO runs BY NAME SELECT * FROM ` + src + `runs s
			WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = s.run_id)`},
		{rep.Results, &rep.NewResults, `INSERT INTO comprehensive_test_results BY NAME SELECT * FROM ` + src + `comprehensive_test_results s
			WHERE NOT EXISTS (SELECT 1 FROM comprehensive_test_results r WHERE r.id = s.id)`},
		{nUpdates, nil, `INSERT INTO generator_updates BY NAME SELECT * FROM ` + src + `generator_updates s
			WHERE NOT EXISTS (SELECT 1 FROM generator_updates r WHERE r.id = s.id)`},
		{nImprovements, nil, `INSERT INTO generator_improvements BY NAME SELECT * FROM ` + src + `generator_improvements s
			WHERE NOT EXISTS (SELECT 1 FROM generator_improvements r WHERE r.id = s.id)`},
		{nPlanned, nil, `INSERT INTO planned_tests BY NAME SELECT * FROM ` + src + `planned_tests s
			WHERE NOT EXISTS (SELECT 1 FROM planned_tests r WHERE r.test_id = s.test_id)`},
		// A fingerprint already here wins: stored fingerprints are never regrouped.
		{nFingerprints, nil, `INSERT INTO failure_fingerprints BY NAME SELECT * FROM ` + src + `failure_fingerprints s
			WHERE NOT EXISTS (SELECT 1 FROM failure_fingerprints r WHERE r.result_id = s.result_id)`},
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

// attach links the file at path into d's staging folder and attaches it
// read-only as alias; src names the file in errors. detach undoes both.
func (d *DB) attach(ctx context.Context, conn *sql.Conn, src, path, alias string) (detach func(), err error) {
	staged, remove, err := d.stage(path)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `ATTACH `+quoteLiteral(staged)+` AS `+alias+` (READ_ONLY)`); err != nil {
		remove()
		err = classify(src, err)
		if errors.Is(err, ErrLocked) || errors.Is(err, ErrNewerSchema) || errors.Is(err, ErrCorrupt) {
			return nil, err
		}
		return nil, fmt.Errorf("open database %q: %w: %v", src, ErrCorrupt, err)
	}
	return func() {
		conn.ExecContext(context.Background(), `DETACH `+alias)
		remove()
	}, nil
}

// migrateSource checks the schema version of the source attached as
// s.alias: a newer one is ErrNewerSchema, a foreign or unreadable one
// ErrCorrupt, and an older one is migrated on a temporary copy, which is
// attached under the same alias instead.
func (d *DB) migrateSource(ctx context.Context, conn *sql.Conn, s *source) error {
	version, err := schemaVersionIn(ctx, conn, s.alias)
	switch {
	case err != nil:
		return fmt.Errorf("open database %q: %w: %v", s.path, ErrCorrupt, err)
	case version > SchemaVersion:
		return fmt.Errorf("open database %q: %w: schema version %d, this hwcov knows up to %d; upgrade hwcov",
			s.path, ErrNewerSchema, version, SchemaVersion)
	case version == SchemaVersion:
		return nil
	}
	s.detach()
	s.detach = nil
	tmp, err := migratedCopy(s.path) // Open, which made the copy, checked its catalog
	if err != nil {
		return err
	}
	removeCopy := func() { os.RemoveAll(filepath.Dir(tmp)) }
	detach, err := d.attach(ctx, conn, s.path, tmp, s.alias)
	if err != nil {
		removeCopy()
		return err
	}
	s.detach = func() { detach(); removeCopy() }
	return nil
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
