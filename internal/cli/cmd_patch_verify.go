package cli

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/patch"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/reporter"
)

// PatchVerifyOptions are the options of `hwcov patch verify`.
type PatchVerifyOptions struct {
	F *Factory
	PatchInputs
	Controls  int
	RunID     string
	Hardware  []string
	Proposals string
}

// NewCmdPatchVerify builds `hwcov patch verify`.
func NewCmdPatchVerify(f *Factory) *cobra.Command {
	opts := &PatchVerifyOptions{F: f}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Re-run the tests the applied patches touch; keep a patch only when it fixes and breaks nothing",
		Long: `For each rule in .hwcov/patches/applied.json, re-runs the failing tests it
matched and a control sample of tests made from the same changed templates that
passed before, with the patched templates. Every test's status, template
revision and run before and after go into generator_improvements, one row per
rule and platform into generator_updates. A patch that fixes nothing or breaks
a control test is dropped: its template edits are undone and it is reported.
Exit 1 when no patch is kept. (guide: --verify-improvements)

--hardware verifies only the tests on those platforms (one runner each);
--proposals FILE writes what hwcov patch pr --input reads: a proposal per kept
rule (files, diff, failures per platform, measured before/after, provenance)
and a resolved one per rule whose failures are gone. With --proposals the file
is the outcome: exit 0 even when no patch is kept or none awaits verification.`,
		Example: "  hwcov patch apply && hwcov patch verify --db benchmark_db.duckdb\n  hwcov patch verify --hardware cuda --proposals hwcov-proposals/cuda.json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPatchVerify(c.Context(), opts)
		},
	}
	opts.register(cmd.Flags())
	cmd.Flags().IntVar(&opts.Controls, "controls", 5, "control tests per rule (passed before, on a changed template)")
	cmd.Flags().StringVar(&opts.RunID, "run-id", "", "run id of the re-run (default patch-verify-<time>)")
	cmd.Flags().StringSliceVar(&opts.Hardware, "hardware", nil, "verify only the tests on these platforms (default: every platform)")
	cmd.Flags().StringVar(&opts.Proposals, "proposals", "", "write the pull request proposals (JSON for hwcov patch pr --input) to this file")
	cmd.Flags().StringVar(&opts.Format, "format", "table", formatUsage("table", reporter.PatchFormats...))
	return cmd
}

func runPatchVerify(ctx context.Context, opts *PatchVerifyOptions) error {
	f := opts.F
	if err := checkFormat("format", opts.Format, reporter.PatchFormats...); err != nil {
		return err
	}
	tdir, err := opts.templatesDir(f)
	if err != nil {
		return err
	}
	m, err := patch.ReadManifest(patch.ManifestPath(tdir))
	if err != nil && exists(patch.ManifestPath(tdir)) {
		return err
	}
	if (err != nil || len(m.Pending()) == 0) && opts.Proposals == "" {
		return usagef("hwcov patch apply", "no applied patch awaits verification in %s", patch.ManifestPath(tdir))
	}
	before, err := opts.failures(ctx, f)
	if err != nil {
		return err
	}
	if len(m.Pending()) == 0 {
		return opts.writeProposals(tdir, m, nil, before)
	}
	sels, err := opts.selectTests(m, before, tdir)
	if err != nil {
		return err
	}
	sels = patch.OnHardware(sels, opts.Hardware)
	runID := cmp.Or(opts.RunID, "patch-verify-"+f.Now().UTC().Format("20060102T150405Z"))
	if err := opts.rerun(ctx, sels, tdir, runID); err != nil {
		return err
	}
	verdicts, err := opts.judge(ctx, sels, runID, tdir, m)
	if err != nil {
		return err
	}
	if err := reporter.WriteVerdicts(f.Out, verdicts, opts.Format); err != nil {
		return err
	}
	if opts.Proposals != "" {
		return opts.writeProposals(tdir, m, verdicts, before)
	}
	if !slices.ContainsFunc(verdicts, func(v patch.Verdict) bool { return v.Kept }) {
		return &policyError{Msg: fmt.Sprintf("no patch kept: %d dropped", len(verdicts))}
	}
	return nil
}

