package cli

import (
	"errors"
	"io"

	"github.com/hwcov/hwcov/internal/hint"
	"github.com/hwcov/hwcov/internal/hwerr"
)

// Exit codes: hwerr's, the same for the CLI and the action.
const (
	ExitOK          = hwerr.ExitOK
	ExitFailed      = hwerr.ExitFailed
	ExitUsage       = hwerr.ExitUsage
	ExitInternal    = hwerr.ExitInternal
	ExitInfra       = hwerr.ExitInfra
	ExitInterrupted = hwerr.ExitInterrupted
)

type (
	usageError       = hwerr.UsageError
	policyError      = hwerr.PolicyError
	infraError       = hwerr.InfraError
	interruptedError = hwerr.InterruptedError
	silentExit       = hwerr.SilentExit
)

// usagef returns a usage error with a hint.
func usagef(hint, format string, args ...any) error { return hwerr.Usagef(hint, format, args...) }

// exitCode prints err and returns the exit code for it: the one mapping,
// hwerr.Exit.
func exitCode(err error, stderr io.Writer) int { return hwerr.Exit(mapError(err), stderr) }

// errInterrupted is the cause of the command's context when a signal
// arrives.
var errInterrupted = hwerr.ErrInterrupted

// asErr is errors.As for call sites that read better without the import.
func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

// The typed errors' hints: package hint, one place for CLI and action.
var (
	mapError     = hint.Map
	plannerError = hint.Planner
	selectError  = hint.Select
	dbError      = hint.DB
	githubError  = hint.GitHub
)
