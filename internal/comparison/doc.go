// Package comparison loads a pull request's head database and its base,
// compares them and assembles what the pull request is told: the report, the
// head's matrix, labels of both sides, the verdict and the annotations.
package comparison
