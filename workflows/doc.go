// Package workflows renders hwcov's GitHub Actions workflows: the reusable
// workflow (plan, one test job per shard on the shard's runner labels,
// report), the caller workflow `hwcov workflow generate` writes into a user's
// repository (pull_request and the schedule's cron triggers), and the
// workflow_run workflow that comments on pull requests from forks.
//
// hwcov.yml and hwcov-comment.yml in this folder are the rendered defaults,
// embedded in the binary; a test keeps them, the examples/ folder and the
// repository's .github/workflows/hwcov.yml equal to what this package renders
// (go test ./workflows -update rewrites them).
package workflows
