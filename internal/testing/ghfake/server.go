package ghfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults of Options.
const (
	// DefaultToken looks like an installation token, so that a leak is easy
	// to grep for.
	DefaultToken = "ghs_hwcovFAKEtoken0123456789abcdefXYZ"
	DefaultLogin = "hwcov-bot"
	DefaultRepo  = "octo/hwcov-demo"
	// Prefix is the path the API answers under, as on GitHub Enterprise Server.
	Prefix = "/api/v3/"
)

// Options configure a Server. Every field has a default.
type Options struct {
	// Token is the token the server accepts (default DefaultToken), for the
	// user Login (default DefaultLogin).
	Token string
	Login string
	// Tokens adds more tokens and their logins (other users' comments).
	Tokens map[string]string
	// UserForbidden makes GET /user answer 403 "Resource not accessible by
	// integration", as it does for the GITHUB_TOKEN of GitHub Actions.
	UserForbidden bool
	// MaxPerPage caps per_page (default 100, as GitHub does), so tests can
	// force pagination with a small value.
	MaxPerPage int
	// Repo is the one repository that exists, "owner/name" (default
	// DefaultRepo); any other answers 404.
	Repo string
	// SpecDir holds the OpenAPI description (default DefaultSpecDir()).
	SpecDir string
}

// Request is one request the server received.
type Request struct {
	Method string `json:"method"`
	// Path is the path after the prefix, without a leading slash.
	Path      string      `json:"path"`
	RawQuery  string      `json:"query,omitempty"`
	Operation string      `json:"operation,omitempty"` // operationId, "" when none matched
	Body      string      `json:"body,omitempty"`
	Header    http.Header `json:"-"` // without Authorization
	// Login is the user the request's token belongs to ("" without one).
	Login  string `json:"login,omitempty"`
	Status int    `json:"status"`
	// Fault is set when an injected fault answered.
	Fault bool `json:"fault,omitempty"`
}

// Fault is an injected failure: the response a request gets instead of
// being served. State is not touched, unless Applied is set.
type Fault struct {
	Status int
	// Applied serves the request first (a write lands) and then answers
	// the fault instead of the result, as when GitHub saves a comment and
	// its proxy answers 502 or times out.
	Applied    bool
	RetryAfter string // the Retry-After header, "" for none
	// RateLimitReset, when set, sends x-ratelimit-remaining: 0 and
	// x-ratelimit-reset this far in the future (a primary rate limit).
	RateLimitReset time.Duration
	Message        string
	DocsURL        string
	// Operation limits the fault to one operationId ("" for any request).
	Operation string
}

// ServerError is a 5xx answer (500, 502, 503 or 504).
func ServerError(status int) Fault {
	return Fault{Status: status, Message: http.StatusText(status)}
}

// AppliedServerError is a 5xx answer to a request that was served: the
// write landed, the client cannot tell.
func AppliedServerError(status int, operation string) Fault {
	f := ServerError(status)
	f.Applied, f.Operation = true, operation
	return f
}

// TooManyRequests is a 429 with Retry-After seconds.
func TooManyRequests(retryAfter int) Fault {
	return Fault{Status: http.StatusTooManyRequests, RetryAfter: strconv.Itoa(retryAfter),
		Message: "API rate limit exceeded", DocsURL: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}
}

// SecondaryLimit is GitHub's 403 for a secondary rate limit, with
// Retry-After when retryAfter is not empty.
func SecondaryLimit(retryAfter string) Fault {
	return Fault{Status: http.StatusForbidden, RetryAfter: retryAfter,
		Message: "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.",
		DocsURL: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}
}

