package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hwcov": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// repoRoot is the module root, where .venv lives.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// TestScript runs the CLI flows in testdata/script. Scripts that need the real
// Python environment declare `[!python] skip`; the python condition holds when
// .venv/bin/python (with torch and transformers) exists.
func TestScript(t *testing.T) {
	venvPython, _ := filepath.Abs(filepath.Join(repoRoot(), ".venv", "bin", "python"))
	_, err := os.Stat(venvPython)
	hasPython := err == nil
	// openvino and onnxruntime importable in the venv (runners/python/requirements.txt)
	hasBackends := hasPython && exec.Command(venvPython, "-c", "import openvino, onnxruntime").Run() == nil
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("HWCOV_CACHE_DIR", filepath.Join(env.WorkDir, ".cache"))
			env.Setenv("HF_HUB_OFFLINE", "1")
			env.Setenv("GITHUB_ACTIONS", "")
			if hasPython {
				env.Setenv("HWCOV_PYTHON", venvPython)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile":  cmdWaitFile,
			"fakehub":   cmdFakeHub,
			"resultsdb": cmdResultsDB,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "python":
				return hasPython, nil
			case "long":
				return !testing.Short(), nil
			case "backends":
				return hasBackends, nil
			}
			return false, nil
		},
	})
}

// cmdWaitFile waits until a file exists: waitfile PATH TIMEOUT.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfile PATH TIMEOUT")
	}
	d, err := time.ParseDuration(args[1])
	ts.Check(err)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear within %s", args[0], d)
}

// cmdFakeHub starts a stand-in for the HuggingFace Hub's /api/models and sets
// $HUB_URL: fakehub. Downloads: llama > bert > vit > gpt2.
func cmdFakeHub(ts *testscript.TestScript, neg bool, args []string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/models" || r.URL.Query().Get("sort") != "downloads" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"id":"m/llama-7b","downloads":900,"config":{"model_type":"llama"}},
			{"id":"g/bert-base","downloads":500,"config":{"model_type":"bert"}},
			{"id":"g/vit-base","downloads":300,"config":{"model_type":"vit"}},
			{"id":"o/gpt2","downloads":200,"config":{"model_type":"gpt2"}},
			{"id":"x/bert-large","downloads":450,"config":{"model_type":"bert"}}]`))
	}))
	ts.Defer(srv.Close)
	ts.Setenv("HUB_URL", srv.URL)
}
