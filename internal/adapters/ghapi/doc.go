// Package ghapi is hwcov's GitHub client: go-github v62 configured from
// GITHUB_API_URL and GITHUB_TOKEN (GitHub Enterprise Server included), with
// retries that honour GitHub's rate limits, and the few operations hwcov
// needs: the sticky pull request comment, check runs with annotations, the
// base branch's results artifact, and for bot pull requests the git data API
// (blobs, trees, commits, branches, compare) and pull requests with labels.
//
// Retries happen in the HTTP transport beneath go-github: 5xx answers, 429,
// and 403 secondary or primary rate limits are retried a bounded number of
// times, waiting as long as Retry-After (or x-ratelimit-reset) says, else
// with exponential backoff (at least a minute for a secondary limit, as
// GitHub's documentation asks). The sleep is injectable so tests do not wait.
//
// The token is sent only in the Authorization header of API requests, never
// to the storage an artifact download redirects to, never logged, and
// replaced by "***" in every error this package returns.
package ghapi
