package patchrun

import (
	"context"
	"os"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/patch"
	"github.com/hwcov/hwcov/internal/workspace"
)

// Inputs are what every patch command reads: the database with the
// failures and the templates folder (its rules are in patches/ beside it).
type Inputs struct {
	DB           string
	TemplatesDir string
	Format       string
}

// Loaded is what Load read.
type Loaded struct {
	TemplatesDir string
	Failures     []patch.Failure
	Rules        []patch.Rule
}

// Dir is TemplatesDir, else templates_dir in hwcov.yaml.
func (in Inputs) Dir(w *workspace.Workspace) (string, error) {
	if in.TemplatesDir != "" {
		return in.TemplatesDir, nil
	}
	cfg, err := w.Config()
	return cfg.TemplatesDir, err
}

// Failures reads the newest result of every test with its fingerprint
// (storing fingerprints the database lacks, when it can be written).
func (in Inputs) Failures(ctx context.Context, w *workspace.Workspace) ([]patch.Failure, error) {
	db, done, err := w.OpenFingerprintDB(in.DB)
	if err != nil {
		return nil, err
	}
	defer done()
	rs, err := db.Results(ctx, "")
	if err != nil {
		return nil, err
	}
	stored, err := db.Fingerprints(ctx)
	if err != nil {
		return nil, err
	}
	all, fresh := fingerprint.Assign(rs, stored)
	if !db.ReadOnly() {
		if err := db.SaveFingerprints(ctx, fresh); err != nil {
			return nil, err
		}
	}
	return patch.Failures(rs, all), nil
}

// Load reads the templates folder, the failures and the rules (those of
// input when set).
func (in Inputs) Load(ctx context.Context, w *workspace.Workspace, input string) (Loaded, error) {
	var l Loaded
	var err error
	if l.TemplatesDir, err = in.Dir(w); err != nil {
		return l, err
	}
	if l.Failures, err = in.Failures(ctx, w); err != nil {
		return l, err
	}
	l.Rules, err = Rules(l.TemplatesDir, input)
	return l, err
}

// Rules loads the shipped rules and the repository's, or only those of input.
func Rules(tdir, input string) ([]patch.Rule, error) {
	var rules []patch.Rule
	var err error
	if input != "" {
		rules, err = patch.LoadInput(input)
	} else {
		rules, err = patch.Load(patch.RulesDir(tdir))
	}
	if err != nil {
		return nil, hwerr.Usagef("fix the rule named above (docs/patches.md)", "%v", err)
	}
	return rules, nil
}

// CheckKind checks a --kind of rules to suggest.
func CheckKind(kind string) error {
	if kind != patch.KindFix && kind != patch.KindOptimization {
		return hwerr.Usagef("--kind fix (or optimization)", "--kind %q is not one of fix, optimization", kind)
	}
	return nil
}

// Plan plans the suggestions against the templates in tdir.
func Plan(tdir string, suggestions []patch.Suggestion) (planned []patch.AppliedRule, held []string, err error) {
	planned, held, err = patch.Plan(patch.DirSources(tdir), suggestions)
	if err != nil {
		return nil, nil, hwerr.Usagef("fix the rule or template named above", "%v", err)
	}
	return planned, held, nil
}

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
