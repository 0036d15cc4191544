// Package cli builds hwcov's command tree: one options struct, constructor and
// run function per command, all calling the domain packages. Main is the
// in-process entry point used by cmd/hwcov and by the testscript tests. The
// long help and examples of every command are in help/*.md (see help.go).
package cli
