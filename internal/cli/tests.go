package cli

import (
	"errors"
	"fmt"
	"github.com/hwcov/hwcov/planner"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
	pyharness "github.com/hwcov/hwcov/runners/python"
)

// testFile is one generated test: the file for an (architecture, hardware)
// pair and the cell it runs by default.
type testFile struct {
	ID       testid.ID
	Arch     catalog.Architecture
	HW       hardware.Platform
	File     string // absolute path once written
	Chain    string // "base > text-encoder > cpu"
	Revision string // the templates' revision, kept as the results' patch_version
	Rendered generator.Rendered
}

// skippedPair is an incompatible (architecture, hardware) pair and why.
type skippedPair struct {
	Pair   string
	Reason string
}

// Generator returns a template generator that uses the repository's templates
// folder (templates_dir in hwcov.yaml, default .hwcov/templates) when it exists.
func (f *Factory) Generator(dir string) (*generator.Generator, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	c, err := f.Catalog()
	if err != nil {
		return nil, err
	}
	explicit := dir != ""
	if !explicit {
		dir = cfg.TemplatesDir
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if explicit {
			return nil, usagef("hwcov templates init --dir "+dir, "templates folder %q does not exist", dir)
		}
		dir = ""
	}
	return generator.New(generator.Options{TemplatesDir: dir, HwcovVersion: version(), TransformersVersion: c.TransformersVersion})
}

// renderTests renders one file per compatible (architecture, platform) pair.
func renderTests(g *generator.Generator, archs []catalog.Architecture, platforms []hardware.Platform, precision string) ([]testFile, []skippedPair, error) {
	var out []testFile
	var skipped []skippedPair
	for _, hw := range platforms {
		prec := planner.Precision(hw, precision)
		for _, a := range archs {
			if ok, why := hardware.Compatible(a, hw, prec); !ok {
				skipped = append(skipped, skippedPair{Pair: a.Name + "@" + hw.PlatformKey, Reason: why})
				continue
			}
			r, err := g.Render(a, hw, planner.DefaultCell(testid.ID{Precision: prec}, a, hw))
			if err != nil {
				return nil, nil, templateError(err)
			}
			out = append(out, renderedTest(a, hw, r))
		}
	}
	return out, skipped, nil
}

// templateError turns a template problem into a usage error naming the file.
func templateError(err error) error {
	var te *generator.TemplateError
	var me *generator.MissingBlockError
	if errors.As(err, &te) || errors.As(err, &me) {
		return usagef("fix the template named above, or delete it to fall back to the default", "%v", err)
	}
	return err
}

// writeTests writes the files and the harness package into dir, so that the
// folder runs standalone under pytest.
func writeTests(g *generator.Generator, dir string, tests []testFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %q: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	rs := make([]generator.Rendered, len(tests))
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

// readTestsDir finds the generated tests in dir (test_*.py with a TEST_ID).
func readTestsDir(dir string) ([]testFile, error) {
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
			return nil, usagef("hwcov generate --out "+dir+" ...", "tests folder %q does not exist", dir)
		}
		return nil, usagef("hwcov generate --out "+dir+" ...", "no test_*.py files in %q", dir)
	}
	sort.Strings(matches)
	var out []testFile
	for _, m := range matches {
		t, err := readTestHeader(m)
		if err != nil {
			return nil, usagef("regenerate it with `hwcov generate`", "%v", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// renderedTest is the testFile of a file the generator just rendered.
func renderedTest(a catalog.Architecture, hw hardware.Platform, r generator.Rendered) testFile {
	return testFile{ID: r.ID, Arch: a, HW: hw, Chain: generator.ChainString(r.Chain), Revision: r.Revision, Rendered: r}
}

// readTestHeader reads the header of the generated test at path.
func readTestHeader(path string) (testFile, error) {
	h, err := generator.ReadHeader(path)
	if err != nil {
		return testFile{}, err
	}
	return testFile{ID: h.ID, File: path, Chain: h.Chain, Revision: h.Revision}, nil
}
