package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

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
	// ErrNotHwcov: the file holds a view or a macro, which hwcov never
	// writes: reading it could run SQL that someone else wrote (see checkCatalog).
	ErrNotHwcov = errors.New("the file was not written by hwcov")
	// ErrBadPath: no database can live at the path: it is a directory, or
	// the file cannot be created there (a read-only folder, a parent that is
	// a file).
	ErrBadPath = errors.New("no database file can be opened or created there")
)

// Options says how Open treats the file. There is no option to trust a
// file: Open locks DuckDB down and checks the catalog of every one.
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
	// staging is the only folder DuckDB may read besides the database's own
	// files: Merge links a source file into it before attaching it. Empty
	// for a read-only database, which reads no other file. The folder is
	// made by the first Merge, so that a run that merges nothing leaves none.
	staging string
	mu      sync.Mutex
	made    bool // staging exists
	staged  int  // files staged so far, to name the next one
}

var _ results.Store = (*DB)(nil)

// Open opens the DuckDB file at path, creating it when opts.Create is set, and
// brings its schema to the current version. An empty path opens a private
// in-memory database (for tests).
//
// Every file is treated as data that someone else may have written (a shard
// or a baseline is an artifact a fork's workflow can upload): DuckDB runs
// with external access disabled and its configuration locked, so no query can
// read another file, load an extension or change that; and a file that holds
// a view or a macro is refused with ErrNotHwcov before anything is read.
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
			if err := createFile(path); err != nil {
				return nil, err
			}
			created = true
		case err != nil:
			return nil, err
		}
	}
	fail := func(err error) (*DB, error) {
		if created {
			removeFiles(path)
		}
		return nil, err
	}

	readOnly := opts.ReadOnly && path != ""
	// Never download or load extensions: hwcov runs offline, and DuckDB would
	// otherwise fetch the SQLite scanner to open a SQLite file given by mistake.
	dsn := path + "?autoinstall_known_extensions=false&autoload_known_extensions=false"
	if readOnly {
		dsn += "&access_mode=read_only&" + lockedDSN
	}
	sqldb, err := sql.Open("duckdb", dsn)
	if err != nil {
		return fail(classify(path, err))
	}
	d := &DB{path: path, readOnly: readOnly, sql: sqldb}
	if !readOnly {
		if err := d.lockDown(ctx); err != nil {
			d.Close()
			return fail(fmt.Errorf("open database %q: %w", path, err))
		}
	}
	if err := checkCatalog(ctx, d.sql, path); err != nil {
		d.Close()
		return fail(err)
	}
	if err := d.init(ctx); err != nil {
		d.Close()
		return fail(err)
	}
	return d, nil
}

// lockedDSN disables, for a database opened read-only, everything lockDown
// disables for a writable one.
const lockedDSN = "enable_external_access=false&lock_configuration=true"

// lockDown names a private staging folder for a writable database's Merge,
// makes it the only folder DuckDB may read besides the database's own files,
// then disables external access and locks the configuration. DuckDB allows
// setting allowed_directories only before external access is disabled, and
// neither afterwards, hence the fixed folder.
func (d *DB) lockDown(ctx context.Context) error {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	dir := filepath.Join(os.TempDir(), "hwcov-attach-"+hex.EncodeToString(b[:]))
	d.staging = dir
	for _, stmt := range []string{
		`SET allowed_directories = [` + quoteLiteral(dir+string(filepath.Separator)) + `]`,
		`SET enable_external_access = false`,
		`SET lock_configuration = true`,
	} {
		if _, err := d.sql.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("lock down: %w", err)
		}
	}
	return nil
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
	err := d.sql.Close()
	d.mu.Lock()
	if d.made {
		os.RemoveAll(d.staging)
		d.made = false
	}
	d.mu.Unlock()
	if err != nil {
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
		strings.Contains(msg, "Could not read enough bytes from file"), // truncated
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
	case errors.Is(err, syscall.ENOTDIR):
		return nil, fmt.Errorf("open database %q: %w: a parent of it is a file, not a folder", path, ErrBadPath)
	case err != nil:
		return nil, fmt.Errorf("open database %q: %w", path, err)
	case info.IsDir():
		return nil, fmt.Errorf("open database %q: %w: it is a directory, want a .duckdb file", path, ErrBadPath)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("open database %q: %w: it is not a regular file", path, ErrBadPath)
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

// createFile creates the parent folders of a new database and checks that
// the file can be created there (by creating and removing it: DuckDB does not
// take an empty file for a new database), so that a path where no file can be
// created is ErrBadPath with the reason rather than a DuckDB I/O error.
func createFile(path string) error {
	err := os.MkdirAll(filepath.Dir(path), 0o755)
	if err == nil {
		var f *os.File
		if f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644); err == nil {
			f.Close()
			return os.Remove(path)
		}
	}
	return createError(path, err)
}

// createError says why path could not be created: a read-only folder or file
// system, or a parent that is not a folder, is ErrBadPath.
func createError(path string, err error) error {
	reason := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		reason = pe.Op + " " + pe.Path + ": " + pe.Err.Error()
	}
	switch {
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS),
		errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.EISDIR):
		return fmt.Errorf("open database %q: %w: %s", path, ErrBadPath, reason)
	}
	return fmt.Errorf("open database %q: %w", path, err)
}

// removeFiles deletes a database file Open created and its write-ahead log.
func removeFiles(path string) {
	os.Remove(path)
	os.Remove(path + ".wal")
}
