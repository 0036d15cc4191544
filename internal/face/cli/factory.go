package cli

import (
	"io"
	"net/http"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/hwcov/hwcov/internal/adapters/store"
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
	return f.OpenDB(path, readOnly)
}

// addDBFlags registers the flags every report shares: --db (--db-path),
// --format with its help, and --out (-o, --output).
func addDBFlags(fl *pflag.FlagSet, db, format, out *string, formatHelp string) {
	fl.StringVar(db, "db", "", "DuckDB file (default db in hwcov.yaml, ./benchmark_db.duckdb)")
	fl.StringVar(db, "db-path", "", "alias of --db")
	fl.StringVar(format, "format", "", formatHelp)
	fl.StringVarP(out, "out", "o", "", "write to this file")
	fl.StringVar(out, "output", "", "alias of --out")
}

// result hands v to the in-process caller, when there is one.
func (f *Factory) result(v any) {
	if f.yield != nil {
		f.yield(v)
	}
}

// checkPlatforms checks platform keys against the catalog of platforms.
func (f *Factory) checkPlatforms(keys []string) error {
	_, err := f.Platforms(keys)
	return err
}
