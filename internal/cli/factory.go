package cli

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/store"
	"github.com/hwcov/hwcov/internal/workspace"
)

// Factory carries the side effects every command needs: IO streams, the
// environment, the clock, subprocesses and HTTP. Tests replace any of them.
type Factory struct {
	In       io.Reader
	Out, Err io.Writer
	Getenv   func(string) string
	Now      func() time.Time
	HTTP     *http.Client

	// Workspace is the repository hwcov works in: its configuration,
	// catalog, platforms, templates and Python (RunPython, LookPath and the
	// global flags' ConfigPath and PythonFlag are its fields).
	*workspace.Workspace

	// yield, when set, is handed each command's result value (a plan, a
	// shard's run, a merge, a matrix): the action reads them so.
	yield func(any)
}

// NewFactory returns the factory for a real process.
func NewFactory(in io.Reader, out, errw io.Writer) *Factory {
	f := &Factory{In: in, Out: out, Err: errw, Getenv: os.Getenv, Now: time.Now, HTTP: &http.Client{Timeout: 60 * time.Second}}
	f.Workspace = workspace.New(func(k string) string { return f.Getenv(k) }, version())
	return f
}

// openDB opens the database with errors a user can act on.
func openDB(f *Factory, path string, readOnly bool) (*store.DB, error) {
	if path == "" {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		path = cfg.DB
	}
	db, err := store.Open(path, store.Options{ReadOnly: readOnly, Create: !readOnly})
	if err != nil {
		return nil, dbError(path, "", err)
	}
	return db, nil
}

// dbError gives the store's sentinel errors a hint; side names the database
// ("base", "head") or is empty.
func dbError(path, side string, err error) error {
	what := strings.TrimSpace(side + " database")
	switch {
	case errors.Is(err, store.ErrNotFound):
		return usagef("hwcov run --priority key --hardware cpu --db "+path, "%s %q does not exist", what, path)
	case errors.Is(err, store.ErrLocked):
		return usagef("wait for the other hwcov to finish, or pass another --db", "%s %q is locked by another process", what, path)
	case errors.Is(err, store.ErrCorrupt):
		return usagef("move the file aside, or pass another --db", "%s %q is not an hwcov DuckDB database (corrupt or another format)", what, path)
	case errors.Is(err, store.ErrNewerSchema):
		return usagef("upgrade hwcov", "%s %q was written by a newer hwcov", what, path)
	case errors.Is(err, store.ErrOldSchema):
		return usagef("open it once with a writing command (e.g. hwcov run) to migrate it", "%s %q needs a schema migration", what, path)
	case errors.Is(err, store.ErrNotHwcov):
		// The error names the file and the object; nothing of the file's
		// content is read, so it is safe to print.
		return usagef("pass a database that hwcov run or hwcov merge wrote; this one may have been tampered with", "%v", err)
	case errors.Is(err, store.ErrBadPath):
		return usagef("pass a .duckdb file in a writable folder, e.g. --db results/hwcov.duckdb", "%v", err)
	}
	return err
}

// result hands v to the in-process caller, when there is one.
func (f *Factory) result(v any) {
	if f.yield != nil {
		f.yield(v)
	}
}
