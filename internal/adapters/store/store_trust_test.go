package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// secretFile writes a file whose content must never come out of a database.
func secretFile(t *testing.T) (path, content string) {
	t.Helper()
	content = "hwcov-secret-7f3a9c"
	path = filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, content
}

// HostileKinds are the ways a database file can carry SQL that runs when
// hwcov reads it, each as statements that turn a current hwcov database
// into a hostile one, the object the refusal names, and its words.
func hostileKinds(secret string) []struct {
	name, object, words string
	stmts               []string
} {
	q := quoteLiteral(secret)
	return []struct {
		name, object, words string
		stmts               []string
	}{
		{"view reading a file", "comprehensive_test_results", "is a view, want a table", []string{
			`DROP TABLE comprehensive_test_results`,
			`CREATE VIEW comprehensive_test_results AS SELECT 1::BIGINT AS id, 'r' AS run_id, 't' AS test_id,
				(SELECT content FROM read_text(` + q + `)) AS error_message`,
		}},
		{"view calling a table function", "runs", "is a view, want a table", []string{
			`DROP TABLE runs`,
			`CREATE VIEW runs AS SELECT file AS run_id FROM glob(` + q + `)`,
		}},
		{"view under another name", "leak", "is a view", []string{
			`CREATE VIEW leak AS SELECT * FROM read_csv(` + q + `, header = false)`,
		}},
		{"scalar macro", "lower", "is a macro", []string{
			`CREATE MACRO lower(s) AS (SELECT content FROM read_text(` + q + `))`,
		}},
		{"table macro shadowing range", "range", "is a table macro", []string{
			`CREATE MACRO range(n) AS TABLE SELECT content FROM read_text(` + q + `)`,
		}},
	}
}

// hostileDB writes a current hwcov database at path and runs stmts on it.
func hostileDB(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	execSQL(t, path, stmts...)
}

