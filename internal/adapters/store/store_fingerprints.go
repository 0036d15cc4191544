package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/results"
)

// ReadOnly reports whether d was opened read-only.
func (d *DB) ReadOnly() bool { return d.readOnly }

// Fingerprints returns the stored fingerprints by result id.
func (d *DB) Fingerprints(ctx context.Context) (map[int64]fingerprint.Stored, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT result_id, fingerprint, rule_version, signature,
    COALESCE(array_to_string(rules, ','), '') FROM failure_fingerprints`)
	if err != nil {
		return nil, fmt.Errorf("read fingerprints: %w", err)
	}
	defer rows.Close()
	out := map[int64]fingerprint.Stored{}
	for rows.Next() {
		var s fingerprint.Stored
		var rules string
		if err := rows.Scan(&s.ResultID, &s.ID, &s.RuleVersion, &s.Signature, &rules); err != nil {
			return nil, fmt.Errorf("read fingerprints: %w", err)
		}
		if rules != "" {
			s.Rules = strings.Split(rules, ",")
		}
		out[s.ResultID] = s
	}
	return out, rows.Err()
}

// SaveFingerprints stores fingerprints of results that have none; a result
// that already has one keeps it.
func (d *DB) SaveFingerprints(ctx context.Context, fps []fingerprint.Stored) error {
	if len(fps) == 0 {
		return nil
	}
	if d.readOnly {
		return fmt.Errorf("save fingerprints: the database is read-only")
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save fingerprints: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	for _, f := range fps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO failure_fingerprints
    (result_id, fingerprint, rule_version, signature, rules, created_at)
    SELECT ?, ?, ?, ?, string_split(?, ','), ?
    WHERE NOT EXISTS (SELECT 1 FROM failure_fingerprints WHERE result_id = ?)`,
			f.ResultID, f.ID, f.RuleVersion, f.Signature, strings.Join(f.Rules, ","), now, f.ResultID); err != nil {
			return fmt.Errorf("save fingerprints: %w", err)
		}
	}
	return tx.Commit()
}

// ResultsWithFingerprints reads the results of runID ("" for all) and the
// failure fingerprint of each failed result: the stored one, else computed
// now and stored when the database is writable.
func (d *DB) ResultsWithFingerprints(ctx context.Context, runID string) ([]results.Result, map[int64]fingerprint.Stored, error) {
	rs, err := d.Results(ctx, runID)
	if err != nil {
		return nil, nil, err
	}
	stored, err := d.Fingerprints(ctx)
	if err != nil {
		return nil, nil, err
	}
	all, fresh := fingerprint.Assign(rs, stored)
	if !d.ReadOnly() {
		if err := d.SaveFingerprints(ctx, fresh); err != nil {
			return nil, nil, err
		}
	}
	return rs, all, nil
}

// OpenWritableOrRead opens an existing database writable (so that what is
// computed from it can be stored); one that cannot be written is opened
// read-only, migrated on a copy when older. The error is the writable
// open's.
func OpenWritableOrRead(path string) (*DB, func(), error) {
	db, err := Open(path, Options{})
	if err == nil {
		return db, func() { db.Close() }, nil
	}
	ro, cleanup, err2 := OpenReadOnlyMigrated(path)
	if err2 != nil {
		return nil, nil, err
	}
	return ro, func() { ro.Close(); cleanup() }, nil
}
