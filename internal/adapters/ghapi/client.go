package ghapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

// DefaultAPIURL is github.com's REST API.
const DefaultAPIURL = "https://api.github.com"

// Options configure a Client. Only Token is required.
type Options struct {
	// APIURL is the REST API's base URL: GITHUB_API_URL
	// (https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise
	// Server). Default DefaultAPIURL.
	APIURL string
	// Token is GITHUB_TOKEN or another token with the permissions the
	// operations need.
	Token string
	// Transport is the HTTP transport beneath the retries (default
	// http.DefaultTransport).
	Transport http.RoundTripper
	// UserAgent is sent with every request (default "hwcov").
	UserAgent string
	// Retry tunes retries; zero fields take DefaultRetry's values.
	Retry Retry
	// Log receives one line per retry ("GitHub answered 503 ...; retrying
	// in 2s"). Default: discard. The token never appears in it.
	Log func(string)
}

// OptionsFromEnv reads GITHUB_API_URL and GITHUB_TOKEN through getenv.
func OptionsFromEnv(getenv func(string) string) Options {
	return Options{APIURL: getenv("GITHUB_API_URL"), Token: getenv("GITHUB_TOKEN")}
}

// ErrNoToken means Options.Token is empty.
var ErrNoToken = errors.New("no GitHub token: set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})")

// Client is an authenticated GitHub client.
type Client struct {
	gh    *github.Client
	token string
	// plain fetches artifact archives from the URL GitHub redirects to,
	// without the token.
	plain *http.Client
	log   func(string)
	retry Retry  // with defaults, for writeOnce
	login string // cached Login
}

// New returns a client for opts.
func New(opts Options) (*Client, error) {
	if opts.Token == "" {
		return nil, ErrNoToken
	}
	api := opts.APIURL
	if api == "" {
		api = DefaultAPIURL
	}
	base, err := url.Parse(api)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL %q: want an http(s) URL such as %s or https://HOST/api/v3", api, DefaultAPIURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	upload := uploadURL(base)
	log := opts.Log
	if log == nil {
		log = func(string) {}
	}
	transport := opts.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	red := func(s string) string { return redact(s, opts.Token) }
	rt := newRetryTransport(transport, opts.Retry, func(s string) { log(red(s)) })
	gh := github.NewClient(&http.Client{Transport: rt}).WithAuthToken(opts.Token)
	gh.BaseURL, gh.UploadURL = base, upload
	gh.UserAgent = opts.UserAgent
	if gh.UserAgent == "" {
		gh.UserAgent = "hwcov"
	}
	plainRT := newRetryTransport(transport, opts.Retry, func(s string) { log(red(s)) })
	plainRT.attemptTimeout = 10 * time.Minute
	return &Client{gh: gh, token: opts.Token, plain: &http.Client{Transport: plainRT}, log: func(s string) { log(red(s)) },
		retry: opts.Retry.withDefaults()}, nil
}

// uploadURL derives the uploads URL: uploads.github.com for github.com,
// HOST/api/uploads/ for GitHub Enterprise Server, else the API URL itself.
func uploadURL(base *url.URL) *url.URL {
	u := *base
	switch {
	case u.Host == "api.github.com":
		u.Host, u.Path = "uploads.github.com", "/"
	case strings.HasSuffix(u.Path, "/api/v3/"):
		u.Path = strings.TrimSuffix(u.Path, "v3/") + "uploads/"
	}
	return &u
}

// GitHub is the underlying go-github client, for calls this package does
// not wrap. Its errors are not redacted.
func (c *Client) GitHub() *github.Client { return c.gh }

// BaseURL is the API URL requests go to, with its trailing slash.
func (c *Client) BaseURL() string { return c.gh.BaseURL.String() }

// Repo names a repository.
type Repo struct {
	Owner, Name string
}

// ParseRepo reads "owner/name" (GITHUB_REPOSITORY).
func ParseRepo(s string) (Repo, error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") || strings.ContainsAny(s, " \t\n?#") {
		return Repo{}, fmt.Errorf("repository %q: want owner/name, as in GITHUB_REPOSITORY", s)
	}
	return Repo{owner, name}, nil
}

func (r Repo) String() string { return r.Owner + "/" + r.Name }

// redact replaces the token in s.
func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "***")
}

// Error is an error from a GitHub operation, with the token redacted from
// its message. Unwrap gives the underlying error (a *github.ErrorResponse,
// *github.RateLimitError, ...) for errors.As.
type Error struct {
	Op     string // what hwcov was doing: "list comments of #12"
	Status int    // the HTTP status, 0 when there was no answer
	msg    string
	err    error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.err }

// wrap turns an error from go-github into an *Error with a one-line,
// redacted message and a hint for the statuses a user can act on.
func (c *Client) wrap(op string, resp *github.Response, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op, err: err}
	if resp != nil && resp.Response != nil {
		e.Status = resp.StatusCode
	}
	var ge *github.ErrorResponse
	if errors.As(err, &ge) && ge.Response != nil {
		e.Status = ge.Response.StatusCode
	}
	msg := err.Error()
	if ge != nil {
		msg = fmt.Sprintf("%d %s", e.Status, ge.Message)
		for _, d := range ge.Errors {
			if d.Message != "" {
				msg += ": " + d.Message
			}
		}
	}
	var rl *github.RateLimitError
	var al *github.AbuseRateLimitError
	hint := ""
	switch {
	case errors.As(err, &rl):
		hint = fmt.Sprintf(" (rate limit; resets at %s)", rl.Rate.Reset.Time.UTC().Format(time.RFC3339))
	case errors.As(err, &al):
		hint = " (secondary rate limit; retry later)"
	case e.Status == http.StatusUnauthorized:
		hint = " (the token was refused: check GITHUB_TOKEN)"
	case e.Status == http.StatusForbidden || e.Status == http.StatusNotFound:
		hint = " (check the token's permissions: pull-requests: write, checks: write, actions: read)"
	}
	msg = strings.Join(strings.Fields(msg), " ")
	e.msg = redact(op+": "+msg+hint, c.token)
	return e
}

// errorf is wrap for errors this package makes itself.
func (c *Client) errorf(op, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Op: op, msg: redact(op+": "+strings.Join(strings.Fields(err.Error()), " "), c.token), err: err}
}
