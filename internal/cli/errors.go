package cli

import (
	"errors"
	"io"
	"strings"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/store"
	"github.com/hwcov/hwcov/planner"
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

// mapError gives the domain packages' typed errors their hint: planner
// options, labels and plan files, template files.
func mapError(err error) error {
	if err == nil || asErr(err, new(*usageError)) {
		return err
	}
	if pe := plannerError(err); pe != err {
		return pe
	}
	var fe *store.FileError
	if errors.As(err, &fe) {
		return dbError(fe.Path, fe.Side, fe.Err)
	}
	return generator.UsageError(err)
}

// plannerError turns the planner's typed errors into usage errors.
func plannerError(err error) error {
	var oe *planner.OptionsError
	var le *planner.LabelError
	var pe *planner.PlanFileError
	var ue *planner.UnknownShardError
	switch {
	case errors.As(err, &oe):
		return usagef(oe.Hint, "%v", err)
	case errors.As(err, &le):
		return usagef("fix runner_labels in the platform's JSON (hwcov hardware show "+le.Platform+")", "%v", err)
	case errors.As(err, &pe):
		return usagef("regenerate it with `hwcov plan --out plan.json`", "%v", err)
	case errors.As(err, &ue):
		return usagef("one of: "+strings.Join(ue.Known, ", "), "%v", err)
	}
	return err
}
