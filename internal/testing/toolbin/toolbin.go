package toolbin

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// CacheDir is $HWCOV_TOOLS_CACHE, else the user cache dir's hwcov/tools.
func CacheDir(getenv func(string) string) string {
	if d := getenv("HWCOV_TOOLS_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "hwcov", "tools")
	}
	return filepath.Join(os.TempDir(), "hwcov-tools")
}

// BuildError says that a tool could not be built; Output is the tail of go
// build's output.
type BuildError struct {
	Pkg    string
	Err    error
	Output string
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("go build %s: %v: %s", e.Pkg, e.Err, e.Output)
}

// Build returns the binary of pkg (an import path or ./dir) built in the Go
// module at moduleDir, building it into cacheDir when the module's go.mod,
// go.sum or Go sources changed since the last build. built reports whether
// it had to build.
func Build(moduleDir, pkg, name, cacheDir string) (bin string, built bool, err error) {
	key, err := moduleKey(moduleDir)
	if err != nil {
		return "", false, err
	}
	bin = filepath.Join(cacheDir, name+"-"+key)
	if _, err := os.Stat(bin); err == nil {
		return bin, false, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", false, err
	}
	tmp := fmt.Sprintf("%s.tmp%d", bin, os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, pkg)
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		s := strings.TrimSpace(string(out))
		if len(s) > 800 {
			s = "…" + s[len(s)-800:]
		}
		return "", false, &BuildError{Pkg: pkg, Err: err, Output: s}
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", false, err
	}
	return bin, true, nil
}

// moduleKey hashes go.mod, go.sum and the .go files of the module (not of
// modules nested in it).
func moduleKey(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if n := d.Name(); n == "go.mod" || n == "go.sum" || strings.HasSuffix(n, ".go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash module %q: %w", dir, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
