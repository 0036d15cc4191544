package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/store"
	"github.com/hwcov/hwcov/planner"
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
	files, err := expandShards(opts.Shards, opts.Into)
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
	merged, skipped, added, err := mergeShards(ctx, f, db, files)
	if err != nil {
		return err
	}
	lost, err := db.LostShards(ctx)
	if err != nil {
		return err
	}
	for _, l := range lost {
		fmt.Fprintf(f.Err, "hwcov: shard %s lost: %d planned tests not run\n", l.ID, l.Tests)
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
	fmt.Fprintf(f.Out, "merged %d shards into %s (%d new results), %d skipped, %d lost\n", merged, opts.Into, added, skipped, len(lost))
	if opts.History != "" {
		if err := db.Close(); err != nil {
			return err
		}
		if err := appendHistory(ctx, f, opts.History, opts.Into); err != nil {
			return err
		}
	}
	if opts.Strict && (skipped > 0 || len(lost) > 0) {
		return &policyError{Msg: fmt.Sprintf("%d shards skipped and %d lost (--strict)", skipped, len(lost))}
	}
	return nil
}

// recordPlan records the tests of the plan file at path (none when path is
// empty), so that shards which never reported show as lost.
func recordPlan(ctx context.Context, db *store.DB, path string) error {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return usagef("pass the plan.json from the plan job", "read plan: %v", err)
	}
	plan, err := planner.ParsePlan(data)
	if err != nil {
		return plannerError(fmt.Errorf("%s: %w", path, err))
	}
	return db.RecordPlan(ctx, shard.PlannedTests(plan))
}

// mergeShards merges the shard files into db, skipping (and counting) those
// that are damaged or missing, and refusing a file that is not hwcov's.
func mergeShards(ctx context.Context, f *Factory, db *store.DB, files []string) (merged, skipped, added int, err error) {
	err = db.MergeAll(ctx, files, func(rep store.MergeReport, err error) error {
		file := rep.Source
		switch {
		case errors.Is(err, store.ErrNotHwcov):
			// Not damage but a file made to run SQL on this runner: refuse
			// the merge rather than report without it.
			return dbError(file, "shard", err)
		case errors.Is(err, store.ErrCorrupt), errors.Is(err, store.ErrNewerSchema), errors.Is(err, store.ErrNotFound):
			skipped++
			fmt.Fprintf(f.Err, "hwcov: skipped shard %s: %v\n", file, hwerr.OneLine(err.Error()))
			return nil
		case err != nil:
			return err
		}
		merged++
		added += rep.NewResults
		fmt.Fprintf(f.Err, "merged %s: %d results, %d new\n", file, rep.Results, rep.NewResults)
		return nil
	})
	return merged, skipped, added, err
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

// expandShards turns files and folders into the list of shard databases.
func expandShards(args []string, into string) ([]string, error) {
	intoAbs, _ := filepath.Abs(into)
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		abs, _ := filepath.Abs(p)
		if abs != intoAbs && !seen[abs] {
			seen[abs] = true
			out = append(out, p)
		}
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, usagef("check the path (artifacts download into folders)", "shard %q: %v", a, errors.Unwrap(err))
		}
		if !st.IsDir() {
			add(a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".duckdb") {
				found = append(found, p)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		for _, p := range found {
			add(p)
		}
	}
	return out, nil
}
