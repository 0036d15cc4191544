// Package reporter turns test results into what people and tools read:
// compatibility matrices (terminal table, GitHub markdown, JSON, CSV) and
// JUnit XML.
//
// It works on plain values (results.Result slices, architecture lists,
// platform keys) and never opens a database; callers read the store and pass
// the values in.
package reporter
