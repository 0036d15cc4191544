// Package workspace is the repository hwcov works in: it reads hwcov.yaml,
// the catalog (synced or embedded), the custom hardware platforms and the
// templates folder, and finds the Python interpreter and the harness.
package workspace
