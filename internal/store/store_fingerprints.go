package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/fingerprint"
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
