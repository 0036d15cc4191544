package action

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/reporter"
)

// Commands are the CLI's use cases as the action calls them. Each takes the
// command line the CLI parses (the inputs' flags, then args) and returns
// values; an error is the CLI's own, mapped to the exit code in one place
// (hwerr.Exit) by the caller.
type Commands interface {
	// Plan writes the plan file and returns the GitHub matrix of its shards.
	Plan(args []string, stdout, stderr io.Writer) (planner.GitHubMatrix, error)
	// Run runs a shard and returns its results, also when err is set.
	Run(args []string, stdout, stderr io.Writer) ([]results.Result, error)
	// Merge merges shard databases and returns its one-line account.
	Merge(args []string, stdout, stderr io.Writer) (string, error)
	// Matrix builds the compatibility matrix of a database.
	Matrix(args []string, stdout, stderr io.Writer) (reporter.Matrix, error)
	// Exec runs any other command.
	Exec(args []string, stdout, stderr io.Writer) error
}

// Options are what Run takes from the outside world.
type Options struct {
	Getenv func(string) string // the step's environment
	Stdout io.Writer           // the step log: workflow commands go here
	Stderr io.Writer
	Cmd    Commands
	Now    func() time.Time // for "which schedule entry is due"
}

// runner carries one Run.
type runner struct {
	o   Options
	gha *githubactions.Action
	in  Inputs
}

// Run reads the inputs, runs the command and writes outputs, summary and
// annotations. Its error is the command's, or a *hwerr.PolicyError when
// fail-on-error is set and a test failed, or a usage error for a wrong input.
func Run(o Options) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	r := &runner{o: o, gha: githubactions.New(githubactions.WithGetenv(o.Getenv), githubactions.WithWriter(o.Stdout))}
	in, err := ReadInputs(r.gha)
	if err != nil {
		return r.usage(err, "see the inputs in action.yml (docs/ci.md)")
	}
	r.in = in
	switch strings.Join(in.Command, " ") {
	case "plan":
		return r.plan()
	case "run":
		return r.run()
	case "merge":
		return r.merge()
	case "report", "report matrix":
		return r.report()
	}
	args := append(append(append([]string{}, in.Command...), in.Args...), r.globalFlags()...)
	r.group("hwcov "+strings.Join(in.Command, " "), args)
	defer r.gha.EndGroup()
	return r.o.Cmd.Exec(args, r.o.Stdout, r.o.Stderr)
}

// fail annotates err and returns it; the caller prints it (hwerr.Exit).
func (r *runner) fail(err error) error {
	r.gha.WithFieldsMap(map[string]string{"title": "hwcov"}).Errorf("%s", err.Error())
	return err
}

// usage annotates a wrong input and prints it as one line; the step exits
// with the usage code.
func (r *runner) usage(err error, hint string) error {
	msg := err.Error()
	if hint != "" {
		msg += " (try: " + hint + ")"
	}
	r.gha.WithFieldsMap(map[string]string{"title": "hwcov"}).Errorf("%s", msg)
	fmt.Fprintf(r.o.Stderr, "hwcov action: %s\n", msg)
	return &hwerr.SilentExit{Code: hwerr.ExitUsage}
}

// globalFlags are the flags every command takes from the inputs.
func (r *runner) globalFlags() []string {
	if r.in.Python != "" {
		return []string{"--python", r.in.Python}
	}
	return nil
}

// group opens a log group and prints the command line it runs.
func (r *runner) group(title string, args []string) {
	r.gha.Group(title)
	fmt.Fprintf(r.o.Stdout, "hwcov %s\n", quoteArgs(args))
}

// untrusted runs fn with workflow commands in its output (a test printing
// "::set-output ...") not obeyed.
func (r *runner) untrusted(fn func()) {
	token := randomToken()
	r.gha.IssueCommand(&githubactions.Command{Name: "stop-commands", Message: token})
	fn()
	fmt.Fprintf(r.o.Stdout, "\n::%s::\n", token)
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "hwcov-" + hex.EncodeToString(b)
}

// quoteArgs prints args so that SplitArgs reads them back.
func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// setOutput sets a step output; outside a runner (no GITHUB_OUTPUT) it logs
// the value instead, since go-githubactions would panic.
func (r *runner) setOutput(k, v string) {
	if r.o.Getenv("GITHUB_OUTPUT") == "" {
		fmt.Fprintf(r.o.Stderr, "hwcov action: output %s=%s (GITHUB_OUTPUT is unset)\n", k, v)
		return
	}
	r.gha.SetOutput(k, v)
}

// addSummary appends markdown to the job summary, when there is one.
func (r *runner) addSummary(md string) {
	if r.o.Getenv("GITHUB_STEP_SUMMARY") == "" {
		return
	}
	r.gha.AddStepSummary(md)
}

// writeFile writes a file the action produces (summary markdown, PR metadata).
func writeFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return nil
}

// readFile reads a file an input names, with an error that names the input.
func readFile(input, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &InputError{input, fmt.Sprintf("file %q does not exist", path)}
	}
	if err != nil {
		return nil, &InputError{input, err.Error()}
	}
	return b, nil
}
