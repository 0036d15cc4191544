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
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runPatchVerify(c.Context(), opts) },
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
