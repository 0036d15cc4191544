package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(filepath.Join(dir, "missing.yaml"), true)
	if err != nil || c.DB != "benchmark_db.duckdb" || len(c.Priorities.Key) != 13 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), false); err == nil {
		t.Fatal("a named missing config must be an error")
	}
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("db: runs.duckdb\npriorities:\n  key: [bert, gpt2]\n"), 0o644)
	c, err = Load(good, false)
	if err != nil || c.DB != "runs.duckdb" || strings.Join(c.Priorities.Key, ",") != "bert,gpt2" || len(c.Priorities.High) == 0 {
		t.Fatalf("good: %+v %v", c, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("db: x\ntemplate_dir: y\n"), 0o644)
	if _, err := Load(bad, false); err == nil || !strings.Contains(err.Error(), "template_dir") || !strings.Contains(err.Error(), "bad.yaml") {
		t.Fatalf("unknown key error: %v", err)
	}
}
