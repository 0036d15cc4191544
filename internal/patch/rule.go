package patch

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Kinds of rule.
const (
	KindFix          = "fix"          // an edit that makes failing tests pass
	KindOptimization = "optimization" // an edit that makes passing tests faster or leaner
	KindManual       = "manual"       // steps for a person; no edit
)

// Edit kinds.
const (
	EditBlock       = "block"       // replace a named block in a template
	EditConfig      = "config"      // config overrides for an architecture
	EditInputs      = "inputs"      // switch an architecture's input builder
	EditBatch       = "batch"       // cap the batch size on a platform
	EditTolerance   = "tolerance"   // widen a platform's tolerance, with a reason
	EditUnsupported = "unsupported" // declare architecture x platform unsupported
)

// EditKinds lists the edit kinds, in the order docs/patches.md explains them.
var EditKinds = []string{EditBlock, EditConfig, EditInputs, EditBatch, EditTolerance, EditUnsupported}

// Builders are the shared input builders base.py.tmpl defines, for EditInputs.
var Builders = []string{"image_text_inputs", "audio_text_inputs"}

// Rule is a matcher plus the edits that fix (or optimize, or explain) what
// it matches.
type Rule struct {
	ID      string   `yaml:"id" json:"id"`
	Version int      `yaml:"version" json:"version"`
	Kind    string   `yaml:"kind" json:"kind"`
	Title   string   `yaml:"title" json:"title"`
	Reason  string   `yaml:"reason" json:"reason"`
	Link    string   `yaml:"link,omitempty" json:"link,omitempty"`
	Match   Matcher  `yaml:"match" json:"match"`
	Edits   []Edit   `yaml:"edits,omitempty" json:"edits,omitempty"`
	Steps   []string `yaml:"steps,omitempty" json:"steps,omitempty"` // what a person does (manual rules)
	Source  string   `yaml:"-" json:"source"`                        // "embedded" or the file it was read from

	pattern *regexp.Regexp
}

// Matcher says which failures a rule is for. Every field that is set must
// match; lists match when they hold the failure's value.
type Matcher struct {
	Fingerprints    []string `yaml:"fingerprints,omitempty" json:"fingerprints,omitempty"` // ids, or prefixes of them
	Pattern         string   `yaml:"pattern,omitempty" json:"pattern,omitempty"`           // regexp on the signature, else the message
	Outcomes        []string `yaml:"outcomes,omitempty" json:"outcomes,omitempty"`         // platform, harness, infrastructure, declared (when results carry one)
	Statuses        []string `yaml:"statuses,omitempty" json:"statuses,omitempty"`         // fail, crash, timeout, not_buildable, pass (optimization rules)
	ErrorCategories []string `yaml:"error_categories,omitempty" json:"error_categories,omitempty"`
	Platforms       []string `yaml:"platforms,omitempty" json:"platforms,omitempty"`
	Categories      []string `yaml:"categories,omitempty" json:"categories,omitempty"`
	Architectures   []string `yaml:"architectures,omitempty" json:"architectures,omitempty"`
}

// Edit is one change a rule makes. Architecture and Platform left empty mean
// each matched architecture (platform); "{architecture}" and "{platform}" in
// Template are replaced the same way.
type Edit struct {
	Kind         string         `yaml:"kind" json:"kind"`
	Template     string         `yaml:"template,omitempty" json:"template,omitempty"` // block: family/x.py.tmpl, modality/audio.py.tmpl, hardware/cpu.py.tmpl
	Block        string         `yaml:"block,omitempty" json:"block,omitempty"`       // block: the block's name
	Body         string         `yaml:"body,omitempty" json:"body,omitempty"`         // block: the new definition (template text)
	Architecture string         `yaml:"architecture,omitempty" json:"architecture,omitempty"`
	Platform     string         `yaml:"platform,omitempty" json:"platform,omitempty"`
	Overrides    map[string]any `yaml:"overrides,omitempty" json:"overrides,omitempty"` // config
	Builder      string         `yaml:"builder,omitempty" json:"builder,omitempty"`     // inputs: one of Builders
	MaxBatch     int            `yaml:"max_batch,omitempty" json:"max_batch,omitempty"` // batch
	Atol         float64        `yaml:"atol,omitempty" json:"atol,omitempty"`           // tolerance
	Rtol         float64        `yaml:"rtol,omitempty" json:"rtol,omitempty"`           // tolerance
	Reason       string         `yaml:"reason,omitempty" json:"reason,omitempty"`       // tolerance, unsupported (default: the rule's)
	Link         string         `yaml:"link,omitempty" json:"link,omitempty"`           // unsupported (default: the rule's)
}

// ruleFile is the YAML layout: a list of rules.
type ruleFile struct {
	Rules []Rule `yaml:"rules"`
}

//go:embed rules/*.yaml
var embeddedRules embed.FS

// EmbeddedSource is the Source of the rules shipped in the binary.
const EmbeddedSource = "embedded"

// Embedded returns the shipped rules, sorted by id.
func Embedded() ([]Rule, error) {
	return readRules(embeddedRules, "rules", EmbeddedSource)
}

