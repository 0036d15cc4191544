// Package results holds the domain types every other package speaks: a test
// result, a run, their statuses, and the Store interface that persists them.
package results