// PrimaryLimit is GitHub's 403 for an exhausted primary rate limit, which
// resets after reset.
func PrimaryLimit(reset time.Duration) Fault {
	return Fault{Status: http.StatusForbidden, RateLimitReset: reset,
		Message: "API rate limit exceeded for installation ID 1.",
		DocsURL: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"}
}

// HandlerFunc serves an operation the fake does not implement itself; see
// Server.Handle. The request has passed validation.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, p Params)

// Params are a request's path parameters and the login of its token.
type Params struct {
	Path  map[string]string
	Login string
}

// Server is a running fake GitHub.
type Server struct {
	// URL is the API base URL with its trailing slash, for GITHUB_API_URL.
	URL string
	// BlobURL is the base URL of the storage artifacts and release assets
	// download from; it also answers release assets' browser download URLs
	// (OWNER/REPO/releases/download/TAG/NAME), as GITHUB_SERVER_URL does.
	BlobURL string

	opts  Options
	spec  *spec
	api   *httptest.Server
	blobs *httptest.Server

	mu       sync.Mutex
	reqs     []Request
	errs     []string
	faults   []Fault
	handlers map[string]HandlerFunc
	state
}

// New starts a server. Close it when done.
func New(opts Options) (*Server, error) {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Login == "" {
		opts.Login = DefaultLogin
	}
	if opts.MaxPerPage <= 0 {
		opts.MaxPerPage = 100
	}
	if opts.Repo == "" {
		opts.Repo = DefaultRepo
	}
	if opts.SpecDir == "" {
		opts.SpecDir = DefaultSpecDir()
	}
	sp, err := loadSpec(opts.SpecDir)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, spec: sp, handlers: map[string]HandlerFunc{}}
	s.state.init()
	// Unstarted, then started: the handlers read s.api and s.blobs, which
	// are set before the servers' goroutines begin.
	s.api = httptest.NewUnstartedServer(http.HandlerFunc(s.serveAPI))
	s.blobs = httptest.NewUnstartedServer(http.HandlerFunc(s.serveBlob))
	s.blobs.Start()
	s.BlobURL = s.blobs.URL + "/" // the API's handlers read it
	s.api.Start()
	s.URL = s.api.URL + Prefix
	return s, nil
}

// NewT starts a server that closes when t ends and then fails t for every
// request that broke the spec, carried a token where it must not, or hit a
// path outside the API prefix.
func NewT(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, e := range s.Errors() {
			t.Errorf("fake GitHub: %s", e)
		}
	})
	return s
}

// Close stops the server.
func (s *Server) Close() {
	s.api.Close()
	s.blobs.Close()
}

// Token is the token the server accepts for Options.Login.
func (s *Server) Token() string { return s.opts.Token }

// Repo is the repository that exists, "owner/name".
func (s *Server) Repo() string { return s.opts.Repo }

// Errors lists what went wrong on the client's side: spec violations,
// requests outside the prefix, tokens where they must not be, edits of
// another user's comment.
func (s *Server) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

// Requests returns every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Count counts the requests for an operationId that were served (not
// answered by a fault), with method "" matching any.
func (s *Server) Count(operation string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Operation == operation && !r.Fault && r.Status < 400 {
			n++
		}
	}
	return n
}

// Fail makes the next n requests (of f.Operation, when set) answer f.
func (s *Server) Fail(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Handle serves operationID with h, replacing the built-in handler if any.
func (s *Server) Handle(operationID string, h HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[operationID] = h
}

// Leaks returns an error naming the first text that contains a token the
// server knows, for asserting that a client's output, errors and logs never
// show it.
func (s *Server) Leaks(texts ...string) error {
	for i, t := range texts {
		for _, tok := range s.tokens() {
			if strings.Contains(t, tok) {
				return fmt.Errorf("text %d contains the token (…%s)", i, tok[len(tok)-4:])
			}
		}
	}
	return nil
}

func (s *Server) tokens() []string {
	out := []string{s.opts.Token}
	for t := range s.opts.Tokens {
		out = append(out, t)
	}
	return out
}

func (s *Server) errorf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
}