// RulesDir is the folder of a repository's own rules: patches/ beside the
// templates folder (.hwcov/templates -> .hwcov/patches).
func RulesDir(templatesDir string) string {
	return filepath.Join(filepath.Dir(filepath.Clean(templatesDir)), "patches")
}

// Load returns the shipped rules with those in dir (*.yaml, *.yml) on top: a
// rule in dir with the id of a shipped one replaces it. A missing dir is no
// rules of the repository's.
func Load(dir string) ([]Rule, error) {
	rules, err := Embedded()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return rules, nil
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return rules, nil
	}
	own, err := readRules(os.DirFS(dir), ".", dir)
	if err != nil {
		return nil, err
	}
	byID := map[string]int{}
	for i, r := range rules {
		byID[r.ID] = i
	}
	for _, r := range own {
		if i, ok := byID[r.ID]; ok {
			rules[i] = r
			continue
		}
		rules = append(rules, r)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules, nil
}

// readRules parses every *.yaml and *.yml file in dir of fsys; source names
// where they came from (a file's path is added to it).
func readRules(fsys fs.FS, dir, source string) ([]Rule, error) {
	var rules []Rule
	seen := map[string]string{}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read patch rules %q: %w", source, err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		where := name
		if source != EmbeddedSource {
			where = filepath.Join(source, name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read patch rules %q: %w", where, err)
		}
		rs, err := ParseRules(b, where)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if prev, ok := seen[r.ID]; ok {
				return nil, fmt.Errorf("patch rules %q: rule %q is also in %q", where, r.ID, prev)
			}
			seen[r.ID] = where
			if source == EmbeddedSource {
				r.Source = EmbeddedSource
			}
			rules = append(rules, r)
		}
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules, nil
}

// ParseRules reads a rules file; where names it in errors.
func ParseRules(b []byte, where string) ([]Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("patch rules %q: %w", where, err)
	}
	for i := range f.Rules {
		r := &f.Rules[i]
		r.Source = where
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("patch rules %q: %w", where, err)
		}
	}
	return f.Rules, nil
}

var ruleID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// validate checks a rule and compiles its pattern.
func (r *Rule) validate() error {
	if !ruleID.MatchString(r.ID) {
		return fmt.Errorf("rule id %q: use lowercase letters, digits and dashes", r.ID)
	}
	if r.Version < 1 {
		r.Version = 1
	}
	switch r.Kind {
	case "":
		r.Kind = KindFix
	case KindFix, KindOptimization, KindManual:
	default:
		return fmt.Errorf("rule %q: kind %q is not one of fix, optimization, manual", r.ID, r.Kind)
	}
	if r.Reason == "" {
		return fmt.Errorf("rule %q: reason is required (it is what reviewers read)", r.ID)
	}
	if r.Match.Pattern != "" {
		re, err := regexp.Compile(r.Match.Pattern)
		if err != nil {
			return fmt.Errorf("rule %q: pattern: %w", r.ID, err)
		}
		r.pattern = re
	}
	m := r.Match
	if m.Pattern == "" && len(m.Fingerprints) == 0 && len(m.Architectures) == 0 && len(m.ErrorCategories) == 0 && r.Kind != KindOptimization {
		return fmt.Errorf("rule %q: match needs a pattern, fingerprints, architectures or error_categories", r.ID)
	}
	if r.Kind == KindManual {
		if len(r.Steps) == 0 {
			return fmt.Errorf("rule %q: a manual rule needs steps", r.ID)
		}
		return nil
	}
	if len(r.Edits) == 0 {
		return fmt.Errorf("rule %q: no edits (a rule without edits is kind: manual, with steps)", r.ID)
	}
	for i, e := range r.Edits {
		if err := e.validate(); err != nil {
			return fmt.Errorf("rule %q: edit %d: %w", r.ID, i+1, err)
		}
	}
	return nil
}

var blockName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (e Edit) validate() error {
	switch e.Kind {
	case EditBlock:
		if !strings.HasSuffix(e.Template, ".py.tmpl") || strings.Contains(e.Template, "..") || strings.HasPrefix(e.Template, "/") {
			return fmt.Errorf("block: template %q is not a relative *.py.tmpl name", e.Template)
		}
		if !blockName.MatchString(e.Block) || e.Body == "" {
			return fmt.Errorf("block: block (a name) and body are required")
		}
	case EditConfig:
		if len(e.Overrides) == 0 {
			return fmt.Errorf("config: overrides are required")
		}
	case EditInputs:
		if !contains(Builders, e.Builder) {
			return fmt.Errorf("inputs: builder %q is not one of %s", e.Builder, strings.Join(Builders, ", "))
		}
	case EditBatch:
		if e.MaxBatch < 1 {
			return fmt.Errorf("batch: max_batch must be at least 1")
		}
	case EditTolerance:
		if e.Atol <= 0 && e.Rtol <= 0 {
			return fmt.Errorf("tolerance: atol or rtol is required")
		}
	case EditUnsupported:
	default:
		return fmt.Errorf("kind %q is not one of %s", e.Kind, strings.Join(EditKinds, ", "))
	}
	for _, s := range []string{e.Architecture, e.Platform} {
		if strings.ContainsAny(s, `/\`) || s == ".." {
			return fmt.Errorf("%s: %q is not a name", e.Kind, s)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
