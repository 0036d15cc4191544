package comparison

import (
	"context"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/workspace"
)

// Request is what compare, comment and check share: which databases, how
// to decide and when to fail.
type Request struct {
	Base       string
	Head       string
	Threshold  float64 // percent
	Alpha      float64
	Test       string
	MinSamples int
	Window     int
	IgnoreEnv  []string
	FailOn     string
}

// Input checks the request and turns it into the comparison's input; cmd
// names the command for hints.
func (r Request) Input(cmd string) (Input, error) {
	if r.Head == "" {
		return Input{}, hwerr.Usagef(cmd+" --base base.duckdb --head run.duckdb", "--head is required")
	}
	policy, err := compare.ParsePolicy(r.FailOn)
	if err != nil {
		return Input{}, hwerr.Usagef("--fail-on new-failures,regressions", "%v", err)
	}
	if r.Threshold <= 0 {
		return Input{}, hwerr.Usagef("--threshold 10", "--threshold %g: want a percentage above 0", r.Threshold)
	}
	o := compare.Options{Threshold: r.Threshold / 100, Alpha: r.Alpha, Test: r.Test, MinSamples: r.MinSamples,
		Window: r.Window, IgnoreEnv: r.IgnoreEnv}
	if _, err := compare.Compare(nil, nil, o); err != nil {
		return Input{}, hwerr.Usagef(cmd+" --help", "%v", err)
	}
	return Input{Base: r.Base, Head: r.Head, Options: o, Policy: policy}, nil
}

// LoadRequest checks the request and loads the comparison it names, with
// the workspace's catalog, platforms and declared limitations.
func LoadRequest(ctx context.Context, w *workspace.Workspace, r Request, cmd string) (*Comparison, error) {
	in, err := r.Input(cmd)
	if err != nil {
		return nil, err
	}
	in.Catalog, _ = w.Catalog()
	in.Hardware, _ = w.Hardware()
	if in.Options.Declared, err = w.Declarations(); err != nil {
		return nil, err
	}
	return Load(ctx, in, cmd)
}
