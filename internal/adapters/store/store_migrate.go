package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// A migration moves the schema from version n to n+1. It runs inside the
// transaction that also records the new version.
type migration struct {
	description string
	up          func(ctx context.Context, tx *sql.Tx) error
}

// migrations is the schema history: migrations[i] brings version i to i+1.
// Only append to it; never edit an entry that has shipped.
var migrations = []migration{
	{"guide tables", migrateGuideTables},
	{"hwcov results columns and runs", migrateHwcovColumns},
	{"planned tests of merged runs", migratePlannedTests},
	{"failure fingerprints", migrateFailureFingerprints},
	{"patch verification columns", migratePatchVerification},
}

// SchemaVersion is the schema version this build writes.
const SchemaVersion = 5

// schemaVersionSQL creates the table that records applied migrations.
const schemaVersionSQL = `CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at  TIMESTAMP NOT NULL
)`

// schemaVersion returns the newest applied migration, 0 for a database hwcov
// never wrote to. It refuses a database that holds the guide's results table
// but no schema_version (written by another tool): migrating it would fail
// half-way on "table already exists".
func schemaVersion(ctx context.Context, db queryer) (int, error) {
	return schemaVersionIn(ctx, db, "")
}

// queryer is what schemaVersionIn needs of a *sql.DB, *sql.Conn or *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// schemaVersionIn is schemaVersion for the database attached as catalog ("" is
// the database the connection opened).
func schemaVersionIn(ctx context.Context, db queryer, catalog string) (int, error) {
	where := "database_name = current_database()"
	prefix := ""
	if catalog != "" {
		where = "database_name = " + quoteLiteral(catalog)
		prefix = catalog + "."
	}
	has := func(table string) (bool, error) {
		var n int
		err := db.QueryRowContext(ctx,
			`SELECT count(*) FROM duckdb_tables() WHERE `+where+` AND schema_name = 'main' AND table_name = ?`, table).Scan(&n)
		return n > 0, err
	}
	ok, err := has("schema_version")
	if err != nil {
		return 0, err
	}
	if !ok {
		guide, err := has("comprehensive_test_results")
		if err != nil {
			return 0, err
		}
		if guide {
			return 0, fmt.Errorf("the database has a comprehensive_test_results table but no schema_version table: it was not written by hwcov")
		}
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT max(version) FROM `+prefix+`schema_version`).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// migrate applies migrations from+1..to in one transaction: the database is
// either fully migrated or untouched.
func migrate(ctx context.Context, db *sql.DB, from, to int) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, schemaVersionSQL); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	for v := from; v < to; v++ {
		m := migrations[v]
		if err := m.up(ctx, tx); err != nil {
			return fmt.Errorf("migrate schema to version %d (%s): %w", v+1, m.description, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)`,
			v+1, m.description, time.Now().UTC()); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}

func execAll(ctx context.Context, tx *sql.Tx, stmts ...string) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%w\n%s", err, s)
		}
	}
	return nil
}

// migrateGuideTables creates the guide's tables with its column names. Ids
// are BIGINT (hash ids need 63 bits) and measurements DOUBLE rather than the
// guide's INTEGER and FLOAT. hardware_platforms, which the guide references
// but never defines, follows the guide's platform JSON.
func migrateGuideTables(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`CREATE TABLE comprehensive_test_results (
    id                 BIGINT PRIMARY KEY,
    model_name         TEXT,
    model_architecture TEXT,
    hardware_platform  TEXT,
    test_success       BOOLEAN,
    execution_time_ms  DOUBLE,
    memory_usage_mb    DOUBLE,
    error_message      TEXT,
    test_timestamp     TIMESTAMP,
    patch_version      TEXT
)`,
		`CREATE TABLE generator_updates (
    id                  BIGINT PRIMARY KEY,
    generator_name      TEXT,
    hardware_platform   TEXT,
    update_timestamp    TIMESTAMP,
    patch_description   TEXT,
    affected_models     INTEGER,
    success_rate_before DOUBLE,
    success_rate_after  DOUBLE
)`,
		`CREATE TABLE model_architecture_coverage (
    architecture_id      BIGINT PRIMARY KEY,
    architecture_name    TEXT NOT NULL,
    huggingface_category TEXT,
    model_count          INTEGER,
    implementation_date  DATE,
    test_status          TEXT,
    functional_score     DOUBLE,
    performance_score    DOUBLE,
    last_tested          TIMESTAMP
)`,
		`CREATE TABLE hardware_platforms (
    id                      BIGINT PRIMARY KEY,
    platform_key            TEXT NOT NULL UNIQUE,
    platform_name           TEXT,
    backend_type            TEXT,
    memory_constraint_mb    INTEGER,
    supported_precisions    TEXT[],
    preferred_precision     TEXT,
    default_batch_size      INTEGER,
    default_timeout_seconds INTEGER,
    runner_labels           TEXT[],
    definition              JSON
)`,
		`CREATE TABLE hardware_compatibility_matrix (
    id                   BIGINT PRIMARY KEY,
    architecture_id      BIGINT,
    hardware_id          BIGINT,
    compatibility_status TEXT,
    compatibility_score  DOUBLE,
    implementation_type  TEXT,
    failure_reason       TEXT,
    optimization_level   TEXT,
    last_updated         TIMESTAMP,
    FOREIGN KEY (architecture_id) REFERENCES model_architecture_coverage(architecture_id),
    FOREIGN KEY (hardware_id) REFERENCES hardware_platforms(id)
)`,
		`CREATE TABLE generator_improvements (
    id                     BIGINT PRIMARY KEY,
    timestamp              TIMESTAMP,
    generator_file         TEXT,
    change_description     TEXT,
    affected_models        TEXT,
    affected_hardware      TEXT,
    improvement_percentage DOUBLE,
    implemented_by         TEXT
)`,
	)
}

