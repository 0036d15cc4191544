package cli

import (
	"fmt"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
)

// githubRetry tunes the GitHub client's retries; tests set Sleep so that
// rate limits do not make them wait.
var githubRetry ghapi.Retry

// githubClient builds the GitHub client from GITHUB_API_URL and
// GITHUB_TOKEN, logging retries to stderr.
func githubClient(f *Factory) (*ghapi.Client, error) {
	opts := ghapi.OptionsFromEnv(f.Getenv)
	if opts.Token == "" {
		return nil, usagef("in a workflow: env: { GITHUB_TOKEN: ${{ github.token }} }", "GITHUB_TOKEN is not set")
	}
	if f.HTTP != nil && f.HTTP.Transport != nil {
		opts.Transport = f.HTTP.Transport
	}
	opts.UserAgent = "hwcov/" + version()
	opts.Retry = githubRetry
	opts.Log = func(s string) { fmt.Fprintln(f.Err, "hwcov: "+s) }
	c, err := ghapi.New(opts)
	if err != nil {
		return nil, usagef("unset GITHUB_API_URL for github.com, or set https://HOST/api/v3 for GitHub Enterprise Server", "%v", err)
	}
	return c, nil
}

// githubRepo is --repo, else $GITHUB_REPOSITORY.
func githubRepo(f *Factory, flag string) (ghapi.Repo, error) {
	s := flag
	if s == "" {
		s = f.Getenv("GITHUB_REPOSITORY")
	}
	if s == "" {
		return ghapi.Repo{}, usagef("--repo owner/name", "no repository: pass --repo or set GITHUB_REPOSITORY")
	}
	r, err := ghapi.ParseRepo(s)
	if err != nil {
		return r, usagef("--repo owner/name", "%v", err)
	}
	return r, nil
}

// githubSession is githubRepo and githubClient together: what every command
// that calls GitHub starts with.
func githubSession(f *Factory, repoFlag string) (ghapi.Repo, *ghapi.Client, error) {
	repo, err := githubRepo(f, repoFlag)
	if err != nil {
		return repo, nil, err
	}
	gh, err := githubClient(f)
	return repo, gh, err
}
