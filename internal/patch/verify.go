package patch

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// Test roles in a verification.
const (
	RoleTarget  = "target"  // a failure the rule is meant to fix
	RoleControl = "control" // a test on a changed template that passed before
)

// Selected is what verifying one rule runs.
type Selected struct {
	Rule     AppliedRule
	Targets  []Failure
	Controls []Failure
}

// Tests are the targets and controls.
func (s Selected) Tests() []Failure { return append(append([]Failure{}, s.Targets...), s.Controls...) }

// Select picks, for each applied rule, its matched failures and up to
// controls tests that passed before and whose templates (chain) include a
// file the rule changed, spread evenly over them in test id order. chain
// returns the template names a test renders from with the patched templates;
// ok false leaves the test out.
func Select(applied []AppliedRule, all []Failure, chain func(Failure) ([]string, bool), controls int) []Selected {
	var out []Selected
	for _, a := range applied {
		files := a.Files()
		sel := Selected{Rule: a}
		targets := map[string]bool{}
		for _, t := range a.Tests {
			if t.Failed() {
				sel.Targets = append(sel.Targets, t)
				targets[t.TestID] = true
			}
		}
		var passed []Failure
		for _, f := range all {
			if f.Status != string(results.StatusPass) || targets[f.TestID] {
				continue
			}
			if names, ok := chain(f); ok && overlaps(names, files) {
				passed = append(passed, f)
			}
		}
		sort.Slice(passed, func(i, j int) bool { return passed[i].TestID < passed[j].TestID })
		sel.Controls = spread(passed, controls)
		out = append(out, sel)
	}
	return out
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
			return true
		}
	}
	return false
}

// spread picks n of fs evenly (all of them when there are n or fewer).
func spread(fs []Failure, n int) []Failure {
	if n <= 0 {
		return nil
	}
	if len(fs) <= n {
		return fs
	}
	out := make([]Failure, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, fs[i*len(fs)/n])
	}
	return out
}

// Outcome is one test before and after a patch.
type Outcome struct {
	TestID         string `json:"test_id"`
	Architecture   string `json:"architecture"`
	Hardware       string `json:"hardware"`
	Role           string `json:"role"`
	StatusBefore   string `json:"status_before"`
	StatusAfter    string `json:"status_after"` // "not_run" when the re-run has no result for it
	MessageAfter   string `json:"message_after,omitempty"`
	RevisionBefore string `json:"revision_before"`
	RevisionAfter  string `json:"revision_after"`
	RunBefore      string `json:"run_before"`
	RunAfter       string `json:"run_after"`
}

// Fixed reports whether a target no longer fails: it passes, or it is
// skipped as declared unsupported.
func (o Outcome) Fixed() bool {
	return o.StatusAfter == string(results.StatusPass) ||
		o.StatusAfter == string(results.StatusSkip) && strings.Contains(o.MessageAfter, "declared unsupported")
}

// Verdict is a rule's verification: kept when it fixed at least one target
// and broke no control.
type Verdict struct {
	Rule         Rule      `json:"rule"`
	Files        []string  `json:"files"`
	Fingerprints []string  `json:"fingerprints"`
	Tests        []Outcome `json:"tests"`
	Fixed        int       `json:"fixed"`
	Broken       int       `json:"broken"`
	Controls     int       `json:"controls"`
	Kept         bool      `json:"kept"`
	Why          string    `json:"why"`
	RunAfter     string    `json:"run_after"`
}

