package generator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
)

// Check names a generated file that differs from its templates, and its
// first differing line; the versions line alone is no difference.
func TestCheck(t *testing.T) {
	c, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	reg := hardware.Builtin()
	resolve := func(id testid.ID) (catalog.Architecture, hardware.Platform, error) {
		a, _ := c.Get(id.Model)
		p, _ := reg.Get(id.Hardware)
		return a, p, nil
	}
	g, err := New(Options{HwcovVersion: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	bert, _ := c.Get("bert")
	cpu, _ := reg.Get("cpu")
	r, err := g.Render(bert, cpu, testid.ID{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), r.Path)
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := string(r.Source)
	tests := []struct {
		name  string
		src   string
		stale int // the differing line, 0 for none
	}{
		{"as rendered", src, 0},
		{"another hwcov version", strings.Replace(src, "hwcov v1,", "hwcov v2,", 1), 0},
		{"edited by hand", strings.Replace(src, "SEED = 0", "SEED = 1", 1), lineOf(src, "SEED = 0")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(tt.src)
			s, err := g.Check(path, resolve)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.stale == 0 && s != nil:
				t.Errorf("stale: %v", s)
			case tt.stale != 0 && (s == nil || s.Line != tt.stale || s.Got != "SEED = 1" || !strings.Contains(s.Error(), path)):
				t.Errorf("got %v, want line %d", s, tt.stale)
			}
		})
	}
}

func lineOf(src, s string) int {
	for i, l := range strings.Split(src, "\n") {
		if l == s {
			return i + 1
		}
	}
	return -1
}
