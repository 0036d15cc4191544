package ghapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry tunes the retries. DefaultRetry has the defaults.
type Retry struct {
	// MaxAttempts bounds the tries of one request, the first included.
	MaxAttempts int
	// BaseDelay is the first backoff after a 5xx or a network error; it
	// doubles each time, up to MaxDelay.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// SecondaryDelay is the first wait after a secondary rate limit without
	// Retry-After: GitHub asks for at least a minute, doubling after that.
	SecondaryDelay time.Duration
	// MaxWait is the longest single wait honoured; a rate limit that resets
	// later fails at once, with the reset time in the error.
	MaxWait time.Duration
	// Sleep waits d or until ctx ends (default: a timer). Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock x-ratelimit-reset is read against.
	Now func() time.Time
}

// DefaultRetry: 5 attempts; 1 s backoff doubling to 30 s for server errors;
// 60 s doubling for secondary rate limits; waits up to 15 minutes.
func DefaultRetry() Retry {
	return Retry{MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: 30 * time.Second,
		SecondaryDelay: time.Minute, MaxWait: 15 * time.Minute, Sleep: sleepCtx, Now: time.Now}
}

func (r Retry) withDefaults() Retry {
	d := DefaultRetry()
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = d.MaxAttempts
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = d.BaseDelay
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = d.MaxDelay
	}
	if r.SecondaryDelay <= 0 {
		r.SecondaryDelay = d.SecondaryDelay
	}
	if r.MaxWait <= 0 {
		r.MaxWait = d.MaxWait
	}
	if r.Sleep == nil {
		r.Sleep = d.Sleep
	}
	if r.Now == nil {
		r.Now = d.Now
	}
	return r
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryTransport retries a request on 5xx, 429, 403 rate limits and, for
// idempotent methods, network errors. A request whose context is marked by
// withNoReplay is not sent again after a 5xx or a network error, which can
// follow a write that landed: writeOnce re-reads the state first.
type retryTransport struct {
	base           http.RoundTripper
	r              Retry
	log            func(string)
	attemptTimeout time.Duration
}

func newRetryTransport(base http.RoundTripper, r Retry, log func(string)) *retryTransport {
	return &retryTransport{base: base, r: r.withDefaults(), log: log, attemptTimeout: 2 * time.Minute}
}

// peekLimit is how much of an error body is read to look for GitHub's
// "secondary rate limit" message.
const peekLimit = 64 << 10

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	secondary := 0
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			r = req.Clone(req.Context())
			if req.Body != nil && req.Body != http.NoBody {
				if req.GetBody == nil {
					return nil, fmt.Errorf("%s %s: cannot retry a request whose body cannot be re-read", req.Method, req.URL.Redacted())
				}
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		ctx, cancel := context.WithTimeout(req.Context(), t.attemptTimeout)
		resp, err := t.base.RoundTrip(r.WithContext(ctx))
		if err != nil {
			cancel()
		} else {
			resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
		}
		if req.Context().Err() != nil {
			return resp, err
		}
		wait, why, retry := t.decide(req, resp, err, attempt, &secondary)
		if !retry || attempt >= t.r.MaxAttempts || wait > t.r.MaxWait {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, peekLimit))
			resp.Body.Close()
		}
		t.log(fmt.Sprintf("GitHub: %s %s: %s; retrying in %s (attempt %d of %d)",
			req.Method, req.URL.Path, why, wait.Round(time.Millisecond), attempt+1, t.r.MaxAttempts))
		if err := t.r.Sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// decide says whether to retry and how long to wait first.
func (t *retryTransport) decide(req *http.Request, resp *http.Response, err error, attempt int, secondary *int) (time.Duration, string, bool) {
	backoff := t.backoff(attempt)
	if noReplay(req.Context()) && (err != nil || resp.StatusCode >= 500) {
		return 0, "", false
	}
	if err != nil {
		switch req.Method {
		case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
			return backoff, "network error: " + err.Error(), true
		}
		return 0, "", false
	}
	status := resp.StatusCode
	switch {
	case status >= 500 && status != http.StatusNotImplemented:
		if d, ok := t.retryAfter(resp); ok {
			return d, fmt.Sprintf("answered %d with Retry-After", status), true
		}
		return backoff, fmt.Sprintf("answered %d", status), true
	case status == http.StatusTooManyRequests, status == http.StatusForbidden:
		d, hasRetryAfter := t.retryAfter(resp)
		var reset time.Time
		if resp.Header.Get("X-RateLimit-Remaining") == "0" {
			if n, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
				reset = time.Unix(n, 0)
			}
		}
		isSecondary := t.peekSecondary(resp)
		switch {
		case status == http.StatusForbidden && !hasRetryAfter && reset.IsZero() && !isSecondary:
			return 0, "", false // a plain 403: no permission, final
		case hasRetryAfter:
			return d, fmt.Sprintf("rate limited (%d, Retry-After %s)", status, resp.Header.Get("Retry-After")), true
		case !reset.IsZero():
			return max(reset.Sub(t.r.Now())+time.Second, time.Second),
				fmt.Sprintf("primary rate limit (%d) until %s", status, reset.UTC().Format(time.RFC3339)), true
		}
		// Nothing says how long: at least a minute, doubling each time.
		*secondary++
		what := "rate limited"
		if isSecondary {
			what = "secondary rate limit"
		}
		return t.r.SecondaryDelay << (*secondary - 1), fmt.Sprintf("%s (%d)", what, status), true
	}
	return 0, "", false
}

func (t *retryTransport) backoff(attempt int) time.Duration { return t.r.backoff(attempt) }

// backoff is the wait before attempt+1 after a server error.
func (r Retry) backoff(attempt int) time.Duration {
	d := r.BaseDelay << (attempt - 1)
	if d > r.MaxDelay || d <= 0 {
		d = r.MaxDelay
	}
	return d
}

// retryAfter reads Retry-After: seconds or an HTTP date.
func (t *retryTransport) retryAfter(resp *http.Response) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(t.r.Now()), 0), true
	}
	return 0, false
}

// peekSecondary reads the start of the body, puts it back, and reports
// whether it is GitHub's secondary rate limit message.
func (t *retryTransport) peekSecondary(resp *http.Response) bool {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, peekLimit))
	resp.Body = &cancelBody{ReadCloser: io.NopCloser(io.MultiReader(bytes.NewReader(head), resp.Body)), closer: resp.Body}
	lower := strings.ToLower(string(head))
	return strings.Contains(lower, "secondary rate limit") || strings.Contains(lower, "abuse")
}

// cancelBody cancels the attempt's context once the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel func()
	closer io.Closer
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	if b.closer != nil {
		err = b.closer.Close()
	}
	if b.cancel != nil {
		b.cancel()
	}
	return err
}
