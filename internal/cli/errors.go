package cli

import (
	"errors"
	"io"
	"strings"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
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
	var ce *catalog.UnknownError
	if errors.As(err, &ce) || errors.Is(err, catalog.ErrNoPopularity) {
		return selectError(err)
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

// selectError turns catalog selection errors into usage errors with hints.
func selectError(err error) error {
	var ue *catalog.UnknownError
	switch {
	case errors.As(err, &ue):
		hint := "hwcov catalog list"
		if ue.Kind == "category" {
			hint = "hwcov catalog list --summary"
		}
		return usagef(hint, "%v", err)
	case errors.Is(err, catalog.ErrNoPopularity):
		return usagef("hwcov catalog sync --popularity", "%v", err)
	case strings.Contains(err.Error(), "popularity rank"):
		return usagef("--popularity-rank 1-50", "%v", err)
	}
	return err
}

// dbError gives the store's sentinel errors a hint; side names the database
// ("base", "head") or is empty.
func dbError(path, side string, err error) error {
	what := strings.TrimSpace(side + " database")
	switch {
	case errors.Is(err, store.ErrNotFound):
		return usagef("hwcov run --priority key --hardware cpu --db "+path, "%s %q does not exist", what, path)
	case errors.Is(err, store.ErrLocked):
		return usagef("wait for the other hwcov to finish, or pass another --db", "%s %q is locked by another process", what, path)
	case errors.Is(err, store.ErrCorrupt):
		return usagef("move the file aside, or pass another --db", "%s %q is not an hwcov DuckDB database (corrupt or another format)", what, path)
	case errors.Is(err, store.ErrNewerSchema):
		return usagef("upgrade hwcov", "%s %q was written by a newer hwcov", what, path)
	case errors.Is(err, store.ErrOldSchema):
		return usagef("open it once with a writing command (e.g. hwcov run) to migrate it", "%s %q needs a schema migration", what, path)
	case errors.Is(err, store.ErrNotHwcov):
		// The error names the file and the object; nothing of the file's
		// content is read, so it is safe to print.
		return usagef("pass a database that hwcov run or hwcov merge wrote; this one may have been tampered with", "%v", err)
	case errors.Is(err, store.ErrBadPath):
		return usagef("pass a .duckdb file in a writable folder, e.g. --db results/hwcov.duckdb", "%v", err)
	}
	return err
}
