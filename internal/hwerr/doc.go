// Package hwerr holds the errors a user can act on and maps every error to
// hwcov's exit code, for the CLI and the action alike.
package hwerr
