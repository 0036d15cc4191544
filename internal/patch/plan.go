package patch

import (
	"fmt"
	"time"
)

// AppliedRule is one rule as applied: what it matched and the files it changed.
type AppliedRule struct {
	Rule  Rule       `json:"rule"`
	Tests []Failure  `json:"tests"`
	Edits []FileEdit `json:"edits"`
	// VerifiedRun is the re-run that kept it; empty until hwcov patch verify did.
	VerifiedRun string `json:"verified_run,omitempty"`
}

// Files are the template names the rule changed.
func (a AppliedRule) Files() []string {
	out := make([]string, len(a.Edits))
	for i, e := range a.Edits {
		out[i] = e.File
	}
	return out
}

// Manifest records an apply, for verify (and a later pull request): which
// rules changed which files, from what.
type Manifest struct {
	TemplatesDir string        `json:"templates_dir"`
	AppliedAt    time.Time     `json:"applied_at"`
	Rules        []AppliedRule `json:"rules"`
}

// Plan renders every suggestion's changes, one rule after the other (a rule
// sees the files as the rules before it left them). A rule whose changes are
// all in place already is left out; so is one that would replace a block an
// earlier rule of the plan changes: held says which and why.
func Plan(read Sources, suggestions []Suggestion) (planned []AppliedRule, held []string, err error) {
	overlay := map[string]FileEdit{}
	view := func(name string) (string, bool, error) {
		if e, ok := overlay[name]; ok {
			return e.After, true, nil
		}
		return read(name)
	}
	owner := map[string]string{} // file and block -> the rule of this plan that changed it
	for _, s := range suggestions {
		changes, err := Changes(s)
		if err != nil {
			return nil, nil, err
		}
		if other := conflict(owner, changes); other != "" {
			held = append(held, fmt.Sprintf("%s: changes %s, which %s changes too; apply it after verifying %s",
				s.Rule.ID, other, owner[other], owner[other]))
			continue
		}
		edits, err := Render(view, changes)
		if err != nil {
			return nil, nil, fmt.Errorf("rule %q: %w", s.Rule.ID, err)
		}
		if len(edits) == 0 {
			continue
		}
		for _, e := range edits {
			overlay[e.File] = e
		}
		for _, c := range changes {
			if c.Mode == ModeReplace {
				owner[blockKey(c)] = s.Rule.ID
			}
		}
		planned = append(planned, AppliedRule{Rule: s.Rule, Tests: s.Tests, Edits: edits})
	}
	return planned, held, nil
}

// conflict returns the key of a block changes would replace that an earlier
// rule replaced.
func conflict(owner map[string]string, changes []Change) string {
	for _, c := range changes {
		if k := blockKey(c); owner[k] != "" && owner[k] != c.RuleID {
			return k
		}
	}
	return ""
}

// Combined is the edits of all rules, one per file: the first rule's before
// and the last rule's after.
func Combined(rules []AppliedRule) []FileEdit {
	idx := map[string]int{}
	var out []FileEdit
	for _, r := range rules {
		for _, e := range r.Edits {
			if i, ok := idx[e.File]; ok {
				out[i].After = e.After
				out[i].Rules = append(out[i].Rules, r.Rule.ID)
				continue
			}
			idx[e.File] = len(out)
			out = append(out, FileEdit{File: e.File, Existed: e.Existed, Before: e.Before, After: e.After, Rules: []string{r.Rule.ID}})
		}
	}
	return out
}

func blockKey(c Change) string { return "block " + c.Block + " of " + c.File }

// Pending are the rules of m that verify has not kept yet.
func (m Manifest) Pending() []AppliedRule {
	var out []AppliedRule
	for _, r := range m.Rules {
		if r.VerifiedRun == "" {
			out = append(out, r)
		}
	}
	return out
}
