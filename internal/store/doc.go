// Package store keeps runs and test results in a DuckDB file: the guide's
// tables plus hwcov's additions, with forward schema migrations.
//
// A DB implements results.Store. Every Record is its own transaction, so a
// shard that is killed keeps each result it finished. Result ids are a 63-bit
// hash of (run id, test id, attempt) (see ResultID), so files written by
// different shards merge without collisions and recording the same attempt
// twice keeps one row.
//
// Open classifies the ways a file can be unusable into sentinel errors the CLI
// turns into hints: ErrNotFound, ErrLocked, ErrCorrupt, ErrNewerSchema and
// ErrOldSchema. All DuckDB-specific code lives in this package.
package store
