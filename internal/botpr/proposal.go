package botpr

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
)

// Proposal is one verified patch, ready to become a pull request. The
// patch package writes a list of them (Input) as JSON; `hwcov patch pr
// --input proposals.json` reads it. Every field is data measured or
// rendered before this package runs: it changes nothing but GitHub.
type Proposal struct {
	// Rule is the patch rule's id; the branch is BranchPrefix+Rule. One
	// proposal per rule (or per fingerprint group a rule fixes).
	Rule string `json:"rule"`
	// Reason is why the rule's edit is right, as the rule states it.
	Reason string `json:"reason"`
	// Title is the pull request's title (default "hwcov: patch templates
	// (RULE)").
	Title string `json:"title,omitempty"`
	// Base is the branch the pull request targets (default: the
	// repository's default branch). The bot never writes to it.
	Base string `json:"base,omitempty"`
	// Resolved says the fingerprint no longer appears in the latest run:
	// an open pull request for Rule is closed and its branch deleted.
	Resolved bool `json:"resolved,omitempty"`
	// Dropped says why verification dropped the patch (on some platform,
	// when each runner verified its own): no pull request is opened or
	// updated for it, and an open one is left as it is.
	Dropped string `json:"dropped,omitempty"`
	// Files are the files the patch writes, whole (template files under
	// the user's templates directory), relative to the repository root.
	Files []File `json:"files"`
	// Diff is the template diff (unified), shown in the body.
	Diff string `json:"diff,omitempty"`
	// Failures are the failures addressed, per platform.
	Failures []PlatformCount `json:"failures"`
	// Results is the measured before/after of every re-run test: the
	// affected tests and the control tests (Control set).
	Results []Result `json:"results"`
	// Reproduce is the command that re-runs the verification.
	Reproduce string `json:"reproduce"`
	// Provenance is kept in a hidden block of the body.
	Provenance Provenance `json:"provenance"`
}

// File is one file the patch writes.
type File struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// PlatformCount is a number of failures on one platform.
type PlatformCount struct {
	Platform string `json:"platform"`
	Count    int    `json:"count"`
}

// Result is one test's status before and after the patch, as measured.
type Result struct {
	Test         string `json:"test"`
	Architecture string `json:"architecture"`
	Platform     string `json:"platform"`
	Before       string `json:"before"` // pass, fail, error, skip
	After        string `json:"after"`
	// Control marks a test on the same templates that passed before: it
	// must pass after.
	Control bool `json:"control,omitempty"`
}

// Provenance says where a proposal came from.
type Provenance struct {
	Fingerprint string `json:"fingerprint"`
	RuleVersion string `json:"rule_version"`
	// Runs are the run ids of the before and after measurements.
	Runs []string `json:"runs"`
	// TemplatesBefore and TemplatesAfter are the template revisions
	// (content hashes) the tests were rendered from.
	TemplatesBefore string `json:"templates_before"`
	TemplatesAfter  string `json:"templates_after"`
}

// Input is the file `hwcov patch pr --input` reads.
type Input struct {
	Proposals []Proposal `json:"proposals"`
}

var ruleID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,79}$`)

// ReadInput decodes and checks an Input; name is for messages.
func ReadInput(r io.Reader, name string) (Input, error) {
	var in Input
	dec := json.NewDecoder(io.LimitReader(r, 64<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("read proposals %q: %w", name, err)
	}
	seen := map[string]bool{}
	for i, p := range in.Proposals {
		switch {
		case !ruleID.MatchString(p.Rule):
			return in, fmt.Errorf("proposals %q: proposal %d: rule id %q: want lowercase letters, digits, '.', '_' or '-'", name, i+1, p.Rule)
		case seen[p.Rule]:
			return in, fmt.Errorf("proposals %q: rule %q appears twice: give one proposal per rule", name, p.Rule)
		case !p.Resolved && len(p.Files) == 0:
			return in, fmt.Errorf("proposals %q: rule %q writes no files (set resolved: true when its failures are gone)", name, p.Rule)
		}
		for _, f := range p.Files {
			if !validPath(f.Path) {
				return in, fmt.Errorf("proposals %q: rule %q: file path %q: want a relative path inside the repository", name, p.Rule, f.Path)
			}
		}
		seen[p.Rule] = true
	}
	return in, nil
}

var badPath = regexp.MustCompile(`(^|/)(\.\.?|\.git)(/|$)`)

func validPath(p string) bool {
	return p != "" && p[0] != '/' && !badPath.MatchString(p) && !regexp.MustCompile(`[\\\x00]|//`).MatchString(p)
}
