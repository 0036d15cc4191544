package patchrun

import (
	"context"
	"slices"
	"time"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/patch"
	"github.com/hwcov/hwcov/internal/workspace"
)

// ApplyRequest is `hwcov patch apply`.
type ApplyRequest struct {
	Inputs
	DryRun bool
	Input  string   // a folder of reviewed rules instead of the shipped and repository ones
	Rules  []string // only these rule ids
	Kind   string   // default fix; with Input, every kind
}

// Applied is what Apply did (or, with DryRun, would do).
type Applied struct {
	TemplatesDir string
	Rules        int // rules considered
	Held         []string
	Planned      []patch.AppliedRule
	Edits        []patch.FileEdit
	Diff         string
	// Initialised counts the templates written first because the folder
	// did not exist.
	Initialised int
}

// Apply writes the edits of every rule that matches a failure into the
// templates and records them in the manifest verify reads.
func Apply(ctx context.Context, w *workspace.Workspace, req ApplyRequest, now time.Time) (Applied, error) {
	l, err := req.Load(ctx, w, req.Input)
	if err != nil {
		return Applied{}, err
	}
	rules := l.Rules
	if len(req.Rules) > 0 {
		rules = slices.DeleteFunc(rules, func(r patch.Rule) bool { return !slices.Contains(req.Rules, r.ID) })
	}
	kind := req.Kind
	if kind == "" && req.Input == "" {
		kind = patch.KindFix // optimizations only when asked for, or reviewed in --input
	}
	a := Applied{TemplatesDir: l.TemplatesDir, Rules: len(rules)}
	if a.Planned, a.Held, err = Plan(l.TemplatesDir, patch.Suggest(rules, l.Failures, kind)); err != nil || len(a.Planned) == 0 {
		return a, err
	}
	a.Edits = patch.Combined(a.Planned)
	a.Diff = patch.Diff(l.TemplatesDir, a.Edits)
	if req.DryRun {
		return a, nil
	}
	if !exists(l.TemplatesDir) {
		written, err := generator.InitTemplates(l.TemplatesDir, false)
		if err != nil {
			return a, err
		}
		a.Initialised = len(written)
	}
	if err := patch.WriteEdits(l.TemplatesDir, a.Edits); err != nil {
		return a, err
	}
	return a, appendManifest(l.TemplatesDir, a.Planned, now)
}

// IDs are the planned rules' ids.
func (a Applied) IDs() []string {
	ids := make([]string, len(a.Planned))
	for i, p := range a.Planned {
		ids[i] = p.Rule.ID
	}
	return ids
}

// appendManifest adds the rules just applied to the manifest verify reads.
func appendManifest(tdir string, planned []patch.AppliedRule, now time.Time) error {
	path := patch.ManifestPath(tdir)
	m, err := patch.ReadManifest(path)
	if err != nil && exists(path) {
		return err
	}
	m.TemplatesDir, m.AppliedAt = tdir, now.UTC()
	m.Rules = append(m.Rules, planned...)
	return patch.WriteManifest(path, m)
}
