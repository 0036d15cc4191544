package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/patch"
)

// RecordVerdict stores a patch verification: one generator_updates row per
// platform the rule's tests ran on (success rates over its targets and
// controls there) and one generator_improvements row per test. Recording the
// same verdict (rule, run after) again changes nothing.
func (d *DB) RecordVerdict(ctx context.Context, v patch.Verdict, at time.Time) error {
	if d.readOnly {
		return fmt.Errorf("record patch verification: the database is read-only")
	}
	byHW := map[string][]patch.Outcome{}
	for _, o := range v.Tests {
		byHW[o.Hardware] = append(byHW[o.Hardware], o)
	}
	hws := make([]string, 0, len(byHW))
	for hw := range byHW {
		hws = append(hws, hw)
	}
	sort.Strings(hws)
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record patch verification: %w", err)
	}
	defer tx.Rollback()
	files := strings.Join(v.Files, ",")
	verdict := "dropped"
	if v.Kept {
		verdict = "kept"
	}
	for _, hw := range hws {
		outs := byHW[hw]
		uid := rowID("update", v.Rule.ID, v.RunAfter, hw)
		before, after, archs, runs := rates(outs)
		if _, err := tx.ExecContext(ctx, `INSERT INTO generator_updates
    (id, generator_name, hardware_platform, update_timestamp, patch_description, affected_models, success_rate_before,
     success_rate_after, rule_id, rule_version, verdict, kept, template_files, fingerprints, run_before, run_after,
     tests_fixed, controls, controls_broken)
    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, string_split(?, ','), string_split(?, ','), string_split(?, ','), ?, ?, ?, ?
    WHERE NOT EXISTS (SELECT 1 FROM generator_updates WHERE id = ?)`,
			uid, files, hw, at, v.Rule.Title+": "+v.Why, archs, before, after, v.Rule.ID, v.Rule.Version, verdict, v.Kept,
			files, strings.Join(v.Fingerprints, ","), strings.Join(runs, ","), v.RunAfter, v.Fixed, v.Controls, v.Broken, uid); err != nil {
			return fmt.Errorf("record patch verification: %w", err)
		}
		for _, o := range outs {
			iid := rowID("improvement", v.Rule.ID, v.RunAfter, o.TestID)
			if _, err := tx.ExecContext(ctx, `INSERT INTO generator_improvements
    (id, timestamp, generator_file, change_description, affected_models, affected_hardware, improvement_percentage,
     implemented_by, update_id, rule_id, test_id, role, status_before, status_after, revision_before, revision_after,
     run_before, run_after)
    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
    WHERE NOT EXISTS (SELECT 1 FROM generator_improvements WHERE id = ?)`,
				iid, at, files, v.Rule.Title, o.Architecture, o.Hardware, improvement(o), "hwcov patch verify ("+v.Rule.ID+")",
				uid, v.Rule.ID, o.TestID, o.Role, o.StatusBefore, o.StatusAfter, o.RevisionBefore, o.RevisionAfter,
				o.RunBefore, o.RunAfter, iid); err != nil {
				return fmt.Errorf("record patch verification: %w", err)
			}
		}
	}
	return tx.Commit()
}

// rates returns the share of passes before and after, the number of
// architectures and the runs before, sorted.
func rates(outs []patch.Outcome) (before, after float64, archs int, runs []string) {
	seenA, seenR := map[string]bool{}, map[string]bool{}
	for _, o := range outs {
		if o.StatusBefore == "pass" {
			before++
		}
		if o.StatusAfter == "pass" {
			after++
		}
		if !seenA[o.Architecture] {
			seenA[o.Architecture] = true
			archs++
		}
		if o.RunBefore != "" && !seenR[o.RunBefore] {
			seenR[o.RunBefore] = true
			runs = append(runs, o.RunBefore)
		}
	}
	sort.Strings(runs)
	n := float64(len(outs))
	return before / n, after / n, archs, runs
}

// improvement is +100 for a test that passes only after, -100 for one that
// passed only before, else 0.
func improvement(o patch.Outcome) float64 {
	switch {
	case o.StatusBefore != "pass" && o.StatusAfter == "pass":
		return 100
	case o.StatusBefore == "pass" && o.StatusAfter != "pass":
		return -100
	}
	return 0
}

