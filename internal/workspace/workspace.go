package workspace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/config"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/hwerr"
	pyharness "github.com/hwcov/hwcov/runners/python"
)

// Workspace is the repository hwcov works in: hwcov.yaml, its catalog, its
// custom hardware platforms, its templates and its Python. What it reads is
// read once.
type Workspace struct {
	// ConfigPath is the config file ("" : ./hwcov.yaml when present).
	ConfigPath string
	// PythonFlag is the interpreter the user named ("" : see Python).
	PythonFlag string
	// RunPython runs the interpreter with args and returns its stdout; a
	// failure quotes the command and the tail of its stderr.
	RunPython func(ctx context.Context, python string, args []string, env []string) ([]byte, error)
	LookPath  func(string) (string, error)

	getenv  func(string) string
	version string
	cfg     *config.Config
	cat     *catalog.Catalog
	hw      *hardware.Registry
	harness string
}

// New returns the workspace of the working directory; getenv reads the
// environment and version is hwcov's, written into generated tests.
func New(getenv func(string) string, version string) *Workspace {
	return &Workspace{RunPython: runPython, LookPath: exec.LookPath, getenv: getenv, version: version}
}

func runPython(ctx context.Context, python string, args []string, env []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", python, strings.Join(args, " "), err, hwerr.Tail(stderr.String(), 600))
	}
	return stdout.Bytes(), nil
}

// Config returns hwcov.yaml (or the defaults).
func (w *Workspace) Config() (config.Config, error) {
	if w.cfg != nil {
		return *w.cfg, nil
	}
	path, optional := w.ConfigPath, false
	if path == "" {
		path, optional = config.DefaultFile, true
	}
	c, err := config.Load(path, optional)
	if errors.Is(err, fs.ErrNotExist) {
		return c, hwerr.Usagef("pass an existing file to --config, or leave --config out to use ./hwcov.yaml when present", "%v", err)
	}
	if err != nil {
		return c, hwerr.Usagef("fix the key named above, or remove it (see docs/configuration.md)", "%v", err)
	}
	w.cfg = &c
	return c, nil
}

// Catalog returns the repository's synced catalog when it has one, else the
// embedded snapshot, with hwcov.yaml's priority tiers applied.
func (w *Workspace) Catalog() (*catalog.Catalog, error) {
	if w.cat != nil {
		return w.cat, nil
	}
	cfg, err := w.Config()
	if err != nil {
		return nil, err
	}
	var c *catalog.Catalog
	data, err := os.ReadFile(cfg.CatalogFile)
	switch {
	case err == nil:
		if c, err = catalog.Parse(data); err != nil {
			return nil, hwerr.Usagef("run `hwcov catalog sync` to rewrite it", "catalog %q: %v", cfg.CatalogFile, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		if c, err = catalog.Embedded(); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	c.ApplyPriorities(cfg.Priorities)
	w.cat = c
	return c, nil
}

// Hardware returns the built-in platforms plus the repository's custom ones.
func (w *Workspace) Hardware() (*hardware.Registry, error) {
	if w.hw != nil {
		return w.hw, nil
	}
	cfg, err := w.Config()
	if err != nil {
		return nil, err
	}
	r := hardware.Builtin()
	if err := r.LoadDir(cfg.HardwareDir); err != nil {
		return nil, hwerr.Usagef("fix or remove the file named above", "%v", err)
	}
	w.hw = r
	return r, nil
}

// Python returns the interpreter to use: --python, $HWCOV_PYTHON, hwcov.yaml,
// ./.venv/bin/python, then python3 on PATH.
func (w *Workspace) Python() (string, error) {
	if w.PythonFlag != "" {
		return w.PythonFlag, nil
	}
	if p := w.getenv("HWCOV_PYTHON"); p != "" {
		return p, nil
	}
	cfg, err := w.Config()
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
	if p, err := w.LookPath("python3"); err == nil {
		return p, nil
	}
	return "", hwerr.Usagef("install Python 3 or pass --python PATH", "no Python interpreter found")
}

// CacheDir is $HWCOV_CACHE_DIR, else the user cache dir's hwcov folder.
func (w *Workspace) CacheDir() string {
	if d := w.getenv("HWCOV_CACHE_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "hwcov")
	}
	return filepath.Join(os.TempDir(), "hwcov-cache")
}

// HarnessDir extracts the embedded Python harness once and returns the folder
// to put on PYTHONPATH.
func (w *Workspace) HarnessDir() (string, error) {
	if w.harness != "" {
		return w.harness, nil
	}
	d, err := pyharness.Extract(w.CacheDir())
	if err != nil {
		return "", fmt.Errorf("extract the Python harness: %w", err)
	}
	w.harness = d
	return d, nil
}

// RunHarnessScript runs `python -m hwcov_harness.<module>` offline and returns stdout.
func (w *Workspace) RunHarnessScript(ctx context.Context, module string) ([]byte, error) {
	py, err := w.Python()
	if err != nil {
		return nil, err
	}
	dir, err := w.HarnessDir()
	if err != nil {
		return nil, err
	}
	env := []string{"PYTHONPATH=" + dir, "HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "PYTHONDONTWRITEBYTECODE=1"}
	return w.RunPython(ctx, py, []string{"-m", "hwcov_harness." + module}, env)
}

// Platforms resolves platform names ("all", "cpu,cuda") with helpful errors.
func (w *Workspace) Platforms(names []string) ([]hardware.Platform, error) {
	r, err := w.Hardware()
	if err != nil {
		return nil, err
	}
	ps, err := r.Resolve(names, catalog.Closest)
	var ue *hardware.UnknownError
	if errors.As(err, &ue) {
		return nil, hwerr.Usagef("hwcov hardware list (or add one: hwcov hardware add --properties FILE.json)", "%v", err)
	}
	if err == nil && len(ps) == 0 {
		return nil, hwerr.Usagef("--hardware cpu (or all)", "no hardware platform named")
	}
	return ps, err
}

// Generator returns a template generator that uses the repository's templates
// folder (templates_dir in hwcov.yaml, default .hwcov/templates) when it exists.
func (w *Workspace) Generator(dir string) (*generator.Generator, error) {
	cfg, err := w.Config()
	if err != nil {
		return nil, err
	}
	c, err := w.Catalog()
	if err != nil {
		return nil, err
	}
	explicit := dir != ""
	if !explicit {
		dir = cfg.TemplatesDir
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if explicit {
			return nil, hwerr.Usagef("hwcov templates init --dir "+dir, "templates folder %q does not exist", dir)
		}
		dir = ""
	}
	return generator.New(generator.Options{TemplatesDir: dir, HwcovVersion: w.version, TransformersVersion: c.TransformersVersion})
}
