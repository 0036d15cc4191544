package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/mattn/go-isatty"

	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners"
	"github.com/hwcov/hwcov/runners/shard"
)

// shardRun is one shard to run, as `hwcov run`, `hwcov reference` and the
// action describe it: where its tests come from and how they run.
type shardRun struct {
	Models                      ModelFlags
	Hardware                    []string
	TestsDir, TestsOut, Shard   string
	Plan, ShardID               string
	DB, Precision, TemplatesDir string
	JUnit                       string
	Verbose                     bool
	Sweep                       *planner.Sweep
	Index, Count                int
	Options                     shard.Options
}

// runShard selects the shard's tests, runs them and writes the JUnit report;
// the error is the run's own (see shard.Result.Verdict).
func (f *Factory) runShard(ctx context.Context, s shardRun) (shard.Result, error) {
	sel, err := f.shardSelection(s)
	if err != nil {
		return shard.Result{}, err
	}
	tests, err := shard.Select(sel)
	if err != nil {
		return shard.Result{}, mapError(err)
	}
	if tests.Hardware != "" {
		s.Hardware, s.Shard = []string{tests.Hardware}, s.ShardID
	}
	if len(tests.Cells) == 0 {
		fmt.Fprintf(f.Err, "hwcov: shard %s has no tests\n", cmp.Or(s.Shard, "1/1"))
	}
	o, err := f.shardOptions(s)
	if err != nil {
		return shard.Result{}, err
	}
	db, err := openDB(f, s.DB, false)
	if err != nil {
		return shard.Result{}, err
	}
	defer db.Close()
	run := shard.NewRun(ctx, db, s.Shard, s.Hardware, o)
	res, runErr := shard.Run(ctx, db, run, tests, o)
	res.Run, res.DB = run, db.Path()
	if s.JUnit != "" {
		rs, err := db.Results(context.Background(), run.RunID)
		if err == nil {
			err = writeOutput(f, s.JUnit, func(b *strings.Builder) error { return reporter.WriteJUnit(b, "hwcov "+run.RunID, rs) })
		}
		if err != nil && runErr == nil {
			runErr = err
		}
	}
	return res, runErr
}

// shardSelection resolves the selection's names: platforms, architectures,
// templates and the plan.
func (f *Factory) shardSelection(s shardRun) (shard.Selection, error) {
	sel := shard.Selection{Dir: s.TestsDir, Out: s.TestsOut, Precision: s.Precision, Sweep: s.Sweep, Index: s.Index, Count: s.Count, ShardID: s.ShardID, Log: f.Err}
	var err error
	if s.Plan != "" {
		if sel.Plan, err = readPlan(s.Plan, "hwcov plan --out "+s.Plan); err != nil {
			return sel, err
		}
	} else if sel.Platforms, err = f.Platforms(s.Hardware); err != nil {
		return sel, err
	}
	if s.Plan == "" && s.TestsDir == "" {
		if sel.Archs, err = s.Models.archs(f); err != nil {
			return sel, err
		}
	}
	if sel.Catalog, err = f.Catalog(); err != nil {
		return sel, err
	}
	if sel.Hardware, err = f.Hardware(); err != nil {
		return sel, err
	}
	if s.TestsDir == "" {
		sel.Generator, err = f.Generator(s.TemplatesDir)
	}
	return sel, err
}

// shardOptions completes o with the interpreter, the harness and the
// factory's side effects.
func (f *Factory) shardOptions(s shardRun) (shard.Options, error) {
	o := s.Options
	var err error
	if o.Python, err = f.Python(); err != nil {
		return o, err
	}
	if o.Harness, err = f.HarnessDir(); err != nil {
		return o, err
	}
	o.Version, o.Getenv, o.Now, o.Web, o.Log = version(), f.Getenv, f.Now, f.webOptions, f.Err
	o.Progress = runners.NewProgress(f.Err, isTerminal(f.Err), f.Getenv("GITHUB_ACTIONS") == "true")
	if s.Verbose {
		o.TestOutput = f.Err
	}
	return o, nil
}

// readPlan reads a plan file; hint says where a missing one comes from.
func readPlan(path, hint string) (*planner.Plan, error) {
	plan, err := planner.ReadPlanFile(path)
	if pe := new(fs.PathError); errors.As(err, &pe) {
		return nil, usagef(hint, "read plan: %v", err)
	}
	return plan, plannerError(err)
}

// printRun prints a shard's summary.
func (f *Factory) printRun(r shard.Result) {
	fmt.Fprint(f.Out, r.Summary.Report(r.Run.RunID, r.DB))
}

func isTerminal(w any) bool {
	if f, ok := w.(*os.File); ok {
		return isatty.IsTerminal(f.Fd())
	}
	return false
}
