package generator

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
)

// Stale is a committed generated file that differs from what its templates
// render now.
type Stale struct {
	Path   string
	TestID string
	Line   int    // first differing line, 1-based
	Want   string // that line as the templates render it
	Got    string // that line in the file
}

func (s Stale) Error() string {
	return fmt.Sprintf("%s (%s) differs from what the templates render, line %d: file has %q, templates render %q",
		s.Path, s.TestID, s.Line, s.Got, s.Want)
}

// Resolver finds the architecture and platform of a test id.
type Resolver func(id testid.ID) (catalog.Architecture, hardware.Platform, error)

// Check re-renders the generated file at path for the cell its header names
// and reports whether it differs. The "# Versions:" header line is left out
// of the comparison: a new hwcov or catalog alone does not make a file stale.
func (g *Generator) Check(path string, resolve Resolver) (*Stale, error) {
	h, err := ReadHeader(path)
	if err != nil {
		return nil, err
	}
	arch, hw, err := resolve(h.ID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r, err := g.Render(arch, hw, h.ID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	want := r.Source
	if bytes.Equal(got, want) {
		return nil, nil
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, gg string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			gg = gl[i]
		}
		if w == gg || strings.HasPrefix(w, "# Versions:") && strings.HasPrefix(gg, "# Versions:") {
			continue
		}
		return &Stale{Path: path, TestID: h.ID.String(), Line: i + 1, Want: w, Got: gg}, nil
	}
	return nil, nil
}
