package reportrun

import (
	"context"

	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/workspace"
	"github.com/hwcov/hwcov/reporter"
)

// PerfRequest is `hwcov report performance|optimizations|optimization-impact|profile`.
type PerfRequest struct {
	Kind       string
	DB         string
	Models     []string
	RunID      string
	Base, Head string // optimization-impact: the two runs
	Test       string // profile: the test id
	Top        int
	Alpha      float64
}

// Perf reads the results the report of req.Kind is made of and builds its
// tables.
func Perf(ctx context.Context, w *workspace.Workspace, req PerfRequest) (tables []reporter.Table, err error) {
	if req.Kind == "optimization-impact" && (req.Base == "" || req.Head == "") {
		return nil, hwerr.Usagef("hwcov report optimization-impact --base RUN_ID --head RUN_ID", "--base and --head are required")
	}
	if req.Kind == "profile" && req.Test == "" {
		return nil, hwerr.Usagef("hwcov report profile --test bert@cpu/fp32/b1/s128", "--test is required")
	}
	db, err := w.OpenDB(req.DB, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	in := reporter.PerfInput{BaseID: req.Base, HeadID: req.Head, Test: req.Test, Top: req.Top, Alpha: req.Alpha, Models: req.Models}
	if req.Kind == "optimization-impact" {
		if in.Base, err = db.Results(ctx, req.Base); err == nil {
			in.Head, err = db.Results(ctx, req.Head)
		}
	} else {
		in.Results, err = db.Results(ctx, req.RunID)
	}
	if err != nil {
		return nil, err
	}
	if req.Kind == "optimizations" {
		reg, err := w.Hardware()
		if err != nil {
			return nil, err
		}
		in.Available = reg.Optimizations()
	}
	return reporter.PerfTables(req.Kind, in)
}
