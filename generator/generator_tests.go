package generator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/planner"
	pyharness "github.com/hwcov/hwcov/runners/python"
)

// Test is one generated test: the file for an (architecture, hardware) pair
// and the cell it runs by default.
type Test struct {
	ID       testid.ID
	Arch     catalog.Architecture
	HW       hardware.Platform
	File     string // absolute path once written
	Chain    string // "base > text-encoder > cpu"
	Revision string // the templates' revision, kept as the results' patch_version
	Rendered Rendered
}

// SkippedPair is an incompatible (architecture, hardware) pair and why.
type SkippedPair struct {
	Pair   string
	Reason string
}

// RenderTests renders one file per compatible (architecture, platform) pair,
// each for the planner's default cell.
func (g *Generator) RenderTests(archs []catalog.Architecture, platforms []hardware.Platform, precision string) ([]Test, []SkippedPair, error) {
	var out []Test
	var skipped []SkippedPair
	for _, hw := range platforms {
		prec := planner.Precision(hw, precision)
		for _, a := range archs {
			if ok, why := hardware.Compatible(a, hw, prec); !ok {
				skipped = append(skipped, SkippedPair{Pair: a.Name + "@" + hw.PlatformKey, Reason: why})
				continue
			}
			r, err := g.Render(a, hw, planner.DefaultCell(testid.ID{Precision: prec}, a, hw))
			if err != nil {
				return nil, nil, UsageError(err)
			}
			out = append(out, RenderedTest(a, hw, r))
		}
	}
	return out, skipped, nil
}

// RenderCells renders one file per (architecture, hardware) pair of cells,
// looked up in c and reg: the files of a plan's shard.
func (g *Generator) RenderCells(cells []testid.ID, c *catalog.Catalog, reg *hardware.Registry) ([]Test, error) {
	var tests []Test
	seen := map[string]bool{}
	for _, id := range cells {
		if seen[id.Pair()] {
			continue
		}
		seen[id.Pair()] = true
		a, ok := c.Get(id.Model)
		if !ok {
			return nil, hwerr.Usagef("regenerate the plan with this hwcov's catalog", "plan test %s: unknown model %q", id, id.Model)
		}
		hw, ok := reg.Get(id.Hardware)
		if !ok {
			return nil, hwerr.Usagef("add the platform with `hwcov hardware add` on this runner", "plan test %s: unknown hardware %q", id, id.Hardware)
		}
		r, err := g.Render(a, hw, id)
		if err != nil {
			return nil, UsageError(err)
		}
		tests = append(tests, RenderedTest(a, hw, r))
	}
	return tests, nil
}

// UsageError turns a template problem into a usage error naming the file;
// other errors are returned as they are.
func UsageError(err error) error {
	var te *TemplateError
	var me *MissingBlockError
	if errors.As(err, &te) || errors.As(err, &me) {
		return hwerr.Usagef("fix the template named above, or delete it to fall back to the default", "%v", err)
	}
	return err
}

// WriteTests writes the tests and the harness package into dir, so that the
// folder runs standalone under pytest, and sets each test's File.
func (g *Generator) WriteTests(dir string, tests []Test) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %q: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	rs := make([]Rendered, len(tests))
	for i, t := range tests {
		rs[i] = t.Rendered
	}
	if err := g.WriteFiles(abs, rs); err != nil {
		return err
	}
	if _, err := pyharness.WriteTo(abs); err != nil {
		return err
	}
	for i := range tests {
		tests[i].File = filepath.Join(abs, tests[i].Rendered.Path)
	}
	return nil
}

// ReadTests finds the generated tests in dir (test_*.py with a TEST_ID).
func ReadTests(dir string) ([]Test, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	matches, err := filepath.Glob(filepath.Join(abs, "test_*.py"))
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 {
		if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
			return nil, hwerr.Usagef("hwcov generate --out "+dir+" ...", "tests folder %q does not exist", dir)
		}
		return nil, hwerr.Usagef("hwcov generate --out "+dir+" ...", "no test_*.py files in %q", dir)
	}
	sort.Strings(matches)
	var out []Test
	for _, m := range matches {
		h, err := ReadHeader(m)
		if err != nil {
			return nil, hwerr.Usagef("regenerate it with `hwcov generate`", "%v", err)
		}
		out = append(out, Test{ID: h.ID, File: m, Chain: h.Chain, Revision: h.Revision})
	}
	return out, nil
}

// RenderedTest is the Test of a file the generator just rendered.
func RenderedTest(a catalog.Architecture, hw hardware.Platform, r Rendered) Test {
	return Test{ID: r.ID, Arch: a, HW: hw, Chain: ChainString(r.Chain), Revision: r.Revision, Rendered: r}
}

// CountByHardware says how many of tests each platform has, as
// "cpu 3, cuda 2" in platform order.
func CountByHardware(tests []Test) string {
	n := map[string]int{}
	for _, t := range tests {
		n[t.ID.Hardware]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, n[k])
	}
	return strings.Join(parts, ", ")
}
