package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/botpr"
	"github.com/hwcov/hwcov/internal/fsutil"
)

// Verified is what a verification leaves for the pull requests: the verdicts
// with the rules as applied (their edits), and the latest results they were
// measured against.
type Verified struct {
	// Verdicts are this verification's verdicts; the kept ones become
	// proposals.
	Verdicts []Verdict
	// Applied are the rules as applied, by rule id: their edits are the
	// files a proposal writes.
	Applied map[string]AppliedRule
	// TemplatesDir is the templates folder relative to the repository root,
	// with slashes (.hwcov/templates): the files' paths start with it.
	TemplatesDir string
	// Rules are the rules known (shipped and the repository's): a fix rule
	// that matches no failure of Latest is resolved.
	Rules []Rule
	// Latest are the newest results the verification started from.
	Latest []Failure
	// Hardware are the platforms verified (empty: every one), for the
	// command that reproduces it.
	Hardware []string
}

// Proposals turns a verification into the pull request proposals `hwcov
// patch pr` reads: one per kept rule (its files whole, its diff, the
// failures it addresses per platform, the measured before/after of its
// targets and controls, the command to reproduce and the provenance), the
// same marked dropped (with why) per dropped rule, and a resolved one per fix
// rule that matches no failure in the latest results, so that its pull
// request is closed.
func Proposals(v Verified) botpr.Input {
	in := botpr.Input{Proposals: []botpr.Proposal{}}
	kept := map[string]bool{}
	for _, vd := range v.Verdicts {
		a, ok := v.Applied[vd.Rule.ID]
		if !ok {
			continue
		}
		kept[vd.Rule.ID] = true
		p := v.proposal(vd, a)
		if !vd.Kept {
			// a veto: where each platform verifies apart, a patch dropped
			// on one is not proposed from the others either
			p.Dropped = vd.Why
			if len(v.Hardware) > 0 {
				p.Dropped += " on " + strings.Join(v.Hardware, ",")
			}
		}
		in.Proposals = append(in.Proposals, p)
	}
	for _, r := range v.Rules {
		if r.Kind != KindFix || kept[r.ID] || slices.ContainsFunc(v.Latest, func(f Failure) bool { return f.Failed() && r.Matches(f) }) {
			continue
		}
		in.Proposals = append(in.Proposals, botpr.Proposal{Rule: r.ID, Reason: r.Reason, Resolved: true, Files: []botpr.File{},
			Failures: []botpr.PlatformCount{}, Results: []botpr.Result{},
			Provenance: botpr.Provenance{RuleVersion: strconv.Itoa(r.Version), Runs: runsOf(v.Latest)}})
	}
	sort.Slice(in.Proposals, func(i, j int) bool { return in.Proposals[i].Rule < in.Proposals[j].Rule })
	return in
}

func (v Verified) proposal(vd Verdict, a AppliedRule) botpr.Proposal {
	p := botpr.Proposal{Rule: vd.Rule.ID, Reason: vd.Rule.Reason, Diff: Diff(v.TemplatesDir, a.Edits),
		Failures: []botpr.PlatformCount{}, Results: []botpr.Result{}}
	for _, e := range a.Edits {
		p.Files = append(p.Files, botpr.File{Path: path.Join(v.TemplatesDir, e.File), Content: e.After})
	}
	count := map[string]int{}
	var before, after, runs []string
	for _, o := range vd.Tests {
		if o.Role == RoleTarget {
			count[o.Hardware]++
		}
		p.Results = append(p.Results, botpr.Result{Test: o.TestID, Architecture: o.Architecture, Platform: o.Hardware,
			Before: o.StatusBefore, After: o.StatusAfter, Control: o.Role == RoleControl})
		before, after = addUniq(before, o.RevisionBefore), addUniq(after, o.RevisionAfter)
		runs = addUniq(addUniq(runs, o.RunBefore), o.RunAfter)
	}
	for _, hw := range sortedKeys(count) {
		p.Failures = append(p.Failures, botpr.PlatformCount{Platform: hw, Count: count[hw]})
	}
	p.Reproduce = "hwcov patch apply --rule " + vd.Rule.ID + " && hwcov patch verify"
	if len(v.Hardware) > 0 {
		p.Reproduce += " --hardware " + strings.Join(v.Hardware, ",")
	}
	p.Provenance = botpr.Provenance{Fingerprint: strings.Join(vd.Fingerprints, ","), RuleVersion: strconv.Itoa(vd.Rule.Version),
		Runs: runs, TemplatesBefore: strings.Join(before, ","), TemplatesAfter: strings.Join(after, ",")}
	return p
}

// OnHardware keeps the tests of sels on the platforms hw (all when empty);
// a rule left with no target on them is left out (it is not verified here).
func OnHardware(sels []Selected, hw []string) []Selected {
	if len(hw) == 0 {
		return sels
	}
	on := func(f Failure) bool { return !contains(hw, f.Hardware) }
	var out []Selected
	for _, s := range sels {
		s.Targets = slices.DeleteFunc(slices.Clone(s.Targets), on)
		s.Controls = slices.DeleteFunc(slices.Clone(s.Controls), on)
		if len(s.Targets) > 0 {
			out = append(out, s)
		}
	}
	return out
}

func runsOf(fs []Failure) []string {
	var out []string
	for _, f := range fs {
		out = addUniq(out, f.RunID)
	}
	sort.Strings(out)
	return out
}

func addUniq(xs []string, x string) []string {
	if x == "" || contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// EncodeProposals writes in as indented JSON (the file `hwcov patch pr
// --input` reads).
func EncodeProposals(w io.Writer, in botpr.Input) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(in)
}

// WriteProposals writes in to path (its folder made when missing).
func WriteProposals(path string, in botpr.Input) error {
	var b bytes.Buffer
	if err := EncodeProposals(&b, in); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %q: %w", filepath.Dir(path), err)
	}
	return fsutil.WriteFileAtomic(path, b.Bytes(), 0o644)
}

// RepoPath is dir relative to the working directory (the repository root),
// with slashes: the path a proposal's files start with.
func RepoPath(dir string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the working directory %s", dir, wd)
	}
	return filepath.ToSlash(rel), nil
}
