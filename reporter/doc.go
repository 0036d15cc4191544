// Package reporter turns test results into what people and tools read:
// compatibility matrices (terminal table, GitHub markdown, JSON, CSV),
// JUnit XML, PR comments, performance tables and the analysis reports
// (coverage, trends, coverage plan, template effectiveness).
//
// It works on plain values (results.Result slices, architecture lists,
// platform keys) and never opens a database; callers read the store and pass
// the values in.
package reporter
