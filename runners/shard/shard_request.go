package shard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/internal/hint"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/workspace"
	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/reporter"
)

// Request is one shard to run, as `hwcov run`, `hwcov reference`, `hwcov
// patch verify` and the action describe it: where its tests come from and
// how they run.
type Request struct {
	Models                      catalog.Choice
	Hardware                    []string
	TestsDir, TestsOut, Shard   string
	Plan, ShardID               string
	DB, Precision, TemplatesDir string
	JUnit                       string // write the run's results as JUnit XML here ("-": Out)
	Sweep                       *planner.Sweep
	Index, Count                int
	Options                     Options
	Out                         io.Writer // standard output, for JUnit "-"
}

// Start selects the shard's tests in the workspace, runs them and writes
// the JUnit report; the error is the run's own (see Result.Verdict). The
// request's Options carry the caller's side effects; Start adds the
// workspace's interpreter and harness.
func Start(ctx context.Context, w *workspace.Workspace, r Request) (Result, error) {
	sel, err := r.selection(w)
	if err != nil {
		return Result{}, err
	}
	tests, err := Select(sel)
	if err != nil {
		return Result{}, hint.Map(err)
	}
	if tests.Hardware != "" {
		r.Hardware, r.Shard = []string{tests.Hardware}, r.ShardID
	}
	if len(tests.Cells) == 0 {
		fmt.Fprintf(r.Options.Log, "hwcov: shard %s has no tests\n", cmp.Or(r.Shard, "1/1"))
	}
	o := r.Options
	if o.Python, err = w.Python(); err != nil {
		return Result{}, err
	}
	if o.Harness, err = w.HarnessDir(); err != nil {
		return Result{}, err
	}
	db, err := w.OpenDB(r.DB, false)
	if err != nil {
		return Result{}, err
	}
	defer db.Close()
	run := NewRun(ctx, db, r.Shard, r.Hardware, o)
	res, runErr := Run(ctx, db, run, tests, o)
	res.Run, res.DB = run, db.Path()
	if r.JUnit != "" {
		rs, err := db.Results(context.Background(), run.RunID)
		if err == nil {
			var b strings.Builder
			if err = reporter.WriteJUnit(&b, "hwcov "+run.RunID, rs); err == nil {
				err = writeFile(r.JUnit, b.String(), r.Out, o.Log)
			}
		}
		if err != nil && runErr == nil {
			runErr = err
		}
	}
	return res, runErr
}

// writeFile writes data to path ("-": out) and says so on log.
func writeFile(path, data string, out, log io.Writer) error {
	if path == "-" {
		_, err := io.WriteString(out, data)
		return err
	}
	if err := fsutil.WriteFileDirs(path, []byte(data)); err != nil {
		return err
	}
	fmt.Fprintf(log, "wrote %s\n", path)
	return nil
}

// selection resolves the request's names: platforms, architectures,
// templates and the plan.
func (r Request) selection(w *workspace.Workspace) (Selection, error) {
	sel := Selection{Dir: r.TestsDir, Out: r.TestsOut, Precision: r.Precision, Sweep: r.Sweep, Index: r.Index, Count: r.Count, ShardID: r.ShardID, Log: r.Options.Log}
	var err error
	if r.Plan != "" {
		if sel.Plan, err = ReadPlan(r.Plan, "hwcov plan --out "+r.Plan); err != nil {
			return sel, err
		}
	} else if sel.Platforms, err = w.Platforms(r.Hardware); err != nil {
		return sel, err
	}
	if r.Plan == "" && r.TestsDir == "" {
		if sel.Archs, err = w.Archs(r.Models); err != nil {
			return sel, err
		}
	}
	if sel.Catalog, err = w.Catalog(); err != nil {
		return sel, err
	}
	if sel.Hardware, err = w.Hardware(); err != nil {
		return sel, err
	}
	if r.TestsDir == "" {
		sel.Generator, err = w.Generator(r.TemplatesDir)
	}
	return sel, err
}

// ReadPlan reads a plan file; hint says where a missing one comes from.
func ReadPlan(path, tryHint string) (*planner.Plan, error) {
	plan, err := planner.ReadPlanFile(path)
	if pe := new(fs.PathError); errors.As(err, &pe) {
		return nil, hwerr.Usagef(tryHint, "read plan: %v", err)
	}
	return plan, hint.Planner(err)
}
