// Package outcome says whose fault a result is: the platform's, hwcov's
// harness's, the infrastructure's, a declared and known limitation, or a
// stated skip. It is the one place that decides the class; the matrix, the
// comparison, the PR comment and the failures report read it from here.
package outcome
