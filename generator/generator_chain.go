package generator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
)

// BaseTemplate is the root of every chain; it is the template executed.
const BaseTemplate = "base.py.tmpl"

// Roles a layer plays in a chain.
const (
	RoleBase             = "base"
	RoleCategory         = "category"
	RoleCategoryHardware = "category-hardware"
	RoleFamily           = "family"
	RoleHardware         = "hardware"
)

// Layer is one template file in a chain.
type Layer struct {
	Name   string `json:"name"`   // relative path: base.py.tmpl, family/whisper.py.tmpl
	Role   string `json:"role"`   // base, category, category-hardware, family, hardware
	Source string `json:"source"` // "embedded", or the user templates directory it was read from
}

// String renders the layer as "family/whisper.py.tmpl (embedded)".
func (l Layer) String() string { return l.Name + " (" + l.Source + ")" }

// Short is the layer's name without folder and extension: "whisper", "cpu".
func (l Layer) Short() string {
	return strings.TrimSuffix(path.Base(l.Name), ".py.tmpl")
}

// ChainString renders a chain the short way, as stored with results:
// "base > text-encoder > cpu".
func ChainString(chain []Layer) string {
	parts := make([]string, len(chain))
	for i, l := range chain {
		parts[i] = l.Short()
	}
	return strings.Join(parts, " > ")
}

// Selected is the layer the guide's select_optimal_template would pick: the
// dedicated (family) template, else category x hardware, else category, else
// base. The hardware layer is applied on top of it.
func Selected(chain []Layer) Layer {
	best := Layer{}
	rank := map[string]int{RoleBase: 1, RoleCategory: 2, RoleCategoryHardware: 3, RoleFamily: 4}
	for _, l := range chain {
		if rank[l.Role] > rank[best.Role] {
			best = l
		}
	}
	return best
}

// Template names for each level of the hierarchy.
func categoryTemplate(category string) string { return "modality/" + category + ".py.tmpl" }
func categoryHardwareTemplate(category, hw string) string {
	return "modality/" + category + "_" + hw + ".py.tmpl"
}
func familyTemplate(modelType string) string { return "family/" + modelType + ".py.tmpl" }
func hardwareTemplate(key string) string     { return "hardware/" + key + ".py.tmpl" }

// Chain returns the templates that make the file for arch on hw, in parse
// order (later definitions override earlier ones), and where each comes from.
func (g *Generator) Chain(arch catalog.Architecture, hw hardware.Platform) ([]Layer, error) {
	var chain []Layer
	add := func(name, role string) (bool, error) {
		f, err := g.load(name)
		if err != nil || f == nil {
			return false, err
		}
		chain = append(chain, Layer{Name: name, Role: role, Source: f.origin})
		return true, nil
	}
	if ok, err := add(BaseTemplate, RoleBase); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("template %q is missing", BaseTemplate)
	}
	if safeName(arch.Category) {
		if _, err := add(categoryTemplate(arch.Category), RoleCategory); err != nil {
			return nil, err
		}
		if safeName(hw.PlatformKey) {
			if _, err := add(categoryHardwareTemplate(arch.Category, hw.PlatformKey), RoleCategoryHardware); err != nil {
				return nil, err
			}
		}
	}
	if safeName(arch.Name) {
		if _, err := add(familyTemplate(arch.Name), RoleFamily); err != nil {
			return nil, err
		}
	}
	candidates := []string{}
	if safeName(hw.PlatformKey) {
		candidates = append(candidates, hardwareTemplate(hw.PlatformKey))
	}
	if safeName(hw.BackendType) && hw.BackendType != hw.PlatformKey {
		candidates = append(candidates, hardwareTemplate(hw.BackendType))
	}
	for _, name := range candidates {
		ok, err := add(name, RoleHardware)
		if err != nil {
			return nil, err
		}
		if ok {
			return chain, nil
		}
	}
	return nil, fmt.Errorf("no hardware template for platform %q: write %s", hw.PlatformKey, strings.Join(candidates, " or "))
}

// safeName reports whether s can be part of a template file name.
func safeName(s string) bool {
	return s != "" && !strings.ContainsAny(s, `/\`) && s != "." && s != ".."
}

// load returns the template named name (relative, slash-separated): the
// user's copy when TemplatesDir has one, else the embedded one, else nil.
func (g *Generator) load(name string) (*file, error) {
	g.mu.Lock()
	f, ok := g.files[name]
	g.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := g.read(name)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.files[name] = f
	g.mu.Unlock()
	return f, nil
}

func (g *Generator) read(name string) (*file, error) {
	if g.opts.TemplatesDir != "" {
		p := filepath.Join(g.opts.TemplatesDir, filepath.FromSlash(name))
		b, err := os.ReadFile(p)
		switch {
		case err == nil:
			return &file{src: string(b), origin: g.opts.TemplatesDir}, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("read template: %w", err)
		}
	}
	b, err := fs.ReadFile(embedded, name)
	switch {
	case err == nil:
		return &file{src: string(b), origin: EmbeddedSource}, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	default:
		return nil, fmt.Errorf("read embedded template %q: %w", name, err)
	}
}
