package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver

	"github.com/hwcov/hwcov/internal/results"
)

// The ways Open can fail that a user can do something about. Open wraps them
// with the path, so test them with errors.Is.
var (
	// ErrNotFound: the file does not exist and Options.Create is false (or
	// Options.ReadOnly is true).
	ErrNotFound = errors.New("database file does not exist")
	// ErrLocked: another process holds the file open for writing (DuckDB
	// allows one writing process, or any number of read-only ones).
	ErrLocked = errors.New("database is locked by another process")
	// ErrCorrupt: the file is not a DuckDB database, or it is damaged.
	ErrCorrupt = errors.New("not a valid DuckDB database")
	// ErrNewerSchema: the file was written by a newer hwcov (a schema version
	// or DuckDB storage version this build does not know).
	ErrNewerSchema = errors.New("database was written by a newer hwcov")
	// ErrOldSchema: the file needs a schema migration but was opened
	// read-only. Opening it once read-write migrates it.
	ErrOldSchema = errors.New("database schema is older than this hwcov and was opened read-only")
)

// Options says how Open treats the file.
type Options struct {
	// ReadOnly opens the file without taking the write lock; several
	// read-only processes may share a file. Nothing is created or migrated.
	ReadOnly bool
	// Create creates the file (and its parent directories) when it does not
	// exist. Without it a missing file is ErrNotFound.
	Create bool
}

// DB is an open hwcov database. It implements results.Store and is safe for
// concurrent use.
type DB struct {
	path     string
	readOnly bool
	sql      *sql.DB
	insert   *sql.Stmt
}

var _ results.Store = (*DB)(nil)

// Open opens the DuckDB file at path, creating it when opts.Create is set, and
// brings its schema to the current version. An empty path opens a private
// in-memory database (for tests).
//
// A file that Open creates is removed again when creating its schema fails, so
// no half-initialised database is left behind.
func Open(path string, opts Options) (*DB, error) {
	ctx := context.Background()
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("open database %q: the path must not contain '?'", path)
	}
	created := false
	if path != "" {
		_, err := checkFile(path)
		switch {
		case errors.Is(err, ErrNotFound):
			if !opts.Create || opts.ReadOnly {
				return nil, err
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, fmt.Errorf("open database %q: %w", path, err)
			}
			created = true
		case err != nil:
			return nil, err
		}
	}

	// Never download or load extensions: hwcov runs offline, and DuckDB would
	// otherwise fetch the SQLite scanner to open a SQLite file given by mistake.
	dsn := path + "?autoinstall_known_extensions=false&autoload_known_extensions=false"
	if opts.ReadOnly && path != "" {
		dsn += "&access_mode=read_only"
	}
	sqldb, err := sql.Open("duckdb", dsn)
	if err != nil {
		if created {
			removeFiles(path)
		}
		return nil, classify(path, err)
	}
	d := &DB{path: path, readOnly: opts.ReadOnly && path != "", sql: sqldb}
	if err := d.init(ctx); err != nil {
		sqldb.Close()
		if created {
			removeFiles(path)
		}
		return nil, err
	}
	return d, nil
}

// init checks the schema version, migrates when allowed, and prepares the
// statements Record uses.
func (d *DB) init(ctx context.Context) error {
	version, err := schemaVersion(ctx, d.sql)
	if err != nil {
		return classify(d.path, err)
	}
	latest := len(migrations)
	switch {
	case version > latest:
		return fmt.Errorf("open database %q: %w: schema version %d, this hwcov knows up to %d; upgrade hwcov",
			d.path, ErrNewerSchema, version, latest)
	case version < latest && d.readOnly:
		return fmt.Errorf("open database %q: %w: schema version %d, current is %d",
			d.path, ErrOldSchema, version, latest)
	case version < latest:
		if err := migrate(ctx, d.sql, version, latest); err != nil {
			return fmt.Errorf("open database %q: %w", d.path, err)
		}
	}
	if d.readOnly {
		return nil
	}
	d.insert, err = d.sql.PrepareContext(ctx, insertResultSQL)
	if err != nil {
		return fmt.Errorf("open database %q: prepare insert: %w", d.path, err)
	}
	return nil
}

// Path returns the file the database lives in ("" for an in-memory one).
func (d *DB) Path() string { return d.path }

// Close checkpoints and closes the database.
func (d *DB) Close() error {
	if d.insert != nil {
		d.insert.Close()
	}
	if err := d.sql.Close(); err != nil {
		return fmt.Errorf("close database %q: %w", d.path, err)
	}
	return nil
}

// classify turns a DuckDB error from opening or first reading a file into one
// of the sentinel errors when it is one, keeping DuckDB's message (it names
// the process holding a lock).
func classify(path string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "database/sql/driver: could not connect to database: ")
	var kind error
	switch {
	case strings.Contains(msg, "Could not set lock on file"),
		strings.Contains(msg, "Conflicting lock"),
		strings.Contains(msg, "same database file with a different configuration"):
		kind = ErrLocked
	case strings.Contains(msg, "not a valid DuckDB database file"),
		strings.Contains(msg, "Corrupt database file"),
		strings.Contains(msg, "Failure while replaying WAL"):
		kind = ErrCorrupt
	case strings.Contains(msg, "Trying to read a database file with version number") &&
		strings.Contains(msg, "newer"):
		kind = ErrNewerSchema
	default:
		return fmt.Errorf("open database %q: %w", path, err)
	}
	return fmt.Errorf("open database %q: %w: %s", path, kind, msg)
}

// checkFile does the checks Open makes before DuckDB sees a file: it must
// exist (ErrNotFound), be a regular file, and start with DuckDB's header
// (ErrCorrupt) unless it is empty.
func checkFile(path string) (fs.FileInfo, error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("open database %q: %w", path, ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("open database %q: %w", path, err)
	case info.IsDir():
		return nil, fmt.Errorf("open database %q: is a directory, want a .duckdb file", path)
	}
	return info, checkMagic(path)
}

// checkMagic refuses a non-empty file without DuckDB's magic bytes ("DUCK"
// at offset 8) before DuckDB sees it: DuckDB would otherwise try to open a
// SQLite file through an extension. An empty file is a new database.
func checkMagic(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open database %q: %w", path, err)
	}
	defer f.Close()
	var head [12]byte
	n, err := io.ReadFull(f, head[:])
	if n == 0 && err == io.EOF {
		return nil
	}
	if n < len(head) || string(head[8:12]) != "DUCK" {
		return fmt.Errorf("open database %q: %w: the file does not start with DuckDB's header", path, ErrCorrupt)
	}
	return nil
}

// removeFiles deletes a database file Open created and its write-ahead log.
func removeFiles(path string) {
	os.Remove(path)
	os.Remove(path + ".wal")
}
