// Package botpr turns verified template patches into pull requests through
// GitHub's REST API: one branch and one pull request per patch rule, with a
// body that shows the failures addressed, the measured before/after matrix
// and a hidden provenance block, updated by later runs, left alone once a
// person commits to it, and closed when its failures are gone.
//
// Its input is a value, Proposal, which `hwcov patch verify` produces; its
// output is a Report. Commits are made with the git data API (blobs, trees,
// commits, refs), so no local git or credentials are needed and GitHub
// signs them. The default branch is never written.
package botpr
