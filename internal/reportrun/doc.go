// Package reportrun reads what the reports of `hwcov report` are made of
// from a workspace's database (results, fingerprints, runs) and builds them
// with the reporter: the matrix, failure groups, coverage, trends, the
// coverage plan, performance tables and the dashboard's data.
package reportrun
