package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/patchrun"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners/shard"
)

// PatchVerifyOptions are the options of `hwcov patch verify`.
type PatchVerifyOptions struct {
	F   *Factory
	Req patchrun.VerifyRequest
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
	r := &opts.Req
	addPatchInputFlags(cmd.Flags(), &r.Inputs)
	cmd.Flags().IntVar(&r.Controls, "controls", 5, "control tests per rule (passed before, on a changed template)")
	cmd.Flags().StringVar(&r.RunID, "run-id", "", "run id of the re-run (default patch-verify-<time>)")
	cmd.Flags().StringSliceVar(&r.Hardware, "hardware", nil, "verify only the tests on these platforms (default: every platform)")
	cmd.Flags().StringVar(&r.Proposals, "proposals", "", "write the pull request proposals (JSON for hwcov patch pr --input) to this file")
	cmd.Flags().StringVar(&r.Format, "format", "table", formatUsage("table", reporter.PatchFormats...))
	return cmd
}

func runPatchVerify(ctx context.Context, opts *PatchVerifyOptions) error {
	f, req := opts.F, opts.Req
	if err := checkFormat("format", req.Format, reporter.PatchFormats...); err != nil {
		return err
	}
	v, err := patchrun.Verify(ctx, f.Workspace, req, f.rerunTests(req.DB), f.Now, f.Err)
	if err != nil {
		return err
	}
	if v.Judged {
		if err := reporter.WriteVerdicts(f.Out, v.Verdicts, req.Format); err != nil {
			return err
		}
	}
	if req.Proposals != "" {
		fmt.Fprintf(f.Err, "wrote %d proposals to %s; next: hwcov patch pr --input %s\n", v.Proposals, req.Proposals, req.Proposals)
		return nil
	}
	if !v.Kept() {
		return &policyError{Msg: fmt.Sprintf("no patch kept: %d dropped", len(v.Verdicts))}
	}
	return nil
}

// rerunTests runs archs on hw with the patched templates in tdir into db,
// as run runID, and prints the shard's summary.
func (f *Factory) rerunTests(db string) patchrun.Rerun {
	return func(ctx context.Context, hw string, archs []string, tdir, runID string) error {
		fmt.Fprintf(f.Err, "re-running %d tests on %s with the patched templates: %s\n", len(archs), hw, strings.Join(archs, ","))
		s := shard.Request{Models: ModelFlags{Models: archs}, Hardware: []string{hw}, DB: db, TemplatesDir: tdir, TestsOut: ".hwcov/patch-verify",
			Index: 1, Count: 1, Options: shard.Options{RunID: runID, Warmup: 1, Iterations: 1, Workers: 1}}
		_, err := f.runShard(ctx, s, false, false)
		return err
	}
}
