package workspace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/hwerr"
)

// inRepo makes a temporary folder the working directory, with files.
func inRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// wantUsage checks that err is a usage error whose message has msg and whose
// hint is hint, as the CLI prints it (exit 2, one line, Try:).
func wantUsage(t *testing.T, err error, msg, hint string) {
	t.Helper()
	var ue *hwerr.UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v (%T), want a usage error", err, err)
	}
	var b strings.Builder
	if code := hwerr.Exit(err, &b); code != hwerr.ExitUsage {
		t.Errorf("exit %d, want %d", code, hwerr.ExitUsage)
	}
	if !strings.Contains(ue.Msg, msg) || ue.Hint != hint || !strings.HasSuffix(b.String(), "\nTry: "+hint+"\n") {
		t.Errorf("usage error %q, hint %q; want %q and hint %q", ue.Msg, ue.Hint, msg, hint)
	}
}

const npu = `{"platform_name": "My NPU", "platform_key": "npu", "backend_type": "onnxruntime", "memory_constraint_mb": 8192,
  "supported_precisions": ["fp32"], "preferred_precision": "fp32", "default_batch_size": 1, "default_timeout_seconds": 60}`

func TestConfig(t *testing.T) {
	t.Run("defaults without hwcov.yaml", func(t *testing.T) {
		inRepo(t, nil)
		c, err := New(env(nil), "v1").Config()
		if err != nil || c.TemplatesDir == "" || c.Python != "" {
			t.Errorf("Config = %+v, %v; want the defaults", c, err)
		}
	})
	t.Run("read once", func(t *testing.T) {
		inRepo(t, map[string]string{"hwcov.yaml": "python: /opt/py\n"})
		w := New(env(nil), "v1")
		if c, err := w.Config(); err != nil || c.Python != "/opt/py" {
			t.Fatalf("Config = %+v, %v", c, err)
		}
		if err := os.WriteFile("hwcov.yaml", []byte("python: /other\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if c, _ := w.Config(); c.Python != "/opt/py" {
			t.Errorf("Config read again: %q", c.Python)
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		inRepo(t, map[string]string{"hwcov.yaml": "pyhton: /opt/py\n"})
		_, err := New(env(nil), "v1").Config()
		wantUsage(t, err, "pyhton", "fix the key named above, or remove it (see docs/configuration.md)")
	})
	t.Run("named file missing", func(t *testing.T) {
		inRepo(t, nil)
		w := New(env(nil), "v1")
		w.ConfigPath = "ci.yaml"
		_, err := w.Config()
		wantUsage(t, err, `read config "ci.yaml"`, "pass an existing file to --config, or leave --config out to use ./hwcov.yaml when present")
	})
}

func TestCatalog(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		inRepo(t, nil)
		w := New(env(nil), "v1")
		c, err := w.Catalog()
		if err != nil || len(c.Architectures) == 0 {
			t.Fatalf("Catalog: %v", err)
		}
		if c2, _ := w.Catalog(); c2 != c {
			t.Error("Catalog read twice")
		}
	})
	t.Run("priorities of hwcov.yaml", func(t *testing.T) {
		inRepo(t, nil)
		c, err := New(env(nil), "v1").Catalog()
		if err != nil {
			t.Fatal(err)
		}
		name := ""
		for _, a := range c.Architectures {
			if a.Priority != catalog.PriorityKey {
				name = a.Name
				break
			}
		}
		inRepo(t, map[string]string{"hwcov.yaml": "priorities:\n  key: [" + name + "]\n"})
		if c, err = New(env(nil), "v1").Catalog(); err != nil {
			t.Fatal(err)
		}
		if a, _ := c.Get(name); a.Priority != catalog.PriorityKey {
			t.Errorf("%s: priority %v, want key from hwcov.yaml", name, a.Priority)
		}
	})
	t.Run("broken synced catalog", func(t *testing.T) {
		inRepo(t, map[string]string{".hwcov/catalog.json": "{not json"})
		_, err := New(env(nil), "v1").Catalog()
		wantUsage(t, err, `catalog ".hwcov/catalog.json"`, "run `hwcov catalog sync` to rewrite it")
	})
	t.Run("unreadable catalog", func(t *testing.T) {
		inRepo(t, map[string]string{".hwcov/catalog.json/x": ""}) // a folder
		_, err := New(env(nil), "v1").Catalog()
		if err == nil || errors.As(err, new(*hwerr.UsageError)) {
			t.Errorf("err = %v, want a plain error", err)
		}
	})
	t.Run("config error", func(t *testing.T) {
		inRepo(t, map[string]string{"hwcov.yaml": "nope: 1\n"})
		if _, err := New(env(nil), "v1").Catalog(); !errors.As(err, new(*hwerr.UsageError)) {
			t.Errorf("err = %v, want the config's usage error", err)
		}
	})
}