// loginOf returns the login of the request's token, "" for none or an
// unknown one.
func (s *Server) loginOf(r *http.Request) (string, bool) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", false
	}
	tok := auth
	for _, p := range []string{"Bearer ", "bearer ", "token ", "Token "} {
		tok = strings.TrimPrefix(tok, p)
	}
	if tok == s.opts.Token {
		return s.opts.Login, true
	}
	if l, ok := s.opts.Tokens[tok]; ok {
		return l, true
	}
	return "", true
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := Request{Method: r.Method, RawQuery: r.URL.RawQuery, Body: string(body), Header: r.Header.Clone()}
	rec.Header.Del("Authorization")
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		rec.Status = sw.status
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		s.mu.Unlock()
	}()

	// A token anywhere but the Authorization header is a leak.
	for _, tok := range s.tokens() {
		where := ""
		switch {
		case strings.Contains(r.URL.String(), tok):
			where = "URL"
		case bytes.Contains(body, []byte(tok)):
			where = "body"
		}
		for k, vs := range rec.Header {
			for _, v := range vs {
				if strings.Contains(v, tok) {
					where = "header " + k
				}
			}
		}
		if where != "" {
			s.errorf("%s %s: the token appears in the request's %s", r.Method, r.URL.Path, where)
		}
	}

	if !strings.HasPrefix(r.URL.Path, Prefix) {
		s.errorf("%s %s: outside the API prefix %s (an absolute URL built by hand?)", r.Method, r.URL.Path, Prefix)
		writeJSON(sw, http.StatusNotFound, ghError{Message: "Not Found"})
		return
	}
	path := strings.TrimPrefix(r.URL.Path, Prefix)
	rec.Path = path
	op, err := s.spec.validate(r, path)
	if op != nil {
		rec.Operation = op.OperationID
	}
	if err != nil {
		s.errorf("%v", err)
		writeJSON(sw, http.StatusBadRequest, ghError{Message: "fake GitHub: " + err.Error()})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	login, hasAuth := s.loginOf(r)
	rec.Login = login
	if !hasAuth {
		s.errorf("%s /%s: no Authorization header", r.Method, path)
	}
	if login == "" {
		writeJSON(sw, http.StatusUnauthorized, ghError{Message: "Bad credentials", DocumentationURL: "https://docs.github.com/rest"})
		return
	}
	f, faulted := s.takeFault(op.OperationID)
	if faulted && !f.Applied {
		rec.Fault = true
		writeFault(sw, f)
		return
	}
	if faulted {
		// Serve into a discarded response, then answer the fault.
		real := sw
		sw = &statusWriter{ResponseWriter: &discardWriter{h: http.Header{}}}
		defer func() {
			sw = real
			rec.Fault = true
			writeFault(sw, f)
		}()
	}
	_, params := s.spec.match(path)
	repo := params["owner"] + "/" + params["repo"]
	if params["owner"] != "" && !strings.EqualFold(repo, s.opts.Repo) && !(isReleaseOp(op.OperationID) && s.hasReleases(repo)) {
		writeJSON(sw, http.StatusNotFound, ghError{Message: "Not Found", DocumentationURL: "https://docs.github.com/rest"})
		return
	}
	p := Params{Path: params, Login: login}
	s.mu.Lock()
	h := s.handlers[op.OperationID]
	s.mu.Unlock()
	if h == nil {
		h = s.builtin(op.OperationID)
	}
	if h == nil {
		s.errorf("%s /%s: the fake does not implement %s (add it with Server.Handle)", r.Method, path, op.OperationID)
		writeJSON(sw, http.StatusNotImplemented, ghError{Message: "fake GitHub does not implement " + op.OperationID})
		return
	}
	h(sw, r, p)
}

func (s *Server) takeFault(op string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Operation == "" || f.Operation == op {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			return f, true
		}
	}
	return Fault{}, false
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.RateLimitReset > 0 {
		w.Header().Set("X-RateLimit-Limit", "1000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Used", "1000")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(f.RateLimitReset).Unix(), 10))
	}
	writeJSON(w, f.Status, ghError{Message: f.Message, DocumentationURL: f.DocsURL})
}

// ghError is GitHub's error body (basic-error).
type ghError struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url,omitempty"`
	Errors           []any  `json:"errors,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
	}
}

// discardWriter is a response nobody reads.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
