// Package testid names one cell of the test matrix with a single stable id,
// such as "bert@cpu/fp32/b1/s128", used in plans, generated files, DuckDB rows,
// JUnit names, PR comments and annotations.
package testid
