// Package hardware describes the platforms hwcov tests on (built-in and custom,
// in the guide's JSON format), the runner labels each maps to, the rule that
// says whether an architecture is compatible with a platform, and detection of
// what this machine can run.
package hardware