// selectTests picks each rule's targets and controls; a test's templates
// are its chain rendered from the patched templates.
func (opts *PatchVerifyOptions) selectTests(m patch.Manifest, before []patch.Failure, tdir string) ([]patch.Selected, error) {
	g, err := opts.F.Generator(tdir)
	if err != nil {
		return nil, err
	}
	resolve, err := opts.F.resolver()
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
	return patch.Select(m.Pending(), before, chain, opts.Controls), nil
}

// rerun runs every selected test with the patched templates, one hwcov run
// per platform, into the database as run runID.
func (opts *PatchVerifyOptions) rerun(ctx context.Context, sels []patch.Selected, tdir, runID string) error {
	archs := map[string][]string{}
	for _, s := range sels {
		for _, t := range s.Tests() {
			if !slices.Contains(archs[t.Hardware], t.Architecture) {
				archs[t.Hardware] = append(archs[t.Hardware], t.Architecture)
			}
		}
	}
	hws := make([]string, 0, len(archs))
	for hw := range archs {
		hws = append(hws, hw)
	}
	sort.Strings(hws)
	for _, hw := range hws {
		sort.Strings(archs[hw])
		run := &RunOptions{F: opts.F, Models: ModelFlags{Models: archs[hw]}, Hardware: []string{hw}, DB: opts.DB,
			RunID: runID, TemplatesDir: tdir, TestsOut: ".hwcov/patch-verify", Warmup: 1, Iterations: 1, Workers: 1}
		fmt.Fprintf(opts.F.Err, "re-running %d tests on %s with the patched templates: %s\n", len(archs[hw]), hw, strings.Join(archs[hw], ","))
		if err := runRun(ctx, run); err != nil {
			return err
		}
	}
	return nil
}

// judge compares before with the re-run, records every verdict, undoes the
// dropped rules and keeps the kept ones in the manifest.
func (opts *PatchVerifyOptions) judge(ctx context.Context, sels []patch.Selected, runID, tdir string, m patch.Manifest) ([]patch.Verdict, error) {
	db, err := openDB(opts.F, opts.DB, false)
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
		if err := db.RecordVerdict(ctx, v, opts.F.Now().UTC()); err != nil {
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
			fmt.Fprintf(opts.F.Err, "hwcov: %v\n", err)
		}
	}
	if err := db.DropResults(ctx, runID, patch.Discard(verdicts)); err != nil {
		return nil, err
	}
	return verdicts, patch.WriteManifest(patch.ManifestPath(tdir), m)
}

// writeProposals writes the kept rules (and the resolved ones) for hwcov
// patch pr.
func (opts *PatchVerifyOptions) writeProposals(tdir string, m patch.Manifest, verdicts []patch.Verdict, latest []patch.Failure) error {
	rel, err := patch.RepoPath(tdir)
	if err != nil {
		return usagef("run hwcov patch verify in the repository, with --templates inside it", "--templates %q: %v", tdir, err)
	}
	rules, err := opts.rules(tdir, "")
	if err != nil {
		return err
	}
	applied := map[string]patch.AppliedRule{}
	for _, r := range m.Rules {
		applied[r.Rule.ID] = r
	}
	in := patch.Proposals(patch.Verified{Verdicts: verdicts, Applied: applied, TemplatesDir: rel, Rules: rules,
		Latest: latest, Hardware: opts.Hardware})
	if err := patch.WriteProposals(opts.Proposals, in); err != nil {
		return err
	}
	fmt.Fprintf(opts.F.Err, "wrote %d proposals to %s; next: hwcov patch pr --input %s\n", len(in.Proposals), opts.Proposals, opts.Proposals)
	return nil
}
