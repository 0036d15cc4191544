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
// turns into hints: ErrNotFound, ErrLocked, ErrCorrupt, ErrNewerSchema,
// ErrOldSchema, ErrNotHwcov and ErrBadPath. All DuckDB-specific code lives in
// this package.
//
// Every file is data someone else may have written (shards and baselines are
// artifacts a fork's workflow can upload). DuckDB runs with external access
// disabled and its configuration locked, so no SQL can read a file but the
// database's own, and a file that holds a view or a macro (SQL that would run
// when hwcov reads it) is refused with ErrNotHwcov before any row is read.
// Merge can still attach shards because a writable database may read one
// private staging folder, into which each shard is linked first. Export
// writes CSV, JSON or Parquet the same way: a private in-memory DuckDB
// attaches the file from its staging folder and COPYs into that folder, and
// the file is then moved to where the user asked.
package store
