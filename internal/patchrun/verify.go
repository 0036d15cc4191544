package patchrun

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/patch"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/internal/workspace"
)

// VerifyRequest is `hwcov patch verify`.
type VerifyRequest struct {
	Inputs
	Controls  int      // control tests per rule
	RunID     string   // of the re-run, default patch-verify-<time>
	Hardware  []string // only the tests on these platforms
	Proposals string   // write the pull request proposals here
}

// Rerun runs archs on the platform hw with the templates in tdir, into the
// database as run runID.
type Rerun func(ctx context.Context, hw string, archs []string, tdir, runID string) error

// Verified is what Verify found.
type Verified struct {
	// Judged is false when nothing awaited verification (and Proposals
	// were written from the latest failures alone).
	Judged   bool
	Verdicts []patch.Verdict
	// Proposals counts the proposals written to the request's file.
	Proposals int
}

// Kept reports whether any patch was kept.
func (v Verified) Kept() bool {
	return slices.ContainsFunc(v.Verdicts, func(v patch.Verdict) bool { return v.Kept })
}

// Verify re-runs the tests the pending rules touch with the patched
// templates, judges and records each rule, undoes the dropped ones and
// writes the proposals when asked; log hears what it does.
func Verify(ctx context.Context, w *workspace.Workspace, req VerifyRequest, rerun Rerun, now func() time.Time, log io.Writer) (Verified, error) {
	tdir, err := req.Dir(w)
	if err != nil {
		return Verified{}, err
	}
	m, err := patch.ReadManifest(patch.ManifestPath(tdir))
	if err != nil && exists(patch.ManifestPath(tdir)) {
		return Verified{}, err
	}
	if (err != nil || len(m.Pending()) == 0) && req.Proposals == "" {
		return Verified{}, hwerr.Usagef("hwcov patch apply", "no applied patch awaits verification in %s", patch.ManifestPath(tdir))
	}
	before, err := req.Failures(ctx, w)
	if err != nil {
		return Verified{}, err
	}
	if len(m.Pending()) == 0 {
		return req.writeProposals(tdir, m, nil, before)
	}
	sels, err := req.selectTests(w, m, before, tdir)
	if err != nil {
		return Verified{}, err
	}
	sels = patch.OnHardware(sels, req.Hardware)
	runID := cmp.Or(req.RunID, "patch-verify-"+now().UTC().Format("20060102T150405Z"))
	for _, hw := range rerunTests(sels) {
		if err := rerun(ctx, hw.hardware, hw.archs, tdir, runID); err != nil {
			return Verified{}, err
		}
	}
	verdicts, err := req.judge(ctx, w, sels, runID, tdir, m, now, log)
	if err != nil || req.Proposals == "" {
		return Verified{Judged: true, Verdicts: verdicts}, err
	}
	v, err := req.writeProposals(tdir, m, verdicts, before)
	v.Judged, v.Verdicts = true, verdicts
	return v, err
}

// selectTests picks each rule's targets and controls; a test's templates
// are its chain rendered from the patched templates.
func (req VerifyRequest) selectTests(w *workspace.Workspace, m patch.Manifest, before []patch.Failure, tdir string) ([]patch.Selected, error) {
	g, err := w.Generator(tdir)
	if err != nil {
		return nil, err
	}
	resolve, err := w.Resolver()
	if err != nil {
		return nil, err
	}
	chain := func(t patch.Failure) ([]string, bool) {
		a, p, err := resolve(testid.ID{Model: t.Architecture, Hardware: t.Hardware})
		if err != nil {
			return nil, false
		}
		layers, err := g.Chain(a, p)
		if err != nil {
			return nil, false
		}
		names := make([]string, len(layers))
		for i, l := range layers {
			names[i] = l.Name
		}
		return names, true
	}
	return patch.Select(m.Pending(), before, chain, req.Controls), nil
}

// platformTests are the architectures to re-run on one platform.
type platformTests struct {
	hardware string
	archs    []string
}

// rerunTests groups the selected tests by platform, both sorted.
func rerunTests(sels []patch.Selected) []platformTests {
	archs := map[string][]string{}
	for _, s := range sels {
		for _, t := range s.Tests() {
			if !slices.Contains(archs[t.Hardware], t.Architecture) {
				archs[t.Hardware] = append(archs[t.Hardware], t.Architecture)
			}
		}
	}
	out := make([]platformTests, 0, len(archs))
	for hw, a := range archs {
		sort.Strings(a)
		out = append(out, platformTests{hw, a})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].hardware < out[j].hardware })
	return out
}

// judge compares before with the re-run, records every verdict, undoes the
// dropped rules and keeps the kept ones in the manifest.
func (req VerifyRequest) judge(ctx context.Context, w *workspace.Workspace, sels []patch.Selected, runID, tdir string,
	m patch.Manifest, now func() time.Time, log io.Writer) ([]patch.Verdict, error) {
	db, err := w.OpenDB(req.DB, false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rs, err := db.Results(ctx, runID)
	if err != nil {
		return nil, err
	}
	after := map[string]patch.Failure{}
	for _, t := range patch.Failures(rs, nil) {
		after[t.TestID] = t
	}
	var verdicts []patch.Verdict
	verifying := map[string]bool{}
	for _, s := range sels {
		verifying[s.Rule.Rule.ID] = true
	}
	m.Rules = slices.DeleteFunc(m.Rules, func(r patch.AppliedRule) bool { return r.VerifiedRun == "" && verifying[r.Rule.ID] })
	for _, s := range sels {
		v := patch.Judge(s, after, runID)
		if err := db.RecordVerdict(ctx, v, now().UTC()); err != nil {
			return nil, err
		}
		verdicts = append(verdicts, v)
		if v.Kept {
			s.Rule.VerifiedRun = runID
			m.Rules = append(m.Rules, s.Rule)
			continue
		}
		reverts, err := patch.Reverts(s.Rule, patch.DirSources(tdir))
		if werr := patch.WriteReverts(tdir, reverts); werr != nil {
			return nil, werr
		}
		if err != nil {
			fmt.Fprintf(log, "hwcov: %v\n", err)
		}
	}
	if err := db.DropResults(ctx, runID, patch.Discard(verdicts)); err != nil {
		return nil, err
	}
	return verdicts, patch.WriteManifest(patch.ManifestPath(tdir), m)
}

// writeProposals writes the kept rules (and the resolved ones) for hwcov
// patch pr.
func (req VerifyRequest) writeProposals(tdir string, m patch.Manifest, verdicts []patch.Verdict, latest []patch.Failure) (Verified, error) {
	rel, err := patch.RepoPath(tdir)
	if err != nil {
		return Verified{}, hwerr.Usagef("run hwcov patch verify in the repository, with --templates inside it", "--templates %q: %v", tdir, err)
	}
	rules, err := Rules(tdir, "")
	if err != nil {
		return Verified{}, err
	}
	applied := map[string]patch.AppliedRule{}
	for _, r := range m.Rules {
		applied[r.Rule.ID] = r
	}
	in := patch.Proposals(patch.Verified{Verdicts: verdicts, Applied: applied, TemplatesDir: rel, Rules: rules,
		Latest: latest, Hardware: req.Hardware})
	return Verified{Proposals: len(in.Proposals)}, patch.WriteProposals(req.Proposals, in)
}