func TestHardwareAndPlatforms(t *testing.T) {
	t.Run("custom platform", func(t *testing.T) {
		inRepo(t, map[string]string{".hwcov/hardware/npu.json": npu})
		w := New(env(nil), "v1")
		ps, err := w.Platforms([]string{"cpu", "npu"})
		if err != nil || len(ps) != 2 || ps[0].PlatformKey != "cpu" || ps[1].PlatformKey != "npu" {
			t.Fatalf("Platforms = %+v, %v", ps, err)
		}
		r1, _ := w.Hardware()
		if r2, _ := w.Hardware(); r1 != r2 {
			t.Error("Hardware read twice")
		}
	})
	t.Run("broken custom platform", func(t *testing.T) {
		inRepo(t, map[string]string{".hwcov/hardware/npu.json": "{"})
		_, err := New(env(nil), "v1").Platforms([]string{"cpu"})
		wantUsage(t, err, "npu.json", "fix or remove the file named above")
	})
	t.Run("unknown platform", func(t *testing.T) {
		inRepo(t, nil)
		_, err := New(env(nil), "v1").Platforms([]string{"cdua"})
		wantUsage(t, err, "cdua", "hwcov hardware list (or add one: hwcov hardware add --properties FILE.json)")
	})
	t.Run("none named", func(t *testing.T) {
		inRepo(t, nil)
		_, err := New(env(nil), "v1").Platforms(nil)
		wantUsage(t, err, "no hardware platform named", "--hardware cpu (or all)")
	})
}