// Judge compares a selection's tests before with after (the re-run's
// results by test id, all from run runAfter).
func Judge(sel Selected, after map[string]Failure, runAfter string) Verdict {
	v := Verdict{Rule: sel.Rule.Rule, Files: sel.Rule.Files(), RunAfter: runAfter,
		Fingerprints: uniq(sel.Targets, func(f Failure) string { return f.Fingerprint })}
	add := func(f Failure, role string) Outcome {
		o := Outcome{TestID: f.TestID, Architecture: f.Architecture, Hardware: f.Hardware, Role: role,
			StatusBefore: f.Status, RevisionBefore: f.Revision, RunBefore: f.RunID, StatusAfter: string(results.StatusNotRun), RunAfter: runAfter}
		if a, ok := after[f.TestID]; ok {
			o.StatusAfter, o.MessageAfter, o.RevisionAfter = a.Status, a.Message, a.Revision
		}
		v.Tests = append(v.Tests, o)
		return o
	}
	for _, f := range sel.Targets {
		if add(f, RoleTarget).Fixed() {
			v.Fixed++
		}
	}
	for _, f := range sel.Controls {
		v.Controls++
		if add(f, RoleControl).StatusAfter != string(results.StatusPass) {
			v.Broken++
		}
	}
	switch {
	case v.Broken > 0:
		v.Why = fmt.Sprintf("dropped: broke %d of %d control tests", v.Broken, v.Controls)
	case v.Fixed == 0:
		v.Why = fmt.Sprintf("dropped: fixed none of %d failing tests", len(sel.Targets))
	default:
		v.Kept = true
		v.Why = fmt.Sprintf("kept: fixed %d of %d failing tests, %d control tests still pass", v.Fixed, len(sel.Targets), v.Controls)
	}
	return v
}

// Revert returns the file writes that undo a dropped rule: each of its files
// back to before, or removed (Remove) when the rule created it. A file that
// changed since the rule wrote it (another rule, a person) is not touched and
// is named in the error.
type Revert struct {
	File   string
	Src    string
	Remove bool
}

// Reverts lists how to undo a, given the files' current sources.
func Reverts(a AppliedRule, read Sources) ([]Revert, error) {
	var out []Revert
	var changed []string
	for _, e := range a.Edits {
		cur, _, err := read(e.File)
		if err != nil {
			return nil, err
		}
		if cur != e.After {
			changed = append(changed, e.File)
			continue
		}
		out = append(out, Revert{File: e.File, Src: e.Before, Remove: !e.Existed})
	}
	if len(changed) > 0 {
		return out, fmt.Errorf("rule %q: %s changed after it was applied; undo its section (marked \"hwcov patch %s\") by hand",
			a.Rule.ID, strings.Join(changed, ", "), a.Rule.ID)
	}
	return out, nil
}

// Discard lists the tests whose re-run results measured only dropped
// patches (none of a kept one): their results describe templates that are
// gone again, so the caller removes them and the tests' newest results are
// the ones from before.
func Discard(vs []Verdict) []string {
	kept := map[string]bool{}
	for _, v := range vs {
		for _, o := range v.Tests {
			if v.Kept {
				kept[o.TestID] = true
			}
		}
	}
	var out []string
	for _, v := range vs {
		for _, o := range v.Tests {
			if !v.Kept && !kept[o.TestID] && !contains(out, o.TestID) {
				out = append(out, o.TestID)
			}
		}
	}
	sort.Strings(out)
	return out
}

// VerifiedFix is a kept verification of a rule, as the error resolution
// guide shows it for each fingerprint the rule fixed.
type VerifiedFix struct {
	Rule        string    `json:"rule"`
	RuleVersion int       `json:"rule_version"`
	At          time.Time `json:"at"`
	RunAfter    string    `json:"run_after"`
	Platforms   []string  `json:"platforms"`
	Targets     int       `json:"targets"`  // failing tests re-run
	Fixed       int       `json:"fixed"`    // of them, passing after
	Controls    int       `json:"controls"` // passing tests re-run
	Broken      int       `json:"broken"`   // of them, failing after
}

// String is the fix in one line: rule, when, before/after.
func (f VerifiedFix) String() string {
	return fmt.Sprintf("rule `%s` v%d, %s (run `%s`, %s): %d of %d failing tests fail → pass, %d of %d control tests still pass",
		f.Rule, f.RuleVersion, f.At.UTC().Format("2006-01-02"), f.RunAfter, strings.Join(f.Platforms, ", "),
		f.Fixed, f.Targets, f.Controls-f.Broken, f.Controls)
}
