package patch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/fsutil"
)

// DirSources reads templates from dir (the user's copy), else the embedded
// defaults.
func DirSources(dir string) Sources {
	return func(name string) (string, bool, error) {
		if dir != "" {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
			if err == nil {
				return string(b), true, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", false, fmt.Errorf("read template: %w", err)
			}
		}
		b, err := fs.ReadFile(generator.EmbeddedFS(), name)
		if errors.Is(err, fs.ErrNotExist) {
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("read embedded template %q: %w", name, err)
		}
		return string(b), true, nil
	}
}

// WriteEdits writes each edit's after into dir, atomically per file.
func WriteEdits(dir string, edits []FileEdit) error {
	for _, e := range edits {
		p := filepath.Join(dir, filepath.FromSlash(e.File))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create %q: %w", filepath.Dir(p), err)
		}
		if err := fsutil.WriteFileAtomic(p, []byte(e.After), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// WriteReverts undoes files in dir.
func WriteReverts(dir string, rs []Revert) error {
	for _, r := range rs {
		p := filepath.Join(dir, filepath.FromSlash(r.File))
		if r.Remove {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			continue
		}
		if err := fsutil.WriteFileAtomic(p, []byte(r.Src), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ManifestPath is where apply records what it did: applied.json in the
// patches folder beside the templates.
func ManifestPath(templatesDir string) string {
	return filepath.Join(RulesDir(templatesDir), "applied.json")
}

// WriteManifest writes m to path.
func WriteManifest(path string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, append(b, '\n'), 0o644)
}

// ReadManifest reads the manifest at path.
func ReadManifest(path string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("patch manifest %q: %w", path, err)
	}
	for i := range m.Rules {
		if err := m.Rules[i].Rule.validate(); err != nil {
			return m, fmt.Errorf("patch manifest %q: %w", path, err)
		}
	}
	return m, nil
}

// WriteSuggestions writes each suggestion into dir as <rule>.yaml (the rule,
// loadable with --input) and <rule>.diff (what applying it changes in
// templatesDir), for review before apply.
func WriteSuggestions(dir, templatesDir string, rules []AppliedRule) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %q: %w", dir, err)
	}
	var written []string
	for _, a := range rules {
		b, err := yaml.Marshal(ruleFile{Rules: []Rule{a.Rule}})
		if err != nil {
			return written, err
		}
		head := fmt.Sprintf("# %s: %d matched tests (hwcov patch suggest)\n", a.Rule.ID, len(a.Tests))
		for _, t := range a.Tests {
			head += "#   " + t.TestID + "\n"
		}
		for name, data := range map[string]string{
			a.Rule.ID + ".yaml": head + string(b),
			a.Rule.ID + ".diff": Diff(templatesDir, a.Edits),
		} {
			if err := fsutil.WriteFileAtomic(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				return written, err
			}
			written = append(written, filepath.Join(dir, name))
		}
	}
	return written, nil
}

// LoadInput reads the rules of a folder written by WriteSuggestions (or any
// folder of rule files), without the shipped ones.
func LoadInput(dir string) ([]Rule, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("patch input %q: %w", dir, err)
	}
	return readRules(os.DirFS(dir), ".", dir)
}