// migrateHwcovColumns adds a column to comprehensive_test_results for every
// field of results.Result the guide's table lacks, and the runs table.
func migrateHwcovColumns(ctx context.Context, tx *sql.Tx) error {
	cols := []string{
		"run_id TEXT",
		"test_id TEXT",
		"status TEXT",
		"category TEXT",
		"precision TEXT",
		"batch_size INTEGER",
		"seq_len INTEGER",
		"samples_ms DOUBLE[]",
		"error_category TEXT",
		"traceback TEXT",
		"template_chain TEXT",
		"generated_file TEXT",
		"output JSON",
		"extra JSON",
		"attempt INTEGER",
		"started_at TIMESTAMP",
		"finished_at TIMESTAMP",
		"wall_ms DOUBLE",
	}
	var stmts []string
	for _, c := range cols {
		stmts = append(stmts, "ALTER TABLE comprehensive_test_results ADD COLUMN "+c)
	}
	stmts = append(stmts, `CREATE TABLE runs (
    run_id          TEXT PRIMARY KEY,
    git_sha         TEXT,
    git_ref         TEXT,
    pr_number       INTEGER,
    workflow_run_id BIGINT,
    run_attempt     INTEGER,
    shard           TEXT,
    runner_name     TEXT,
    runner_labels   TEXT[],
    hwcov_version   TEXT,
    environment     JSON,
    started_at      TIMESTAMP,
    finished_at     TIMESTAMP
)`)
	return execAll(ctx, tx, stmts...)
}

// migratePlannedTests adds planned_tests: what a CI plan promised, so that a
// merge can show the tests of a lost shard as "not run" instead of dropping them.
func migratePlannedTests(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx, `CREATE TABLE planned_tests (
    test_id  TEXT PRIMARY KEY,
    shard_id TEXT NOT NULL,
    hardware TEXT NOT NULL
)`)
}

// migrateFailureFingerprints adds failure_fingerprints: the normalised
// signature of a failed result and the version of the grouping rules that
// made it (internal/fingerprint). A row is never rewritten, so new rules
// regroup new results only.
func migrateFailureFingerprints(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx, `CREATE TABLE failure_fingerprints (
    result_id    BIGINT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    rule_version TEXT NOT NULL,
    signature    TEXT NOT NULL,
    rules        TEXT[],
    created_at   TIMESTAMP
)`)
}

// migratePatchVerification adds to the guide's generator_updates (one row per
// verified rule and platform) and generator_improvements (one row per test
// re-run) what `hwcov patch verify` measures: the rule, the template
// revisions and the runs before and after, and each test's status before and
// after. A later pull request is written from these rows.
func migratePatchVerification(ctx context.Context, tx *sql.Tx) error {
	var stmts []string
	for _, c := range []string{
		"rule_id TEXT", "rule_version INTEGER", "verdict TEXT", "kept BOOLEAN", "template_files TEXT[]",
		"fingerprints TEXT[]", "run_before TEXT[]", "run_after TEXT", "tests_fixed INTEGER", "controls INTEGER",
		"controls_broken INTEGER",
	} {
		stmts = append(stmts, "ALTER TABLE generator_updates ADD COLUMN "+c)
	}
	for _, c := range []string{
		"update_id BIGINT", "rule_id TEXT", "test_id TEXT", "role TEXT", "status_before TEXT", "status_after TEXT",
		"revision_before TEXT", "revision_after TEXT", "run_before TEXT", "run_after TEXT",
	} {
		stmts = append(stmts, "ALTER TABLE generator_improvements ADD COLUMN "+c)
	}
	return execAll(ctx, tx, stmts...)
}
