// Package e2e checks hwcov's CI artefacts as a whole. Its main test runs the
// generated workflow end to end under nektos/act in host mode: plan, one test
// job per shard on two hardware labels mapped to this machine, and the report
// job that merges every shard. act is pinned in the tools module
// (../../../tools/go.mod) and built once into a cache folder; the test is
// skipped under -short and when act cannot be built.
//
// testdata/actions holds stand-ins for the remote actions the workflow uses
// (actions/upload-artifact@v4 and download-artifact@v4 through a local
// folder, actions/setup-go@v5 as a check that Go is installed, and
// setup-go-forbidden, which fails a job that was to install a release),
// mapped with act's --local-repository; on GitHub the real actions run.
//
// The action's install path runs under act too (action_install_test.go):
// hwcov/hwcov@v1.2.3 against a release the fake GitHub serves (download,
// SHA-256 check, tool cache, the moving tag v1 resolved), a checksum
// mismatch, a branch ref built from source, and a version without a
// release. BenchmarkActionSetup times the set-up of each (BENCHMARKS.md).
// release_test.go checks .goreleaser.yaml and the release workflow against
// the archive names action.yml downloads.
//
// The other tests check what cannot run here: the Dockerfile (no Docker
// engine) is parsed, runners/register/register.sh runs with --dry-run, and the
// actions-runner-controller values are read.
package e2e
