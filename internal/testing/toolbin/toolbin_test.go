package toolbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestBuildCaches(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	mod := t.TempDir()
	os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/hello\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(mod, "main.go"), []byte("package main\n\nfunc main() { println(\"hi\") }\n"), 0o644)
	cache := t.TempDir()
	bin, built, err := Build(mod, ".", "hello", cache)
	if err != nil || !built {
		t.Fatalf("first build: %v, built %v", err, built)
	}
	again, built, err := Build(mod, ".", "hello", cache)
	if err != nil || built || again != bin {
		t.Errorf("second build: %s %v %v; want the cached %s", again, built, err, bin)
	}
	os.WriteFile(filepath.Join(mod, "main.go"), []byte("package main\n\nfunc main() { println(\"hello\") }\n"), 0o644)
	if changed, built, err := Build(mod, ".", "hello", cache); err != nil || !built || changed == bin {
		t.Errorf("after a change: %s %v %v", changed, built, err)
	}
	os.WriteFile(filepath.Join(mod, "main.go"), []byte("package main\n\nfunc main() { oops }\n"), 0o644)
	if _, _, err := Build(mod, ".", "hello", cache); err == nil {
		t.Errorf("a broken module built")
	} else if _, ok := err.(*BuildError); !ok {
		t.Errorf("err %T, want *BuildError", err)
	}
	if got := CacheDir(func(string) string { return "/x" }); got != "/x" {
		t.Errorf("CacheDir = %s", got)
	}
}
