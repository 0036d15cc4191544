//go:build tools

// Package tools pins the development tools hwcov's tests build, in modules of
// their own so that their dependencies stay out of hwcov's go.mod: nektos/act
// v0.2.89 (go.mod's tool directive) and, in ./actionlint, a small runner over
// the actionlint library v1.7.12. Build act with
//
//	go build -o act github.com/nektos/act
//
// from this folder; the tests do it once into $HWCOV_TOOLS_CACHE (default
// ~/.cache/hwcov/tools), keyed on each module's go.mod, go.sum and sources
// (internal/testing/toolbin).
package tools
