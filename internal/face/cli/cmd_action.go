package cli

import (
	"cmp"
	"context"
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/face/action"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners/shard"
)

// NewCmdAction builds `hwcov action`, the entry point of action.yml.
func NewCmdAction(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "action",
		Short: "Run as the hwcov GitHub Action: read INPUT_* variables, write outputs, summary and annotations",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runAction(f) },
	}
}

// runAction needs no options: the action reads its inputs from the environment.
func runAction(f *Factory) error {
	return action.Run(action.Options{Getenv: f.Getenv, Stdout: f.Out, Stderr: f.Err, Now: f.Now, Cmd: actionCommands{f}})
}

// actionCommands run the action's commands in-process, as hwcov would, and
// hand back their result values.
type actionCommands struct{ f *Factory }

// actionExec runs args with a child factory writing to stdout and stderr, and
// returns the value of type T the command yields.
func actionExec[T any](c actionCommands, args []string, stdout, stderr io.Writer) (T, error) {
	var v T
	g := c.f.child(stdout, stderr)
	g.yield = func(x any) {
		if t, ok := x.(T); ok {
			v = t
		}
	}
	return v, execute(g, args)
}

func (c actionCommands) Plan(args []string, stdout, stderr io.Writer) (planner.GitHubMatrix, error) {
	plan, err := actionExec[*planner.Plan](c, args, stdout, stderr)
	if err != nil || plan == nil {
		return planner.GitHubMatrix{}, err
	}
	m, err := plan.GitHubMatrix()
	if errors.Is(err, planner.ErrNoJobs) {
		return planner.GitHubMatrix{Include: []planner.GitHubJob{}}, nil
	}
	return m, err
}

func (c actionCommands) Run(args []string, stdout, stderr io.Writer) ([]results.Result, error) {
	res, err := actionExec[shard.Result](c, args, stdout, stderr)
	if res.DB == "" {
		return nil, err
	}
	db, openErr := openDB(c.f, res.DB, true)
	if openErr != nil {
		return nil, cmp.Or(err, openErr)
	}
	defer db.Close()
	rs, readErr := db.Results(context.Background(), res.Run.RunID)
	return rs, cmp.Or(err, readErr)
}

func (c actionCommands) Merge(args []string, stdout, stderr io.Writer) (string, error) {
	line, err := actionExec[mergeLine](c, args, stdout, stderr)
	return string(line), err
}

func (c actionCommands) Matrix(args []string, stdout, stderr io.Writer) (reporter.Matrix, error) {
	return actionExec[reporter.Matrix](c, args, stdout, stderr)
}

func (c actionCommands) Exec(args []string, stdout, stderr io.Writer) error {
	return execute(c.f.child(stdout, stderr), args)
}

// child is a fresh factory with f's side effects and global flags, writing to
// other streams: for commands run in-process by another command.
func (f *Factory) child(stdout, stderr io.Writer) *Factory {
	g := NewFactory(f.In, stdout, stderr)
	g.Getenv, g.Now, g.HTTP, g.RunPython, g.LookPath = f.Getenv, f.Now, f.HTTP, f.RunPython, f.LookPath
	g.ConfigPath, g.PythonFlag = f.ConfigPath, f.PythonFlag
	return g
}
