package hardware

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/internal/hwerr"
)

// DefaultCustomDir is where `hwcov hardware add` keeps custom platforms, in the
// user's repository.
const DefaultCustomDir = ".hwcov/hardware"

// LoadFile reads and validates one platform file.
func LoadFile(path string) (Platform, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Platform{}, fmt.Errorf("read hardware file %q: %w", path, err)
	}
	return ParsePlatform(path, data)
}

// LoadDir adds every *.json platform in dir to r. A missing dir adds nothing.
func (r *Registry) LoadDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read hardware dir %q: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		p, err := LoadFile(filepath.Join(dir, n))
		if err != nil {
			return err
		}
		r.Add(p)
	}
	return nil
}

// Save writes p as dir/<key>.json through a temporary file and a rename, so a
// failed write leaves nothing behind.
func Save(dir string, p Platform) (string, error) {
	data, err := Marshal(p)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %q: %w", dir, err)
	}
	path := filepath.Join(dir, p.PlatformKey+".json")
	return path, fsutil.WriteFileAtomic(path, data, 0o644)
}

// Add reads a platform's properties file and saves it as a custom platform
// in dir; a platform of the same key in r is replaced only with force.
func Add(r *Registry, properties, dir string, force bool) (p Platform, path string, err error) {
	p, err = LoadFile(properties)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return p, "", hwerr.Usagef("compare with `hwcov hardware show cpu`", "%v", err)
		}
		return p, "", hwerr.Usagef("check the path", "%v", err)
	}
	if old, ok := r.Get(p.PlatformKey); ok && !force {
		what := "custom"
		if old.Builtin {
			what = "built-in"
		}
		return p, "", hwerr.Usagef("pass --force to replace it, or choose another platform_key", "%s: platform %q already exists (%s)", properties, p.PlatformKey, what)
	}
	path, err = Save(dir, p)
	return p, path, err
}
