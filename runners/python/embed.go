// Package pyharness embeds the Python harness (hwcov_harness) that generated
// tests import and the worker runs, so that the hwcov binary carries it.
package pyharness

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/hwcov/hwcov/internal/fsutil"
)

//go:embed hwcov_harness/*.py
var files embed.FS

// Package is the Python package name.
const Package = "hwcov_harness"

// Files returns the embedded harness files by name (e.g. "harness.py").
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(files, Package, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		out[path.Base(p)] = b
		return err
	})
	return out, err
}

// Digest is a short hash of the embedded harness, to name cache folders.
func Digest() string {
	fs, err := Files()
	if err != nil {
		return "unknown"
	}
	names := make([]string, 0, len(fs))
	for n := range fs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(fs[n]))
		h.Write(fs[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// WriteTo writes the package as dir/hwcov_harness/*.py, each file atomically,
// and returns dir (the folder to put on PYTHONPATH).
func WriteTo(dir string) (string, error) {
	fs, err := Files()
	if err != nil {
		return "", err
	}
	pkg := filepath.Join(dir, Package)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return "", fmt.Errorf("create %q: %w", pkg, err)
	}
	for n, b := range fs {
		if err := fsutil.WriteFileAtomic(filepath.Join(pkg, n), b, 0o644); err != nil {
			return "", err
		}
	}
	return dir, fsutil.WriteFileAtomic(filepath.Join(pkg, ".complete"), []byte(Digest()), 0o644)
}

// Extract writes the harness once into cacheDir/harness-<digest> and returns
// that folder, reusing it when it is already there.
func Extract(cacheDir string) (string, error) {
	dir := filepath.Join(cacheDir, "harness-"+Digest())
	if _, err := os.Stat(filepath.Join(dir, Package, ".complete")); err == nil {
		return dir, nil
	}
	return WriteTo(dir)
}
