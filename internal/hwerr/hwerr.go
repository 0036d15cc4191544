package hwerr

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit codes, mapped in one place (Exit).
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

// UsageError is a mistake of the user's: printed as one line and a hint.
type UsageError struct {
	Msg  string
	Hint string
	Err  error
}

func (e *UsageError) Error() string { return e.Msg }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a usage error with a hint; an error among args is wrapped.
func Usagef(hint, format string, args ...any) error {
	var wrapped error
	for _, a := range args {
		if e, ok := a.(error); ok {
			wrapped = e
		}
	}
	return &UsageError{Msg: fmt.Sprintf(format, args...), Hint: hint, Err: wrapped}
}

// PolicyError says that the command worked and its verdict is "failed".
type PolicyError struct{ Msg string }

func (e *PolicyError) Error() string { return e.Msg }

// InfraError says the runner is not set up for some tests: printed as one
// line and the fix of each problem.
type InfraError struct {
	Msg   string
	Fixes []string
}

func (e *InfraError) Error() string { return e.Msg }

// InterruptedError says the command was stopped by a signal.
type InterruptedError struct{ Msg string }

func (e *InterruptedError) Error() string { return e.Msg }

// SilentExit carries an exit code whose message was printed already.
type SilentExit struct{ Code int }

func (e *SilentExit) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ErrInterrupted is the cause of a command's context when a signal arrives.
var ErrInterrupted = errors.New("interrupted")

// Exit prints err on stderr (one line, then its Try: hints) and returns its
// exit code.
func Exit(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ue *UsageError
	var pe *PolicyError
	var se *SilentExit
	var ie *InfraError
	var xe *InterruptedError
	switch {
	case errors.As(err, &se):
		return se.Code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "hwcov: %s\n", OneLine(ue.Msg))
		if ue.Hint != "" {
			fmt.Fprintf(stderr, "Try: %s\n", ue.Hint)
		}
		return ExitUsage
	case errors.As(err, &xe):
		fmt.Fprintf(stderr, "hwcov: interrupted: %s\n", OneLine(xe.Msg))
		return ExitInterrupted
	case errors.Is(err, ErrInterrupted):
		fmt.Fprintln(stderr, "hwcov: interrupted")
		return ExitInterrupted
	case errors.As(err, &ie):
		fmt.Fprintf(stderr, "hwcov: %s\n", OneLine(ie.Msg))
		for _, fix := range ie.Fixes {
			fmt.Fprintf(stderr, "Try: %s\n", fix)
		}
		return ExitInfra
	case errors.As(err, &pe):
		fmt.Fprintf(stderr, "hwcov: %s\n", OneLine(pe.Msg))
		return ExitFailed
	default:
		fmt.Fprintf(stderr, "hwcov: %s\n", OneLine(err.Error()))
		return ExitInternal
	}
}

// OneLine is the first line of s, with " …" when more followed.
func OneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

// Tail is the last n bytes of a subprocess's stderr, on one line, for its
// error message.
func Tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.ReplaceAll(s, "\n", " | ")
}
