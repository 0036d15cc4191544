package planner

import (
	"path"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
)

// Template folders: the embedded defaults in hwcov's own repository and the
// copies `hwcov templates init` writes into a user's repository.
var templateDirs = []string{"generator/templates/", ".hwcov/templates/"}

// ChangedFile is what one changed path touches. A path touches every test
// (All), or the tests that match every non-empty field of Category,
// Hardware and Model, or none (Reason empty; Note says why).
//
// The rules, for paths anywhere in the repository (matched by suffix):
//
//	<templates>/base.py.tmpl                          every test
//	<templates>/modality/<category>.py.tmpl           that category
//	<templates>/modality/<category>_<hw>.py.tmpl      that category on that platform
//	<templates>/family/<model_type>.py.tmpl           that architecture
//	<templates>/hardware/<key>.py.tmpl                that platform, and platforms
//	                                                  whose backend_type is <key> and
//	                                                  that have no template of their own
//	catalog.json, hwcov.yaml                          every test
//	.hwcov/hardware/*.json, internal/hardware/data/*.json   every test
//	runners/python/hwcov_harness/*.py                 every test
//
// where <templates> is generator/templates or .hwcov/templates.
type ChangedFile struct {
	Path     string // the path as given
	Template string // the template's name below the templates folder, when it is one
	All      bool
	Category string
	Hardware string
	Model    string
	Reason   string // why a test it touches is picked: "family template family/whisper.py.tmpl changed"
	Note     string // why it touches nothing, when it does not

	backendLayer bool // a hardware template, which may be a backend_type fallback
}

// Touches reports whether the file selects at least some tests.
func (c ChangedFile) Touches() bool { return c.Reason != "" }

// ClassifyChange says what the changed file at p touches (see [ChangedFile]).
// It looks only at the path; whether a named category, platform or
// architecture exists is for the caller.
func ClassifyChange(p string) ChangedFile {
	c := ChangedFile{Path: p}
	n := normPath(p)
	base := path.Base(n)
	for _, dir := range templateDirs {
		rest, ok := afterDir(n, dir)
		if !ok {
			continue
		}
		c.Template = rest
		return classifyTemplate(c, rest)
	}
	switch {
	case base == "catalog.json":
		c.All, c.Reason = true, "catalog "+n+" changed"
	case base == "hwcov.yaml" || base == "hwcov.yml":
		c.All, c.Reason = true, "config "+n+" changed"
	case strings.HasSuffix(base, ".json") && (underDir(n, ".hwcov/hardware/") || underDir(n, "internal/hardware/data/")):
		c.All, c.Reason = true, "hardware definition "+n+" changed"
	case strings.HasSuffix(base, ".py") && underDir(n, "runners/python/hwcov_harness/"):
		c.All, c.Reason = true, "harness "+n+" changed"
	default:
		c.Note = "not a template, catalog, config, hardware definition or harness file"
	}
	return c
}

func classifyTemplate(c ChangedFile, rest string) ChangedFile {
	const ext = ".py.tmpl"
	dir, file := path.Split(rest)
	stem, ok := strings.CutSuffix(file, ext)
	if !ok || stem == "" {
		c.Note = "not a " + ext + " template"
		return c
	}
	switch dir {
	case "":
		if stem == "base" {
			c.All, c.Reason = true, "base template "+rest+" changed"
			return c
		}
	case "modality/":
		if cat, ok := catalog.NormalizeCategory(stem); ok && cat == stem {
			c.Category = cat
			c.Reason = "modality template " + rest + " changed"
			return c
		}
		for _, cat := range catalog.Categories {
			if hw, ok := strings.CutPrefix(stem, cat+"_"); ok && hw != "" {
				c.Category, c.Hardware = cat, hw
				c.Reason = "modality template " + rest + " changed"
				return c
			}
		}
		c.Note = "names no category (want modality/<category>.py.tmpl or modality/<category>_<hardware>.py.tmpl)"
		return c
	case "family/":
		c.Model = stem
		c.Reason = "family template " + rest + " changed"
		return c
	case "hardware/":
		c.Hardware = stem
		c.backendLayer = true
		c.Reason = "hardware template " + rest + " changed"
		return c
	}
	c.Note = "not in the template hierarchy (base, modality/, family/, hardware/)"
	return c
}

// touches reports whether c selects t. platforms maps keys to platforms (for
// backend fallbacks); hasTemplate, when not nil, says whether a template exists.
func (c ChangedFile) touches(t Test, platforms map[string]hardware.Platform, hasTemplate func(string) bool) bool {
	switch {
	case c.Reason == "":
		return false
	case c.All:
		return true
	case c.Model != "" && t.ID.Model != c.Model:
		return false
	case c.Category != "" && t.Category != c.Category:
		return false
	}
	if c.Hardware != "" && t.ID.Hardware != c.Hardware {
		if !c.backendLayer {
			return false
		}
		p, ok := platforms[t.ID.Hardware]
		if !ok || p.BackendType != c.Hardware || p.BackendType == p.PlatformKey {
			return false
		}
		// The platform uses the backend's template only when it has none of
		// its own; without a way to look, assume it might.
		if hasTemplate != nil && hasTemplate("hardware/"+p.PlatformKey+".py.tmpl") {
			return false
		}
	}
	return true
}

// normPath makes a changed path slash-separated and clean, without a leading
// "./" or "/".
func normPath(p string) string {
	p = strings.TrimSpace(strings.ReplaceAll(p, `\`, "/"))
	if p == "" {
		return ""
	}
	p = path.Clean(p)
	p = strings.TrimPrefix(p, "/")
	return p
}

// afterDir returns what follows the last occurrence of dir ("a/b/") in p that
// starts p or follows a "/".
func afterDir(p, dir string) (string, bool) {
	for end := len(p); end > 0; {
		i := strings.LastIndex(p[:end], dir)
		if i < 0 {
			return "", false
		}
		if i == 0 || p[i-1] == '/' {
			return p[i+len(dir):], true
		}
		end = i
	}
	return "", false
}

// underDir reports whether p is directly inside dir, anywhere in the tree.
func underDir(p, dir string) bool {
	rest, ok := afterDir(p, dir)
	return ok && rest != "" && !strings.Contains(rest, "/")
}
