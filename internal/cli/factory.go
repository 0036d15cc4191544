package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/config"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/store"
	pyharness "github.com/hwcov/hwcov/runners/python"
)

// Factory carries the side effects every command needs: IO streams, the
// environment, the clock, subprocesses and HTTP. Tests replace any of them.
type Factory struct {
	In       io.Reader
	Out, Err io.Writer
	Getenv   func(string) string
	Now      func() time.Time
	HTTP     *http.Client
	// RunPython runs the interpreter with args and returns its stdout; a
	// failure quotes the command and the tail of its stderr.
	RunPython func(ctx context.Context, python string, args []string, env []string) ([]byte, error)
	LookPath  func(string) (string, error)

	// Set by global flags.
	ConfigPath string
	PythonFlag string

	// yield, when set, is handed each command's result value (a plan, a
	// shard's run, a merge, a matrix): the action reads them so.
	yield func(any)

	cfg     *config.Config
	cat     *catalog.Catalog
	hw      *hardware.Registry
	harness string
}

// NewFactory returns the factory for a real process.
func NewFactory(in io.Reader, out, errw io.Writer) *Factory {
	return &Factory{
		In: in, Out: out, Err: errw,
		Getenv:    os.Getenv,
		Now:       time.Now,
		HTTP:      &http.Client{Timeout: 60 * time.Second},
		RunPython: runPython,
		LookPath:  exec.LookPath,
	}
}

func runPython(ctx context.Context, python string, args []string, env []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", python, strings.Join(args, " "), err, tail(stderr.String(), 600))
	}
	return stdout.Bytes(), nil
}

// tail returns the last n bytes of s, on one line.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.ReplaceAll(s, "\n", " | ")
}

// Config returns hwcov.yaml (or the defaults).
func (f *Factory) Config() (config.Config, error) {
	if f.cfg != nil {
		return *f.cfg, nil
	}
	path, optional := f.ConfigPath, false
	if path == "" {
		path, optional = config.DefaultFile, true
	}
	c, err := config.Load(path, optional)
	if err != nil {
		return c, usagef("fix the key named above, or remove it (see docs/configuration.md)", "%v", err)
	}
	f.cfg = &c
	return c, nil
}

// Catalog returns the repository's synced catalog when it has one, else the
// embedded snapshot, with hwcov.yaml's priority tiers applied.
func (f *Factory) Catalog() (*catalog.Catalog, error) {
	if f.cat != nil {
		return f.cat, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	var c *catalog.Catalog
	data, err := os.ReadFile(cfg.CatalogFile)
	switch {
	case err == nil:
		if c, err = catalog.Parse(data); err != nil {
			return nil, usagef("run `hwcov catalog sync` to rewrite it", "catalog %q: %v", cfg.CatalogFile, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		if c, err = catalog.Embedded(); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	c.ApplyPriorities(cfg.Priorities)
	f.cat = c
	return c, nil
}

// Hardware returns the built-in platforms plus the repository's custom ones.
func (f *Factory) Hardware() (*hardware.Registry, error) {
	if f.hw != nil {
		return f.hw, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	r := hardware.Builtin()
	if err := r.LoadDir(cfg.HardwareDir); err != nil {
		return nil, usagef("fix or remove the file named above", "%v", err)
	}
	f.hw = r
	return r, nil
}

// Python returns the interpreter to use: --python, $HWCOV_PYTHON, hwcov.yaml,
// ./.venv/bin/python, then python3 on PATH.
func (f *Factory) Python() (string, error) {
	if f.PythonFlag != "" {
		return f.PythonFlag, nil
	}
	if p := f.Getenv("HWCOV_PYTHON"); p != "" {
		return p, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	if cfg.Python != "" {
		return cfg.Python, nil
	}
	if _, err := os.Stat(filepath.Join(".venv", "bin", "python")); err == nil {
		abs, _ := filepath.Abs(filepath.Join(".venv", "bin", "python"))
		return abs, nil
	}
	if p, err := f.LookPath("python3"); err == nil {
		return p, nil
	}
	return "", usagef("install Python 3 or pass --python PATH", "no Python interpreter found")
}

// CacheDir is $HWCOV_CACHE_DIR, else the user cache dir's hwcov folder.
func (f *Factory) CacheDir() string {
	if d := f.Getenv("HWCOV_CACHE_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "hwcov")
	}
	return filepath.Join(os.TempDir(), "hwcov-cache")
}

// HarnessDir extracts the embedded Python harness once and returns the folder
// to put on PYTHONPATH.
func (f *Factory) HarnessDir() (string, error) {
	if f.harness != "" {
		return f.harness, nil
	}
	d, err := pyharness.Extract(f.CacheDir())
	if err != nil {
		return "", fmt.Errorf("extract the Python harness: %w", err)
	}
	f.harness = d
	return d, nil
}

// RunHarnessScript runs `python -m hwcov_harness.<module>` offline and returns stdout.
func (f *Factory) RunHarnessScript(ctx context.Context, module string) ([]byte, error) {
	py, err := f.Python()
	if err != nil {
		return nil, err
	}
	dir, err := f.HarnessDir()
	if err != nil {
		return nil, err
	}
	env := []string{"PYTHONPATH=" + dir, "HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "PYTHONDONTWRITEBYTECODE=1"}
	return f.RunPython(ctx, py, []string{"-m", "hwcov_harness." + module}, env)
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

// platforms resolves platform names ("all", "cpu,cuda") with helpful errors.
func (f *Factory) platforms(names []string) ([]hardware.Platform, error) {
	r, err := f.Hardware()
	if err != nil {
		return nil, err
	}
	ps, err := r.Resolve(names, catalog.Closest)
	var ue *hardware.UnknownError
	if errors.As(err, &ue) {
		return nil, usagef("hwcov hardware list (or add one: hwcov hardware add --properties FILE.json)", "%v", err)
	}
	if err == nil && len(ps) == 0 {
		return nil, usagef("--hardware cpu (or all)", "no hardware platform named")
	}
	return ps, err
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

// Generator returns a template generator that uses the repository's templates
// folder (templates_dir in hwcov.yaml, default .hwcov/templates) when it exists.
func (f *Factory) Generator(dir string) (*generator.Generator, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	c, err := f.Catalog()
	if err != nil {
		return nil, err
	}
	explicit := dir != ""
	if !explicit {
		dir = cfg.TemplatesDir
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if explicit {
			return nil, usagef("hwcov templates init --dir "+dir, "templates folder %q does not exist", dir)
		}
		dir = ""
	}
	return generator.New(generator.Options{TemplatesDir: dir, HwcovVersion: version(), TransformersVersion: c.TransformersVersion})
}

// result hands v to the in-process caller, when there is one.
func (f *Factory) result(v any) {
	if f.yield != nil {
		f.yield(v)
	}
}