func TestHostileDatabasesAreRefused(t *testing.T) {
	ctx := context.Background()
	secret, content := secretFile(t)
	for _, k := range hostileKinds(secret) {
		t.Run(k.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hostile.duckdb")
			hostileDB(t, path, k.stmts...)
			check := func(how string, err error) {
				t.Helper()
				if !errors.Is(err, ErrNotHwcov) {
					t.Fatalf("%s = %v, want ErrNotHwcov", how, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, path) || !strings.Contains(msg, `"`+k.object+`"`) || !strings.Contains(msg, k.words) {
					t.Errorf("%s: %q does not name the file, %q and %q", how, msg, k.object, k.words)
				}
				if strings.Contains(msg, content) {
					t.Errorf("%s: the secret file's content reached the error: %q", how, msg)
				}
			}
			for _, opts := range []Options{{ReadOnly: true}, {}} {
				_, err := Open(path, opts)
				check("Open", err)
			}
			_, cleanup, err := OpenReadOnlyMigrated(path)
			cleanup()
			check("OpenReadOnlyMigrated", err)

			into, err := Open(filepath.Join(t.TempDir(), "run.duckdb"), Options{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			defer into.Close()
			_, err = into.Merge(ctx, path)
			check("Merge", err)
			all, err := into.AllResults(ctx)
			if err != nil || len(all) != 0 {
				t.Errorf("after a refused merge: %d results, %v", len(all), err)
			}
		})
	}
}

// TestHostileOlderSchema: a view in a file that needs a migration is refused
// before the migration (which runs on a copy) could read through it.
func TestHostileOlderSchema(t *testing.T) {
	ctx := context.Background()
	secret, content := secretFile(t)
	path := filepath.Join(t.TempDir(), "v1.duckdb")
	schemaV1DB(t, path)
	execSQL(t, path, `DROP TABLE generator_updates`,
		`CREATE VIEW generator_updates AS SELECT content FROM read_text(`+quoteLiteral(secret)+`)`)
	_, cleanup, err := OpenReadOnlyMigrated(path)
	cleanup()
	if !errors.Is(err, ErrNotHwcov) || strings.Contains(err.Error(), content) {
		t.Errorf("OpenReadOnlyMigrated = %v, want ErrNotHwcov", err)
	}
	into, _ := openNew(t)
	if _, err := into.Merge(ctx, path); !errors.Is(err, ErrNotHwcov) || !strings.Contains(err.Error(), path) {
		t.Errorf("Merge = %v, want ErrNotHwcov naming %s", err, path)
	}
}

// TestExternalAccessDisabled: even SQL that hwcov itself runs cannot read a
// file, whether the database is open read-only, read-write, or is a merge
// target with a shard attached.
func TestExternalAccessDisabled(t *testing.T) {
	ctx := context.Background()
	secret, content := secretFile(t)
	_, path := openClosed(t)
	shard := filepath.Join(t.TempDir(), "shard.duckdb")
	shardDB(t, shard, "run-1", "bert@cpu/fp32/b1/s128")
	for _, opts := range []Options{{ReadOnly: true}, {}} {
		db, err := Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`SELECT content FROM read_text(` + quoteLiteral(secret) + `)`,
			`SELECT count(*)::VARCHAR FROM glob(` + quoteLiteral(filepath.Dir(secret)+"/*") + `)`,
			`SELECT current_setting('enable_external_access')::VARCHAR || (SELECT content FROM read_text(` + quoteLiteral(shard) + `))`,
		} {
			var got string
			err := db.sql.QueryRowContext(ctx, q).Scan(&got)
			if err == nil || strings.Contains(got, content) {
				t.Errorf("%+v: %s = %q, %v; want a permission error", opts, q, got, err)
			}
		}
		for _, stmt := range []string{`SET enable_external_access = true`, `SET allowed_directories = ['/']`,
			`ATTACH ` + quoteLiteral(shard) + ` AS s (READ_ONLY)`} {
			if _, err := db.sql.ExecContext(ctx, stmt); err == nil {
				t.Errorf("%+v: %s succeeded", opts, stmt)
			}
		}
		if !opts.ReadOnly {
			if _, err := db.Merge(ctx, shard); err != nil {
				t.Errorf("merge into a locked database: %v", err)
			}
		}
		db.Close()
	}
}

func TestOpenBadPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		path string
		opts Options
	}{
		"directory":           {dir, Options{Create: true}},
		"directory read-only": {dir, Options{ReadOnly: true}},
		"parent is a file":    {filepath.Join(file, "hwcov.duckdb"), Options{Create: true}},
		"grandparent a file":  {filepath.Join(file, "sub", "hwcov.duckdb"), Options{Create: true}},
	} {
		_, err := Open(tc.path, tc.opts)
		if !errors.Is(err, ErrBadPath) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: Open = %v, want ErrBadPath naming the path", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "hwcov.duckdb.wal")); err == nil {
		t.Error("a failed open left a file")
	}
}

// TestCreateError: the errors a read-only folder gives a user who is not
// root (root is not stopped by permissions) are ErrBadPath with the reason.
func TestCreateError(t *testing.T) {
	for _, err := range []error{
		&os.PathError{Op: "open", Path: "/ro/hwcov.duckdb", Err: syscall.EACCES},
		&os.PathError{Op: "open", Path: "/ro/hwcov.duckdb", Err: syscall.EPERM},
		&os.PathError{Op: "mkdir", Path: "/ro/sub", Err: syscall.EROFS},
		&os.PathError{Op: "mkdir", Path: "/f/sub", Err: syscall.ENOTDIR},
	} {
		got := createError("/ro/hwcov.duckdb", err)
		if !errors.Is(got, ErrBadPath) || !strings.Contains(got.Error(), err.Error()) {
			t.Errorf("createError(%v) = %v, want ErrBadPath with the reason", err, got)
		}
	}
	if got := createError("x", syscall.ENOSPC); errors.Is(got, ErrBadPath) {
		t.Errorf("a full disk is not a bad path: %v", got)
	}
}

// TestOpenTruncated: a file cut short, or DuckDB's header followed by
// garbage, is ErrCorrupt like any other file that is not a database.
func TestOpenTruncated(t *testing.T) {
	_, good := openClosed(t)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"first 4096 bytes":    data[:4096],
		"first 12288 bytes":   data[:12288],
		"header then garbage": append(append([]byte{}, data[:4096]...), []byte(strings.Repeat("garbage!", 4096))...),
		"half":                data[:len(data)/2],
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cut.duckdb")
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, opts := range []Options{{ReadOnly: true}, {}} {
				_, err := Open(path, opts)
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
					t.Errorf("Open(%+v) = %v, want ErrCorrupt naming the path", opts, err)
				}
			}
		})
	}
}

