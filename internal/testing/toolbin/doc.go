// Package toolbin builds the development tools pinned in the repository's
// tools/ modules (nektos/act, the actionlint runner) once into a cache folder,
// keyed on the module's go.mod, go.sum and sources, for tests to run.
package toolbin
