package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners/shard"
)

// MergeOptions are the options of `hwcov merge`.
type MergeOptions struct {
	F     *Factory
	Req   shard.MergeRequest
	JUnit string
}

// NewCmdMerge builds `hwcov merge`.
func NewCmdMerge(f *Factory) *cobra.Command {
	opts := &MergeOptions{F: f}
	cmd := &cobra.Command{
		Use:   "merge --into run.duckdb SHARD.duckdb|DIR...",
		Short: "Merge shard databases into one (idempotent; lost and corrupt shards are reported)",
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Req.Shards = args
			return runMerge(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Req.Into, "into", "", "database to merge into (created when missing; required)")
	cmd.Flags().StringVar(&opts.Req.Plan, "plan", "", "the plan the shards came from, to report lost shards")
	cmd.Flags().StringVar(&opts.JUnit, "junit", "", "write the merged results as JUnit XML")
	cmd.Flags().BoolVar(&opts.Req.Strict, "strict", false, "exit 1 when a shard is corrupt or lost")
	cmd.Flags().StringVar(&opts.Req.History, "history", "", "also append the merged run to this history database (on the default branch)")
	return cmd
}

func runMerge(ctx context.Context, opts *MergeOptions) error {
	f := opts.F
	opts.Req.Results = opts.JUnit != ""
	m, err := shard.Merge(ctx, f.Workspace, opts.Req, f.Err)
	if m.Line == "" {
		return err
	}
	if opts.JUnit != "" {
		if err := writeOutput(f, opts.JUnit, func(b *strings.Builder) error { return reporter.WriteJUnit(b, "hwcov merged", m.Results) }); err != nil {
			return err
		}
	}
	fmt.Fprintln(f.Out, m.Line)
	f.result(mergeLine(m.Line))
	if m.Appended {
		fmt.Fprintf(f.Out, "history %s: %d new results\n", opts.Req.History, m.NewHistory)
	}
	return err
}

// mergeLine is the one-line account of a merge, as `hwcov merge` prints it.
type mergeLine string
