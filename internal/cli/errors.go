package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit codes, mapped in one place.
const (
	ExitOK       = 0 // success
	ExitFailed   = 1 // tests failed or a regression was found (policy)
	ExitUsage    = 2 // the user's input is wrong
	ExitInternal = 3 // hwcov failed
	// ExitInfra says the runner is not set up to run the tests (its Python
	// lacks torch or the platform's package, no browser): the tests were
	// recorded as infra_error, not as failures.
	ExitInfra = 4
	// ExitInterrupted is 128+SIGINT: the command was interrupted (Ctrl-C or
	// SIGTERM); what it committed is kept.
	ExitInterrupted = 130
)

// usageError is a mistake of the user's: printed as one line and a hint.
type usageError struct {
	msg  string
	hint string
	err  error
}

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error with a hint.
func usagef(hint, format string, args ...any) error {
	var wrapped error
	for _, a := range args {
		if e, ok := a.(error); ok {
			wrapped = e
		}
	}
	return &usageError{msg: fmt.Sprintf(format, args...), hint: hint, err: wrapped}
}

// policyError says that the command worked and its verdict is "failed".
type policyError struct{ msg string }

func (e *policyError) Error() string { return e.msg }

// infraError says the runner is not set up for some tests: printed as one
// line per problem and the fix.
type infraError struct {
	msg   string
	fixes []string
}

func (e *infraError) Error() string { return e.msg }

// interruptedError says the command was stopped by a signal.
type interruptedError struct{ msg string }

func (e *interruptedError) Error() string { return e.msg }

// silentExit carries an exit code whose message was printed already (by a
// command run in-process on the user's behalf).
type silentExit struct{ code int }

func (e *silentExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitCode prints err and returns the exit code for it.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ue *usageError
	var pe *policyError
	var se *silentExit
	var ie *infraError
	var xe *interruptedError
	switch {
	case errors.As(err, &se):
		return se.code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "hwcov: %s\n", oneLine(ue.msg))
		if ue.hint != "" {
			fmt.Fprintf(stderr, "Try: %s\n", ue.hint)
		}
		return ExitUsage
	case errors.As(err, &xe):
		fmt.Fprintf(stderr, "hwcov: interrupted: %s\n", oneLine(xe.msg))
		return ExitInterrupted
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "hwcov: interrupted")
		return ExitInterrupted
	case errors.As(err, &ie):
		fmt.Fprintf(stderr, "hwcov: %s\n", oneLine(ie.msg))
		for _, fix := range ie.fixes {
			fmt.Fprintf(stderr, "Try: %s\n", fix)
		}
		return ExitInfra
	case errors.As(err, &pe):
		fmt.Fprintf(stderr, "hwcov: %s\n", oneLine(pe.msg))
		return ExitFailed
	default:
		fmt.Fprintf(stderr, "hwcov: %s\n", oneLine(err.Error()))
		return ExitInternal
	}
}

// errInterrupted is the cause of the command's context when a signal
// arrives.
var errInterrupted = errors.New("interrupted")

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

// asErr is errors.As for call sites that read better without the import.
func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
