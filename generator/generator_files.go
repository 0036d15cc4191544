package generator

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/internal/hardware"
)

//go:embed templates
var embeddedRoot embed.FS

// embedded is the default template tree, rooted at templates/.
var embedded = mustSub(embeddedRoot, "templates")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// EmbeddedFS returns the default templates compiled into the binary, rooted so
// that names read "base.py.tmpl", "family/whisper.py.tmpl", "README.md".
func EmbeddedFS() fs.FS { return embedded }

// TemplateNames lists the embedded templates (*.tmpl), sorted.
func TemplateNames() []string {
	var names []string
	_ = fs.WalkDir(embedded, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tmpl") {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	return names
}

// FileName is the name of the test file for arch on hw:
// test_<model>_<hardware>.py, with every character that cannot be part of a
// Python identifier replaced by "_" (so pytest can import it).
func FileName(arch catalog.Architecture, hw hardware.Platform) string {
	return "test_" + Ident(arch.Name) + "_" + Ident(hw.PlatformKey) + ".py"
}

// WriteFiles writes each rendered file into dir (created when missing), each
// one atomically: a reader sees the old file or the new one, never half.
func (g *Generator) WriteFiles(dir string, files []Rendered) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %q: %w", dir, err)
	}
	seen := map[string]string{}
	for _, r := range files {
		if r.Path == "" || r.Path != filepath.Base(r.Path) {
			return fmt.Errorf("write generated test: bad file name %q", r.Path)
		}
		if prev, ok := seen[r.Path]; ok && prev != r.TestID {
			return fmt.Errorf("write generated test %q: rendered twice (%s and %s)", r.Path, prev, r.TestID)
		}
		seen[r.Path] = r.TestID
		if err := fsutil.WriteFileAtomic(filepath.Join(dir, r.Path), r.Source, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ExistsError says that InitTemplates would overwrite a file.
type ExistsError struct {
	Path string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("template %q already exists; pass --force to overwrite it", e.Path)
}

// InitTemplates writes the embedded templates (and their README) into dir so
// that a repository can edit them; from then on, Options.TemplatesDir = dir
// makes those copies win. It refuses to overwrite an existing file unless
// force, naming the file, and then writes nothing. Each file is written
// atomically. written lists the relative names written, sorted.
func InitTemplates(dir string, force bool) (written []string, err error) {
	var names []string
	err = fs.WalkDir(embedded, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list embedded templates: %w", err)
	}
	sort.Strings(names)
	if !force {
		for _, n := range names {
			p := filepath.Join(dir, filepath.FromSlash(n))
			if _, err := os.Lstat(p); err == nil {
				return nil, &ExistsError{Path: p}
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("init templates: %w", err)
			}
		}
	}
	for _, n := range names {
		b, err := fs.ReadFile(embedded, n)
		if err != nil {
			return written, fmt.Errorf("read embedded template %q: %w", n, err)
		}
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return written, fmt.Errorf("create %q: %w", filepath.Dir(p), err)
		}
		if err := fsutil.WriteFileAtomic(p, b, 0o644); err != nil {
			return written, err
		}
		written = append(written, n)
	}
	return written, nil
}
