// Package runners executes a shard of generated tests in long-lived Python
// worker processes and records each result in a results.Store as soon as the
// test ends.
//
// An Executor starts Workers worker processes (`python -u -m
// hwcov_harness.worker`), each in its own process group, and feeds them jobs
// from one queue over a JSON-lines protocol on the worker's stdin and stdout.
// Python, torch and transformers are imported once per worker, not once per
// test. A test that hangs past its timeout has its worker's whole process
// group killed and is recorded as "timeout"; a test that takes the worker down
// (segfault, out-of-memory kill, os._exit, a malformed protocol line) is
// recorded as "crash" with the signal or exit code and the tail of the
// worker's stderr. Either way a fresh worker is started and the shard goes on,
// so one bad test never costs the results of the others.
//
// Progress reports the shard as it runs: NewProgress picks a single updating
// terminal line, plain log lines, or GitHub Actions log groups.
//
// The Python side of the protocol lives in runners/python/hwcov_harness.
package runners
