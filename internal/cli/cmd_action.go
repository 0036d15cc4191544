package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/action"
)

// ActionOptions are the options of `hwcov action`.
type ActionOptions struct {
	F *Factory
}

// NewCmdAction builds `hwcov action`, the entry point of action.yml.
func NewCmdAction(f *Factory) *cobra.Command {
	opts := &ActionOptions{F: f}
	return &cobra.Command{
		Use:   "action",
		Short: "Run as the hwcov GitHub Action: read INPUT_* variables, write outputs, summary and annotations",
		Long: `The composite action (action.yml) runs this with its inputs in INPUT_COMMAND,
INPUT_ARGS, INPUT_HARDWARE, ... (dashes become underscores: INPUT_SHARD_ID).
It runs the same command line the CLI would (plan, run, merge, report, or any
other command with args), then writes the step outputs (matrix, has-tests,
plan, db, summary, failures, pr) to $GITHUB_OUTPUT, the job summary, log groups
and an ::error:: annotation per failed test pointing at its generated file.
Outside a runner (no $GITHUB_OUTPUT) the outputs are printed on stderr.`,
		Example: "  INPUT_COMMAND=plan INPUT_PRIORITY=key INPUT_HARDWARE=cpu hwcov action",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return runAction(opts)
		},
	}
}

func runAction(opts *ActionOptions) error {
	f := opts.F
	code := action.Run(action.Options{
		Getenv: f.Getenv,
		Stdout: f.Out,
		Stderr: f.Err,
		Now:    f.Now,
		CLI:    func(args []string, stdout, stderr io.Writer) int { return MainWith(f.child(stdout, stderr), args) },
	})
	return actionExit(code)
}

// actionExit maps the action's exit code onto the CLI's errors; the details
// were printed (and annotated) already, so the message only points up.
func actionExit(code int) error {
	if code == ExitOK {
		return nil
	}
	return &silentExit{Code: code}
}

// child is a fresh factory with f's side effects and global flags, writing to
// other streams: for commands run in-process by another command.
func (f *Factory) child(stdout, stderr io.Writer) *Factory {
	g := NewFactory(f.In, stdout, stderr)
	g.Getenv, g.Now, g.HTTP, g.RunPython, g.LookPath = f.Getenv, f.Now, f.HTTP, f.RunPython, f.LookPath
	g.ConfigPath, g.PythonFlag = f.ConfigPath, f.PythonFlag
	return g
}
