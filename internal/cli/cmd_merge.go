package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/store"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners/shard"
)

// MergeOptions are the options of `hwcov merge`.
type MergeOptions struct {
	F       *Factory
	Into    string
	Plan    string
	JUnit   string
	History string
	Strict  bool
	Shards  []string
}

// NewCmdMerge builds `hwcov merge`.
func NewCmdMerge(f *Factory) *cobra.Command {
	opts := &MergeOptions{F: f}
	cmd := &cobra.Command{
		Use:   "merge --into run.duckdb SHARD.duckdb|DIR...",
		Short: "Merge shard databases into one (idempotent; lost and corrupt shards are reported)",
		Long: `Copies every run and result of each shard database into --into. Merging the
same shard twice adds nothing. A folder argument merges every *.duckdb below it
(as actions/download-artifact lays them out). A corrupt or truncated shard is
skipped with a message and counted; the others still merge. With --plan (or the
plan each shard recorded), the tests of a shard that never arrived are reported
and show as "not run (shard lost)" in the reports.`,
		Example: "  hwcov merge --into run.duckdb shards/\n  hwcov merge --into run.duckdb --plan plan.json --junit merged.xml shard-*.duckdb",
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Shards = args
			return runMerge(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Into, "into", "", "database to merge into (created when missing; required)")
	cmd.Flags().StringVar(&opts.Plan, "plan", "", "the plan the shards came from, to report lost shards")
	cmd.Flags().StringVar(&opts.JUnit, "junit", "", "write the merged results as JUnit XML")
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "exit 1 when a shard is corrupt or lost")
	cmd.Flags().StringVar(&opts.History, "history", "", "also append the merged run to this history database (on the default branch)")
	return cmd
}

func runMerge(ctx context.Context, opts *MergeOptions) error {
	f := opts.F
	if opts.Into == "" {
		return usagef("hwcov merge --into run.duckdb shard-*.duckdb", "--into is required")
	}
	if len(opts.Shards) == 0 {
		return usagef("hwcov merge --into run.duckdb shard-*.duckdb", "name at least one shard database or folder")
	}
	files, err := store.ShardFiles(opts.Shards, opts.Into)
	if err != nil {
		return err
	}
	db, err := openDB(f, opts.Into, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := recordPlan(ctx, db, opts.Plan); err != nil {
		return err
	}
	m, err := db.MergeShards(ctx, files, f.Err)
	if err != nil {
		return err
	}
	if opts.JUnit != "" {
		rs, err := db.Results(ctx, "")
		if err == nil {
			err = writeOutput(f, opts.JUnit, func(b *strings.Builder) error { return reporter.WriteJUnit(b, "hwcov merged", rs) })
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(f.Out, m.Line(opts.Into))
	f.result(mergeLine(m.Line(opts.Into)))
	if opts.History != "" {
		if err := db.Close(); err != nil {
			return err
		}
		if err := appendHistory(ctx, f, opts.History, opts.Into); err != nil {
			return err
		}
	}
	if opts.Strict && (m.Skipped > 0 || len(m.Lost) > 0) {
		return &policyError{Msg: fmt.Sprintf("%d shards skipped and %d lost (--strict)", m.Skipped, len(m.Lost))}
	}
	return nil
}

// recordPlan records the tests of the plan file at path (none when path is
// empty), so that shards which never reported show as lost.
func recordPlan(ctx context.Context, db *store.DB, path string) error {
	if path == "" {
		return nil
	}
	plan, err := shard.ReadPlan(path, "pass the plan.json from the plan job")
	if err != nil {
		return err
	}
	return db.RecordPlan(ctx, shard.PlannedTests(plan))
}

// appendHistory appends the merged database into to the history database.
func appendHistory(ctx context.Context, f *Factory, history, into string) error {
	hist, err := openDB(f, history, false)
	if err != nil {
		return err
	}
	defer hist.Close()
	rep, err := hist.Merge(ctx, into)
	if err != nil {
		return fmt.Errorf("append to history %q: %w", history, err)
	}
	fmt.Fprintf(f.Out, "history %s: %d new results\n", history, rep.NewResults)
	return nil
}

// mergeLine is the one-line account of a merge, as `hwcov merge` prints it.
type mergeLine string
