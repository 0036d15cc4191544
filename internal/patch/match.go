package patch

import (
	"sort"
	"strings"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/results"
)

// Failure is one test's newest result as rules see it.
type Failure struct {
	ResultID      int64  `json:"result_id"`
	RunID         string `json:"run_id"`
	TestID        string `json:"test_id"`
	Architecture  string `json:"architecture"`
	Category      string `json:"category"`
	Hardware      string `json:"hardware"`
	Status        string `json:"status"`
	Outcome       string `json:"outcome,omitempty"` // the outcome class, where results carry one
	ErrorCategory string `json:"error_category,omitempty"`
	Message       string `json:"message,omitempty"`
	Fingerprint   string `json:"fingerprint,omitempty"`
	Signature     string `json:"signature,omitempty"`
	TemplateChain string `json:"template_chain"`
	Revision      string `json:"revision"` // the template revision it ran with
}

// Failed reports whether f is a failure a fix rule may address: not a pass,
// skip or infrastructure error.
func (f Failure) Failed() bool {
	switch results.Status(f.Status) {
	case results.StatusPass, results.StatusSkip, results.StatusInfraError, results.StatusNotRun, results.StatusIncompatible:
		return false
	}
	return true
}

// Failures pairs results with their fingerprints (see fingerprint.Assign).
// Passes are kept: optimization rules and control samples need them.
func Failures(rs []results.Result, fps map[int64]fingerprint.Stored) []Failure {
	out := make([]Failure, 0, len(rs))
	for _, r := range rs {
		f := Failure{
			ResultID: r.ID, RunID: r.RunID, TestID: r.TestID, Architecture: r.Architecture, Category: r.Category,
			Hardware: r.Hardware, Status: string(r.Status), ErrorCategory: r.ErrorCategory, Message: firstLine(r.ErrorMessage),
			TemplateChain: r.TemplateChain, Revision: r.PatchVersion,
		}
		if fp, ok := fps[r.ID]; ok {
			f.Fingerprint, f.Signature = fp.ID, fp.Signature
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TestID < out[j].TestID })
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// Matches reports whether m matches f. A rule matches failures only, except
// an optimization rule, which matches passes unless it names statuses.
func (r Rule) Matches(f Failure) bool {
	m := r.Match
	switch {
	case len(m.Statuses) > 0:
		if !contains(m.Statuses, f.Status) {
			return false
		}
	case r.Kind == KindOptimization:
		if f.Status != string(results.StatusPass) {
			return false
		}
	default:
		if !f.Failed() {
			return false
		}
	}
	if len(m.Fingerprints) > 0 && !anyPrefix(m.Fingerprints, f.Fingerprint) {
		return false
	}
	if r.pattern != nil {
		text := f.Signature
		if text == "" {
			text = f.Message
		}
		if !r.pattern.MatchString(text) && !r.pattern.MatchString(f.Message) {
			return false
		}
	}
	if len(m.Outcomes) > 0 && f.Outcome != "" && !contains(m.Outcomes, f.Outcome) {
		return false
	}
	return in(m.ErrorCategories, f.ErrorCategory) && in(m.Platforms, f.Hardware) &&
		in(m.Categories, f.Category) && in(m.Architectures, f.Architecture)
}

// in reports whether an optional list allows v.
func in(list []string, v string) bool { return len(list) == 0 || contains(list, v) }

func anyPrefix(prefixes []string, s string) bool {
	for _, p := range prefixes {
		if p != "" && s != "" && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Suggestion is a rule and the tests it matched.
type Suggestion struct {
	Rule  Rule      `json:"rule"`
	Tests []Failure `json:"tests"`
}

// Architectures are the matched tests' architectures, sorted.
func (s Suggestion) Architectures() []string {
	return uniq(s.Tests, func(f Failure) string { return f.Architecture })
}

// Platforms are the matched tests' platforms, sorted.
func (s Suggestion) Platforms() []string {
	return uniq(s.Tests, func(f Failure) string { return f.Hardware })
}

// Fingerprints are the matched tests' fingerprints, sorted.
func (s Suggestion) Fingerprints() []string {
	return uniq(s.Tests, func(f Failure) string { return f.Fingerprint })
}

func uniq(fs []Failure, key func(Failure) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if k := key(f); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Suggest matches rules of kind (every kind but manual when empty) against
// failures; a rule that matches nothing is left out. Rules keep their order.
func Suggest(rules []Rule, failures []Failure, kind string) []Suggestion {
	var out []Suggestion
	for _, r := range rules {
		if kind == "" && r.Kind == KindManual || kind != "" && r.Kind != kind {
			continue
		}
		var tests []Failure
		for _, f := range failures {
			if r.Matches(f) {
				tests = append(tests, f)
			}
		}
		if len(tests) > 0 {
			out = append(out, Suggestion{Rule: r, Tests: tests})
		}
	}
	return out
}

// Pattern is a failure group with the rules that match it: the guide's
// --identify-patch-patterns.
type Pattern struct {
	Fingerprint   string   `json:"fingerprint"`
	Signature     string   `json:"signature"`
	ErrorCategory string   `json:"error_category"`
	Count         int      `json:"count"`
	Platforms     []string `json:"platforms"`
	Architectures []string `json:"architectures"`
	Rules         []string `json:"rules"` // ids of the rules matching every failure of the group; empty: none yet
}

// Patterns groups failures by fingerprint (largest first) and names the rules
// that match each group.
func Patterns(rules []Rule, failures []Failure) []Pattern {
	groups := map[string][]Failure{}
	var order []string
	for _, f := range failures {
		if !f.Failed() || f.Fingerprint == "" {
			continue
		}
		if _, ok := groups[f.Fingerprint]; !ok {
			order = append(order, f.Fingerprint)
		}
		groups[f.Fingerprint] = append(groups[f.Fingerprint], f)
	}
	out := make([]Pattern, 0, len(order))
	for _, id := range order {
		fs := groups[id]
		p := Pattern{Fingerprint: id, Signature: fs[0].Signature, ErrorCategory: fs[0].ErrorCategory, Count: len(fs),
			Platforms:     uniq(fs, func(f Failure) string { return f.Hardware }),
			Architectures: uniq(fs, func(f Failure) string { return f.Architecture })}
		for _, r := range rules {
			if r.Kind == KindOptimization {
				continue
			}
			all := true
			for _, f := range fs {
				all = all && r.Matches(f)
			}
			if all {
				p.Rules = append(p.Rules, r.ID)
			}
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Fingerprint < out[j].Fingerprint
	})
	return out
}
