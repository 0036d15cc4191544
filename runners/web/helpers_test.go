package web

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// webDir is this package's folder: node_modules and .browsers live here.
func webDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// needBrowsers skips a test under -short, or when the browsers or
// onnxruntime-web are not installed, saying how to install them.
func needBrowsers(t *testing.T, platforms ...string) Options {
	t.Helper()
	if testing.Short() {
		t.Skip("starts real browsers; skipped under -short")
	}
	dir := webDir(t)
	if err := checkDir(dir); err != nil {
		t.Skipf("%v", err)
	}
	o := Options{Dir: dir}
	for _, p := range platforms {
		if _, err := specFor(&o, p); err != nil {
			t.Skipf("%v", err)
		}
	}
	if _, err := exec.LookPath("node"); err != nil && len(platforms) == 0 {
		t.Skip("node is not installed")
	}
	o.Logf = t.Logf
	if os.Getenv("HWCOV_WEB_VERBOSE") != "" {
		o.BrowserLog = os.Stderr
	}
	return o
}
