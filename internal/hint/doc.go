// Package hint gives the domain packages' typed errors (planner options
// and plan files, catalog selections, store files, template files) the
// user's next step: a *hwerr.UsageError with its Try: hint, for the CLI and
// the action alike. hwerr then maps every error to its exit code.
package hint