func TestPython(t *testing.T) {
	found := func(string) (string, error) { return "/usr/bin/python3", nil }
	notFound := func(string) (string, error) { return "", errors.New("not found") }
	for _, tc := range []struct {
		name     string
		flag     string
		env      map[string]string
		files    map[string]string
		lookPath func(string) (string, error)
		want     string // "" : the error; "VENV": the repository's .venv
	}{
		{name: "flag first", flag: "/flag/py", env: map[string]string{"HWCOV_PYTHON": "/env/py"}, files: map[string]string{"hwcov.yaml": "python: /cfg/py\n"}, lookPath: found, want: "/flag/py"},
		{name: "then HWCOV_PYTHON", env: map[string]string{"HWCOV_PYTHON": "/env/py"}, files: map[string]string{"hwcov.yaml": "python: /cfg/py\n"}, lookPath: found, want: "/env/py"},
		{name: "then hwcov.yaml", files: map[string]string{"hwcov.yaml": "python: /cfg/py\n", ".venv/bin/python": ""}, lookPath: found, want: "/cfg/py"},
		{name: "then .venv", files: map[string]string{".venv/bin/python": ""}, lookPath: found, want: "VENV"},
		{name: "then python3 on PATH", lookPath: found, want: "/usr/bin/python3"},
		{name: "none", lookPath: notFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := inRepo(t, tc.files)
			w := New(env(tc.env), "v1")
			w.PythonFlag, w.LookPath = tc.flag, tc.lookPath
			got, err := w.Python()
			switch tc.want {
			case "":
				wantUsage(t, err, "no Python interpreter found", "install Python 3 or pass --python PATH")
				return
			case "VENV":
				tc.want = filepath.Join(dir, ".venv", "bin", "python")
			}
			if err != nil || got != tc.want {
				t.Errorf("Python = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	t.Run("config error", func(t *testing.T) {
		inRepo(t, map[string]string{"hwcov.yaml": "nope: 1\n"})
		if _, err := New(env(nil), "v1").Python(); !errors.As(err, new(*hwerr.UsageError)) {
			t.Errorf("err = %v, want the config's usage error", err)
		}
	})
}

func TestCacheDir(t *testing.T) {
	if got := New(env(map[string]string{"HWCOV_CACHE_DIR": "/c"}), "v").CacheDir(); got != "/c" {
		t.Errorf("CacheDir = %q, want $HWCOV_CACHE_DIR", got)
	}
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if want, err := os.UserCacheDir(); err == nil {
		if got := New(env(nil), "v").CacheDir(); got != filepath.Join(want, "hwcov") {
			t.Errorf("CacheDir = %q, want %q", got, filepath.Join(want, "hwcov"))
		}
	}
}

// RunHarnessScript runs the module offline with the extracted harness on
// PYTHONPATH; the interpreter runs through the RunPython seam.
func TestRunHarnessScript(t *testing.T) {
	inRepo(t, nil)
	cache := t.TempDir()
	w := New(env(map[string]string{"HWCOV_CACHE_DIR": cache}), "v1")
	w.PythonFlag = "/py"
	var gotPy string
	var gotArgs, gotEnv []string
	w.RunPython = func(_ context.Context, py string, args, env []string) ([]byte, error) {
		gotPy, gotArgs, gotEnv = py, args, env
		return []byte("out"), nil
	}
	out, err := w.RunHarnessScript(context.Background(), "probe")
	if err != nil || string(out) != "out" {
		t.Fatalf("RunHarnessScript = %q, %v", out, err)
	}
	dir, _ := w.HarnessDir()
	if !strings.HasPrefix(dir, cache) {
		t.Errorf("harness in %q, want under the cache %q", dir, cache)
	}
	if _, err := os.Stat(filepath.Join(dir, "hwcov_harness")); err != nil {
		t.Errorf("harness not extracted: %v", err)
	}
	wantEnv := []string{"PYTHONPATH=" + dir, "HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "PYTHONDONTWRITEBYTECODE=1"}
	if gotPy != "/py" || !reflect.DeepEqual(gotArgs, []string{"-m", "hwcov_harness.probe"}) || !reflect.DeepEqual(gotEnv, wantEnv) {
		t.Errorf("ran %q %q with %q", gotPy, gotArgs, gotEnv)
	}

	// a harness that cannot be extracted says so
	w = New(env(map[string]string{"HWCOV_CACHE_DIR": "/dev/null/cache"}), "v1")
	w.PythonFlag = "/py"
	if _, err := w.RunHarnessScript(context.Background(), "probe"); err == nil || !strings.Contains(err.Error(), "extract the Python harness") {
		t.Errorf("unwritable cache: %v", err)
	}
	// no interpreter
	w = New(env(nil), "v1")
	w.LookPath = func(string) (string, error) { return "", errors.New("no") }
	if _, err := w.RunHarnessScript(context.Background(), "probe"); !errors.As(err, new(*hwerr.UsageError)) {
		t.Errorf("no python: %v", err)
	}
}

// A failing interpreter's error quotes the command and its stderr's tail.
func TestRunPython(t *testing.T) {
	sh, err := filepath.Abs("/bin/sh")
	if _, serr := os.Stat(sh); err != nil || serr != nil {
		t.Skip("no /bin/sh")
	}
	out, err := runPython(context.Background(), sh, []string{"-c", `echo "$HWCOV_X"`}, []string{"HWCOV_X=from-env"})
	if err != nil || string(out) != "from-env\n" {
		t.Errorf("runPython = %q, %v", out, err)
	}
	_, err = runPython(context.Background(), sh, []string{"-c", "echo partial; echo line1 >&2; echo line2 >&2; exit 3"}, nil)
	if err == nil || !strings.Contains(err.Error(), sh+" -c echo partial") || !strings.Contains(err.Error(), "exit status 3") ||
		!strings.HasSuffix(err.Error(), "line1 | line2") {
		t.Errorf("err = %v, want the command, its exit and stderr", err)
	}
}

// usesFolder says whether g renders the family template zzmodel from the
// templates folder (a template with no built-in twin adds to the hierarchy).
func usesFolder(t *testing.T, g *generator.Generator) bool {
	t.Helper()
	chain, err := g.Chain(catalog.Architecture{Name: "zzmodel", Category: "text-encoder"}, hardware.Platform{PlatformKey: "cpu"})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range chain {
		if l.Name == "family/zzmodel.py.tmpl" {
			return true
		}
	}
	return false
}

func TestGenerator(t *testing.T) {
	const family = "{{/* a user family template */}}\n"
	for _, tc := range []struct {
		name   string
		files  map[string]string
		dir    string
		folder bool // the generator uses the templates folder
	}{
		{name: "default folder missing: built-in templates", dir: ""},
		{name: "default folder", files: map[string]string{".hwcov/templates/family/zzmodel.py.tmpl": family}, folder: true},
		{name: "folder of hwcov.yaml", files: map[string]string{"hwcov.yaml": "templates_dir: tpl\n", "tpl/family/zzmodel.py.tmpl": family}, folder: true},
		{name: "explicit folder wins", dir: "mine", files: map[string]string{"hwcov.yaml": "templates_dir: tpl\n",
			"tpl/family/other.py.tmpl": family, "mine/family/zzmodel.py.tmpl": family}, folder: true},
		{name: "a file is no folder", files: map[string]string{"hwcov.yaml": "templates_dir: tpl\n", "tpl": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inRepo(t, tc.files)
			g, err := New(env(nil), "v1").Generator(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := usesFolder(t, g); got != tc.folder {
				t.Errorf("uses the templates folder: %v, want %v", got, tc.folder)
			}
		})
	}
	t.Run("explicit folder missing", func(t *testing.T) {
		inRepo(t, nil)
		_, err := New(env(nil), "v1").Generator("mytemplates")
		wantUsage(t, err, `templates folder "mytemplates" does not exist`, "hwcov templates init --dir mytemplates")
	})
	t.Run("config error", func(t *testing.T) {
		inRepo(t, map[string]string{"hwcov.yaml": "nope: 1\n"})
		if _, err := New(env(nil), "v1").Generator(""); !errors.As(err, new(*hwerr.UsageError)) {
			t.Errorf("err = %v, want the config's usage error", err)
		}
	})
}
