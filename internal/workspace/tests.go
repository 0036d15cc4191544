package workspace

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hwerr"
)

// Rendered are the tests RenderTests rendered, and the generator that
// writes them.
type Rendered struct {
	*generator.Generator
	Tests   []generator.Test
	Skipped []generator.SkippedPair
}

// RenderTests renders the tests of the chosen architectures on the named
// platforms from the templates in dir (default: the workspace's).
func (w *Workspace) RenderTests(models catalog.Choice, hardware []string, dir, precision string) (Rendered, error) {
	archs, err := w.Archs(models)
	if err != nil {
		return Rendered{}, err
	}
	platforms, err := w.Platforms(hardware)
	if err != nil {
		return Rendered{}, err
	}
	r := Rendered{}
	if r.Generator, err = w.Generator(dir); err != nil {
		return r, err
	}
	r.Tests, r.Skipped, err = r.Generator.RenderTests(archs, platforms, precision)
	return r, err
}

// CheckTests compares every generated test in testsDir with what the
// templates in dir render; stale says, per differing file, how. Differing
// files are a policy error naming the command that regenerates them.
func (w *Workspace) CheckTests(testsDir, dir string) (checked int, stale []*generator.Stale, err error) {
	tests, err := generator.ReadTests(testsDir)
	if err != nil {
		return 0, nil, err
	}
	g, err := w.Generator(dir)
	if err != nil {
		return 0, nil, err
	}
	resolve, err := w.Resolver()
	if err != nil {
		return 0, nil, err
	}
	var models, hws []string
	for _, t := range tests {
		s, err := g.Check(filepath.Join(testsDir, filepath.Base(t.File)), resolve)
		if err != nil {
			return 0, stale, generator.UsageError(err)
		}
		if s != nil {
			models, hws = addOnce(models, t.ID.Model), addOnce(hws, t.ID.Hardware)
			stale = append(stale, s)
		}
	}
	if len(models) > 0 {
		return len(tests), stale, &hwerr.PolicyError{Msg: fmt.Sprintf("generated tests in %s differ from the templates (edit the templates, not the files); regenerate them: hwcov generate --models %s --hardware %s --out %s",
			testsDir, strings.Join(models, ","), strings.Join(hws, ","), testsDir)}
	}
	return len(tests), nil, nil
}

func addOnce(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

// Chain is the template chain a test of model on the platform hw is
// rendered from, with the templates in dir (default: the workspace's).
func (w *Workspace) Chain(model, hw, dir string) ([]generator.Layer, error) {
	if model == "" {
		return nil, hwerr.Usagef("hwcov templates which --model bert --hardware cpu", "--model is required")
	}
	archs, err := w.Archs(catalog.Choice{Models: []string{model}})
	if err != nil {
		return nil, err
	}
	ps, err := w.Platforms([]string{hw})
	if err != nil {
		return nil, err
	}
	g, err := w.Generator(dir)
	if err != nil {
		return nil, err
	}
	chain, err := g.Chain(archs[0], ps[0])
	return chain, generator.UsageError(err)
}
