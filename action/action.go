package action

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"
)

// Exit codes, the same as the CLI's.
const (
	ExitOK       = 0
	ExitFailed   = 1
	ExitUsage    = 2
	ExitInternal = 3
	// ExitInfra: the runner is not set up for some tests (infra_error).
	ExitInfra = 4
	// ExitInterrupted: 128+SIGINT.
	ExitInterrupted = 130
)

// CLIFunc runs hwcov with args in-process, writing to stdout and stderr, and
// returns its exit code.
type CLIFunc func(args []string, stdout, stderr io.Writer) int

// Options are what Run takes from the outside world.
type Options struct {
	Getenv func(string) string // the step's environment
	Stdout io.Writer           // the step log: workflow commands go here
	Stderr io.Writer
	CLI    CLIFunc
	Now    func() time.Time // for "which schedule entry is due"
}

// runner carries one Run.
type runner struct {
	o   Options
	gha *githubactions.Action
	in  Inputs
}

// Run reads the inputs, runs the command and writes outputs, summary and
// annotations. It returns the exit code for the step: the CLI's, or 1 when
// fail-on-error is set and a test failed, or 2 for a wrong input.
func Run(o Options) int {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	r := &runner{o: o, gha: githubactions.New(githubactions.WithGetenv(o.Getenv), githubactions.WithWriter(o.Stdout))}
	in, err := ReadInputs(r.gha)
	if err != nil {
		return r.fail(ExitUsage, err, "see the inputs in action.yml (docs/ci.md)")
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
	code, _ := r.cli("hwcov "+strings.Join(in.Command, " "), args, false)
	return code
}

// fail annotates err and returns code.
func (r *runner) fail(code int, err error, hint string) int {
	msg := err.Error()
	if hint != "" {
		msg += " (try: " + hint + ")"
	}
	r.gha.WithFieldsMap(map[string]string{"title": "hwcov"}).Errorf("%s", msg)
	fmt.Fprintf(r.o.Stderr, "hwcov action: %s\n", msg)
	return code
}

// globalFlags are the flags every command takes from the inputs.
func (r *runner) globalFlags() []string {
	if r.in.Python != "" {
		return []string{"--python", r.in.Python}
	}
	return nil
}

// cli runs one hwcov command line inside a log group and returns its exit
// code and, when capture is set, its stdout.
func (r *runner) cli(title string, args []string, capture bool) (int, []byte) {
	r.gha.Group(title)
	defer r.gha.EndGroup()
	return r.exec(args, capture, false)
}

// exec runs one hwcov command line. With untrusted set, workflow commands in
// its output (a test printing "::set-output ...") are not obeyed.
func (r *runner) exec(args []string, capture, untrusted bool) (int, []byte) {
	fmt.Fprintf(r.o.Stdout, "hwcov %s\n", quoteArgs(args))
	var token string
	if untrusted {
		token = randomToken()
		r.gha.IssueCommand(&githubactions.Command{Name: "stop-commands", Message: token})
	}
	var buf bytes.Buffer
	out := r.o.Stdout
	if capture {
		out = io.MultiWriter(r.o.Stdout, &buf)
	}
	code := r.o.CLI(args, out, r.o.Stderr)
	if untrusted {
		fmt.Fprintf(r.o.Stdout, "\n::%s::\n", token)
	}
	return code, buf.Bytes()
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
