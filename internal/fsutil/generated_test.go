package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteGenerated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "w.yml")
	steps := []struct {
		name    string
		data    string
		force   bool
		written bool
		err     error
		want    string
	}{
		{"new, folders created", "one", false, true, nil, "one"},
		{"same content", "one", false, false, nil, "one"},
		{"differs", "two", false, false, ErrDiffers, "one"},
		{"differs, forced", "two", true, true, nil, "two"},
	}
	for _, s := range steps {
		written, err := WriteGenerated(path, []byte(s.data), s.force)
		if written != s.written || !errors.Is(err, s.err) || (s.err == nil && err != nil) {
			t.Errorf("%s: WriteGenerated = %v, %v; want %v, %v", s.name, written, err, s.written, s.err)
		}
		if got, _ := os.ReadFile(path); string(got) != s.want {
			t.Errorf("%s: file holds %q, want %q", s.name, got, s.want)
		}
	}
}

func TestAppendFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	for _, s := range []string{"a\n", "b\n"} {
		if err := AppendFile(path, s); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := os.ReadFile(path); string(got) != "a\nb\n" {
		t.Errorf("file holds %q, want %q", got, "a\nb\n")
	}
	if err := AppendFile(filepath.Join(path, "x"), "c"); err == nil {
		t.Error("AppendFile under a file: no error")
	}
}
