// Package reference keeps the CPU reference outputs that platforms are
// validated against: the manifest of stored outputs, updated from a
// reference run's results.
package reference
