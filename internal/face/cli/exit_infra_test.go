package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pythonWithoutTorch is an interpreter that cannot import torch.
func pythonWithoutTorch(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err == nil && exec.Command(path, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is not None)").Run() == nil {
			return path
		}
	}
	t.Skip("no python without torch")
	return ""
}

func writeTestFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestExitInfra: a runner whose Python lacks torch records infra_error and
// exits ExitInfra, naming the package and the fix, not ExitFailed.
func TestExitInfra(t *testing.T) {
	t.Setenv("HWCOV_CACHE_DIR", t.TempDir())
	t.Setenv("HWCOV_PYTHON", pythonWithoutTorch(t))
	t.Setenv("GITHUB_ACTIONS", "")
	tests := writeTestFiles(t, map[string]string{
		"test_bert_cpu.py": "import torch\nTEST_ID = \"bert@cpu/fp32/b1/s128\"\ndef run_test(params=None):\n    return {\"status\": \"pass\"}\n",
		"test_vit_cpu.py":  "import torch\nTEST_ID = \"vit@cpu/fp32/b1/s128\"\ndef run_test(params=None):\n    return {\"status\": \"pass\"}\n",
	})
	db := filepath.Join(t.TempDir(), "r.duckdb")
	junit := filepath.Join(t.TempDir(), "r.xml")
	var out, errb bytes.Buffer
	code := Main([]string{"run", "--tests", tests, "--db", db, "--junit", junit}, strings.NewReader(""), &out, &errb)
	if code != ExitInfra {
		t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, ExitInfra, out.String(), errb.String())
	}
	for _, want := range []string{"2 tests could not run on this runner (infra_error): No module named 'torch'",
		"Try: make venv, or pip install -r runners/python/requirements.txt on the runner"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if !strings.Contains(out.String(), "2 infra_error") {
		t.Errorf("stdout %q does not count the infra errors", out.String())
	}
	x, err := os.ReadFile(junit)
	if err != nil || !strings.Contains(string(x), `type="infra_error"`) || strings.Contains(string(x), "<failure") {
		t.Errorf("junit (%v):\n%s", err, x)
	}
}

// TestExitInterrupted: SIGINT during hwcov run exits ExitInterrupted with one
// line, and keeps what was committed.
func TestExitInterrupted(t *testing.T) {
	t.Setenv("HWCOV_CACHE_DIR", t.TempDir())
	t.Setenv("HWCOV_PYTHON", pythonWithoutTorch(t))
	t.Setenv("GITHUB_ACTIONS", "")
	marker := filepath.Join(t.TempDir(), "started")
	tests := writeTestFiles(t, map[string]string{
		"test_bert_cpu.py": "TEST_ID = \"bert@cpu/fp32/b1/s128\"\ndef run_test(params=None):\n    return {\"status\": \"pass\"}\n",
		"test_vit_cpu.py": "import time\nTEST_ID = \"vit@cpu/fp32/b1/s128\"\ndef run_test(params=None):\n" +
			"    open(" + `"` + marker + `"` + ", 'w').close()\n    time.sleep(600)\n",
	})
	db := filepath.Join(t.TempDir(), "r.duckdb")
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"run", "--tests", tests, "--db", db, "--run-id", "r1", "--timeout", "120s"}, strings.NewReader(""), &out, &errb)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the slow test did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var code int
	select {
	case code = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("hwcov run did not stop after SIGINT")
	}
	stderr := strings.TrimSpace(errb.String())
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %s", code, ExitInterrupted, stderr)
	}
	last := stderr[strings.LastIndexByte(stderr, '\n')+1:]
	if !strings.HasPrefix(last, "hwcov: interrupted: run r1: finished results are in ") || !strings.Contains(last, "--resume") {
		t.Errorf("last stderr line %q", last)
	}
	// the finished test is kept
	out.Reset()
	errb.Reset()
	if code := Main([]string{"report", "matrix", "--db", db, "--format", "csv"}, strings.NewReader(""), &out, &errb); code != ExitOK {
		t.Fatalf("report: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "bert,") || strings.Contains(out.String(), "vit,") {
		t.Errorf("matrix after the interrupt:\n%s", out.String())
	}
}
