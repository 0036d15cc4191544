// Package errpattern sorts failure messages into the guide's error categories
// (memory_error, missing_implementation, shape_mismatch, unsupported_operation,
// compilation_error) and a few more, each with a suggested solution.
package errpattern
