// Package shard runs one shard of tests: it picks the shard's tests (from a
// plan, a folder of generated tests, or a model selection), turns them into
// runner jobs, runs them in Python workers and records every result, for
// `hwcov run`, `hwcov reference` and the action alike.
package shard
