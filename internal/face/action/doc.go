// Package action is hwcov's GitHub Actions adapter: it reads the composite
// action's inputs, maps them onto the same command lines the CLI takes (plan,
// run, merge, report, or any other command), runs them in-process, and writes
// the step outputs, the job summary, log groups and error annotations that
// point at the generated test file of each failed test.
//
// The environment comes in as a function and the CLI as a callback, so tests
// drive it with plain values; nothing here calls os.Getenv.
package action
