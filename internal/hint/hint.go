package hint

import (
	"errors"
	"net/http"
	"strings"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/adapters/ghapi"
	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/planner"
)

// Map gives the domain packages' typed errors their hint: planner
// options, labels and plan files, template files.
func Map(err error) error {
	if err == nil || errors.As(err, new(*hwerr.UsageError)) {
		return err
	}
	if pe := Planner(err); pe != err {
		return pe
	}
	var fe *store.FileError
	if errors.As(err, &fe) {
		return DB(fe.Path, fe.Side, fe.Err)
	}
	var ce *catalog.UnknownError
	if errors.As(err, &ce) || errors.Is(err, catalog.ErrNoPopularity) {
		return Select(err)
	}
	return generator.UsageError(err)
}

// Planner turns the planner's typed errors into usage errors.
func Planner(err error) error {
	var oe *planner.OptionsError
	var le *planner.LabelError
	var pe *planner.PlanFileError
	var ue *planner.UnknownShardError
	switch {
	case errors.As(err, &oe):
		return hwerr.Usagef(oe.Hint, "%v", err)
	case errors.As(err, &le):
		return hwerr.Usagef("fix runner_labels in the platform's JSON (hwcov hardware show "+le.Platform+")", "%v", err)
	case errors.As(err, &pe):
		return hwerr.Usagef("regenerate it with `hwcov plan --out plan.json`", "%v", err)
	case errors.As(err, &ue):
		return hwerr.Usagef("one of: "+strings.Join(ue.Known, ", "), "%v", err)
	}
	return err
}

// Select turns catalog selection errors into usage errors with hints.
func Select(err error) error {
	var ue *catalog.UnknownError
	switch {
	case errors.As(err, &ue):
		hint := "hwcov catalog list"
		if ue.Kind == "category" {
			hint = "hwcov catalog list --summary"
		}
		return hwerr.Usagef(hint, "%v", err)
	case errors.Is(err, catalog.ErrNoPopularity):
		return hwerr.Usagef("hwcov catalog sync --popularity", "%v", err)
	case strings.Contains(err.Error(), "popularity rank"):
		return hwerr.Usagef("--popularity-rank 1-50", "%v", err)
	}
	return err
}

// DB gives the store's sentinel errors a hint; side names the database
// ("base", "head") or is empty.
func DB(path, side string, err error) error {
	what := strings.TrimSpace(side + " database")
	switch {
	case errors.Is(err, store.ErrNotFound):
		return hwerr.Usagef("hwcov run --priority key --hardware cpu --db "+path, "%s %q does not exist", what, path)
	case errors.Is(err, store.ErrLocked):
		return hwerr.Usagef("wait for the other hwcov to finish, or pass another --db", "%s %q is locked by another process", what, path)
	case errors.Is(err, store.ErrCorrupt):
		return hwerr.Usagef("move the file aside, or pass another --db", "%s %q is not an hwcov DuckDB database (corrupt or another format)", what, path)
	case errors.Is(err, store.ErrNewerSchema):
		return hwerr.Usagef("upgrade hwcov", "%s %q was written by a newer hwcov", what, path)
	case errors.Is(err, store.ErrOldSchema):
		return hwerr.Usagef("open it once with a writing command (e.g. hwcov run) to migrate it", "%s %q needs a schema migration", what, path)
	case errors.Is(err, store.ErrNotHwcov):
		// The error names the file and the object; nothing of the file's
		// content is read, so it is safe to print.
		return hwerr.Usagef("pass a database that hwcov run or hwcov merge wrote; this one may have been tampered with", "%v", err)
	case errors.Is(err, store.ErrBadPath):
		return hwerr.Usagef("pass a .duckdb file in a writable folder, e.g. --db results/hwcov.duckdb", "%v", err)
	}
	return err
}

// GitHub gives GitHub's errors a hint by status: a token that does not
// authenticate, or a job without the permissions.
func GitHub(err error) error {
	var ge *ghapi.Error
	if errors.As(err, &ge) {
		switch ge.Status {
		case http.StatusUnauthorized:
			return hwerr.Usagef("check GITHUB_TOKEN", "%v", err)
		case http.StatusForbidden, http.StatusNotFound:
			return hwerr.Usagef("give the job permissions: pull-requests: write, checks: write, actions: read", "%v", err)
		}
	}
	return err
}
