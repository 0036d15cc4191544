// Package ghfake is a stateful stand-in for the GitHub REST API that tests
// run hwcov's GitHub client against: it validates every request against
// GitHub's own OpenAPI description, keeps the state hwcov reads and writes,
// injects faults, and records every request for assertions.
//
// The server answers under a path prefix (/api/v3/, as GitHub Enterprise
// Server does), so a client that builds an absolute URL by hand fails loudly.
// Each request is matched to an operation of testdata/github-openapi (path
// segments are matched here: kin-openapi's routers cannot match {ref} and
// {path} values that contain slashes) and checked with
// openapi3filter.ValidateRequest, plus a check that every query parameter is
// one the operation declares. A request that fails is answered 400 and
// recorded in Errors, which NewT turns into a test failure.
//
// State: issue comments (paginated with Link headers, with their authors),
// check runs and their annotations (listed per commit), pull requests
// (opened, listed by state/head/base, edited, closed, labelled), a git
// repository (blobs with git's object ids, flat trees, commits, branches
// moved, forced or deleted as GitHub does, compare BASE...HEAD; main starts
// with one commit, and Push adds a person's commit), workflow runs and their
// artifacts, and releases with their assets (PublishRelease; on the server's
// repository or another one, such as the action's own, whose release
// operations then answer). An artifact download answers 302 to a second server, as GitHub
// redirects to blob storage; that server refuses a request that carries an
// Authorization header, since the token must not leave GitHub. A release
// asset downloads the same way (GET .../releases/assets/{id} with Accept:
// application/octet-stream), or from its browser_download_url, which the
// storage server also answers (BlobURL is then GITHUB_SERVER_URL). GET /user
// answers the token's login, or 403 as it does for an Actions GITHUB_TOKEN.
//
// Fail makes the next requests answer 5xx, 429 with Retry-After, or 403
// secondary rate limit, without touching state; an Applied fault (such as
// AppliedServerError) serves the request first, so a write lands and the
// client still sees the failure. Listing the runs of a workflow file that
// no run or AddWorkflow names answers 404, as GitHub does for a file that
// is not on the default branch yet.
package ghfake
