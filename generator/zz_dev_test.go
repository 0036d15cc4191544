package generator

import (
	"os"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
)

func TestDevRender(t *testing.T) {
	dir := os.Getenv("HWCOV_RENDER_DIR")
	if dir == "" {
		t.Skip()
	}
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	reg := hardware.Builtin()
	hwkey := os.Getenv("HWCOV_HW")
	hw, ok := reg.Get(hwkey)
	if !ok {
		t.Fatal("no hw")
	}
	g, err := New(Options{HwcovVersion: "dev", TransformersVersion: cat.TransformersVersion})
	if err != nil {
		t.Fatal(err)
	}
	only := os.Getenv("HWCOV_ONLY")
	var files []Rendered
	for _, a := range cat.Architectures {
		if only != "" && !strings.Contains(","+only+",", ","+a.Name+",") {
			continue
		}
		r, err := g.Render(a, hw, testid.ID{})
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, r)
	}
	if err := g.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
}