// TestStagingFolder: only a merge makes the staging folder, and Close
// removes it with everything staged in it.
func TestStagingFolder(t *testing.T) {
	ctx := context.Background()
	db, _ := openNew(t)
	if _, err := os.Stat(db.staging); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("staging folder made before any merge: %v", err)
	}
	shard := filepath.Join(t.TempDir(), "shard.duckdb")
	shardDB(t, shard, "run-1", "bert@cpu/fp32/b1/s128")
	if _, err := db.Merge(ctx, shard); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(db.staging); err != nil || len(entries) != 0 {
		t.Errorf("staging folder after a merge: %v, %v; want it empty", entries, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db.staging); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("staging folder left after Close: %v", err)
	}
}

// TestMergeAllRefusesOnlyHostile: in one batch, each hostile source is
// refused with its own object named, and every other source merges.
func TestMergeAllRefusesOnlyHostile(t *testing.T) {
	ctx := context.Background()
	secret, content := secretFile(t)
	dir := t.TempDir()
	var srcs []string
	want := map[string]string{} // source -> object its refusal names
	for k, kind := range hostileKinds(secret) {
		good := filepath.Join(dir, "good-"+string(rune('a'+k))+".duckdb")
		shardDB(t, good, "run-"+string(rune('a'+k)), "bert@cpu/fp32/b1/s12"+string(rune('0'+k)))
		bad := filepath.Join(dir, "bad-"+string(rune('a'+k))+".duckdb")
		hostileDB(t, bad, kind.stmts...)
		srcs = append(srcs, good, bad)
		want[bad] = kind.object
	}
	older := filepath.Join(dir, "older.duckdb")
	schemaV1DB(t, older)
	srcs = append(srcs, older)
	into, _ := openNew(t)
	merged := 0
	err := into.MergeAll(ctx, srcs, func(rep MergeReport, err error) error {
		object, hostile := want[rep.Source]
		switch {
		case hostile && (!errors.Is(err, ErrNotHwcov) || !strings.Contains(err.Error(), `"`+object+`"`) ||
			!strings.Contains(err.Error(), rep.Source)):
			t.Errorf("%s: %v, want ErrNotHwcov naming %q and the file", rep.Source, err, object)
		case hostile:
		case err != nil:
			t.Errorf("%s: %v", rep.Source, err)
		default:
			merged += rep.NewResults
		}
		if err != nil && strings.Contains(err.Error(), content) {
			t.Errorf("the secret reached an error: %v", err)
		}
		return nil
	})
	if err != nil || merged != len(want)+1 {
		t.Errorf("MergeAll: %v, %d results merged; want %d", err, merged, len(want)+1)
	}
	stop := errors.New("stop")
	calls := 0
	if err := into.MergeAll(ctx, srcs, func(MergeReport, error) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("MergeAll after done failed: %v after %d calls", err, calls)
	}
}

// TestHostileFixturesWork: read without Open's checks, the hostile files do
// leak the secret, so the refusals above are what keeps it out.
func TestHostileFixturesWork(t *testing.T) {
	secret, content := secretFile(t)
	for _, k := range hostileKinds(secret) {
		path := filepath.Join(t.TempDir(), "hostile.duckdb")
		hostileDB(t, path, k.stmts...)
		q := map[string]string{
			"view reading a file":           `SELECT error_message FROM comprehensive_test_results`,
			"view calling a table function": `SELECT run_id FROM runs`,
			"view under another name":       `SELECT * FROM leak`,
			"scalar macro":                  `SELECT lower('X')`,
			"table macro shadowing range":   `SELECT * FROM range(3)`,
		}[k.name]
		db, err := sql.Open("duckdb", path+"?access_mode=read_only")
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = db.QueryRow(q).Scan(&got)
		db.Close()
		if !strings.Contains(got, content) && !strings.Contains(got, filepath.Base(secret)) {
			t.Errorf("%s: %s = %q, %v; the fixture does not reach the secret", k.name, q, got, err)
		}
	}
}