// rowID is a stable 63-bit id of its parts.
func rowID(parts ...string) int64 {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return int64(binary.BigEndian.Uint64(sum[:8]) >> 1)
}

// PatchOutcome is one generator_improvements row: a test before and after a rule.
type PatchOutcome struct {
	RuleID string
	patch.Outcome
}

// PatchOutcomes returns the generator_improvements rows of rule (all rules
// when empty), newest first: the measured before/after a pull request shows.
func (d *DB) PatchOutcomes(ctx context.Context, rule string) ([]PatchOutcome, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT rule_id, test_id, affected_models, affected_hardware, role, status_before,
    status_after, COALESCE(revision_before, ''), COALESCE(revision_after, ''), COALESCE(run_before, ''), run_after
    FROM generator_improvements WHERE rule_id IS NOT NULL AND (? = '' OR rule_id = ?)
    ORDER BY timestamp DESC, rule_id, test_id`, rule, rule)
	if err != nil {
		return nil, fmt.Errorf("read patch outcomes: %w", err)
	}
	defer rows.Close()
	var out []PatchOutcome
	for rows.Next() {
		var p PatchOutcome
		if err := rows.Scan(&p.RuleID, &p.TestID, &p.Architecture, &p.Hardware, &p.Role, &p.StatusBefore, &p.StatusAfter,
			&p.RevisionBefore, &p.RevisionAfter, &p.RunBefore, &p.RunAfter); err != nil {
			return nil, fmt.Errorf("read patch outcomes: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DropResults deletes the results (and their fingerprints) of tests in run
// runID: what a dropped patch's re-run measured on templates that are gone
// again. Its before/after stays in generator_improvements.
func (d *DB) DropResults(ctx context.Context, runID string, testIDs []string) error {
	if len(testIDs) == 0 {
		return nil
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("drop results of run %q: %w", runID, err)
	}
	defer tx.Rollback()
	ids := strings.Join(testIDs, "\x00")
	for _, q := range []string{
		`DELETE FROM failure_fingerprints WHERE result_id IN (SELECT id FROM comprehensive_test_results
    WHERE run_id = ? AND list_contains(string_split(?, chr(0)), test_id))`,
		`DELETE FROM comprehensive_test_results WHERE run_id = ? AND list_contains(string_split(?, chr(0)), test_id)`,
	} {
		if _, err := tx.ExecContext(ctx, q, runID, ids); err != nil {
			return fmt.Errorf("drop results of run %q: %w", runID, err)
		}
	}
	return tx.Commit()
}

// VerifiedFixes returns, for each fingerprint a kept patch addressed, the
// newest kept verification (generator_updates, with its targets counted in
// generator_improvements): the guide's "last verified fix".
func (d *DB) VerifiedFixes(ctx context.Context) (map[string]patch.VerifiedFix, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT u.rule_id, COALESCE(u.rule_version, 0), u.run_after, max(u.update_timestamp),
    string_agg(DISTINCT u.hardware_platform, ',' ORDER BY u.hardware_platform),
    array_to_string(list_distinct(flatten(list(u.fingerprints))), ','),
    max(u.tests_fixed), max(u.controls), max(u.controls_broken),
    (SELECT count(*) FROM generator_improvements i WHERE i.rule_id = u.rule_id AND i.run_after = u.run_after AND i.role = 'target')
    FROM generator_updates u WHERE u.kept AND u.rule_id IS NOT NULL
    GROUP BY u.rule_id, u.rule_version, u.run_after
    ORDER BY max(u.update_timestamp), u.rule_id`)
	if err != nil {
		return nil, fmt.Errorf("read verified fixes: %w", err)
	}
	defer rows.Close()
	out := map[string]patch.VerifiedFix{}
	for rows.Next() {
		var f patch.VerifiedFix
		var platforms, fps string
		if err := rows.Scan(&f.Rule, &f.RuleVersion, &f.RunAfter, &f.At, &platforms, &fps, &f.Fixed, &f.Controls, &f.Broken, &f.Targets); err != nil {
			return nil, fmt.Errorf("read verified fixes: %w", err)
		}
		f.Platforms = strings.Split(platforms, ",")
		for _, fp := range strings.Split(fps, ",") {
			if fp != "" {
				out[fp] = f // newest last
			}
		}
	}
	return out, rows.Err()
}
