package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/mattn/go-isatty"

	"github.com/hwcov/hwcov/runners"
	"github.com/hwcov/hwcov/runners/shard"
)

// runShard runs the shard r describes with the factory's side effects
// (what the tests print goes to stderr when verbose), prints its summary,
// hands it to the in-process caller and returns its verdict.
func (f *Factory) runShard(ctx context.Context, r shard.Request, verbose, failOnError bool) (shard.Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	o := &r.Options
	o.Version, o.Getenv, o.Now, o.Web, o.Log = version(), f.Getenv, f.Now, f.webOptions, f.Err
	o.Progress = runners.NewProgress(f.Err, isTerminal(f.Err), f.Getenv("GITHUB_ACTIONS") == "true")
	if verbose {
		o.TestOutput = f.Err
	}
	r.Out = f.Out
	res, err := shard.Start(ctx, f.Workspace, r)
	if res.DB == "" {
		return res, err
	}
	fmt.Fprint(f.Out, res.Summary.Report(res.Run.RunID, res.DB))
	f.result(res)
	return res, res.Verdict(err, failOnError)
}

func isTerminal(w any) bool {
	if f, ok := w.(*os.File); ok {
		return isatty.IsTerminal(f.Fd())
	}
	return false
}
