package ghapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// scripted answers requests from a list: an error, or a status.
type scripted struct {
	answers []any
	bodies  []string
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	b := ""
	if req.Body != nil {
		data, _ := io.ReadAll(req.Body)
		b = string(data)
	}
	s.bodies = append(s.bodies, b)
	a := s.answers[0]
	s.answers = s.answers[1:]
	if err, ok := a.(error); ok {
		return nil, err
	}
	return &http.Response{StatusCode: a.(int), Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
}

func TestRetryTransportNetworkErrors(t *testing.T) {
	var waits []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	reset := errors.New("connection reset by peer")

	// A GET is retried after network errors, with a growing backoff.
	s := &scripted{answers: []any{reset, reset, 200}}
	rt := newRetryTransport(s, Retry{Sleep: sleep}, func(string) {})
	req, _ := http.NewRequest(http.MethodGet, "http://x/y", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 || len(waits) != 2 || waits[0] != time.Second || waits[1] != 2*time.Second {
		t.Errorf("GET: %v %v, waits %v", resp, err, waits)
	}

	// A POST is not: it may have been applied.
	waits = nil
	s = &scripted{answers: []any{reset, 200}}
	rt = newRetryTransport(s, Retry{Sleep: sleep}, func(string) {})
	req, _ = http.NewRequest(http.MethodPost, "http://x/y", strings.NewReader(`{"body":"x"}`))
	if _, err := rt.RoundTrip(req); err == nil || len(waits) != 0 {
		t.Errorf("POST after a network error: %v, waits %v", err, waits)
	}

	// A POST answered 503 is retried with the same body.
	s = &scripted{answers: []any{503, 201}}
	rt = newRetryTransport(s, Retry{Sleep: sleep}, func(string) {})
	req, _ = http.NewRequest(http.MethodPost, "http://x/y", strings.NewReader(`{"body":"x"}`))
	resp, err = rt.RoundTrip(req)
	if err != nil || resp.StatusCode != 201 || len(s.bodies) != 2 || s.bodies[1] != `{"body":"x"}` {
		t.Errorf("POST 503: %v %v, bodies %q", resp, err, s.bodies)
	}

	// 501 and 4xx other than rate limits are final.
	for _, code := range []int{501, 404, 422} {
		s = &scripted{answers: []any{code}}
		rt = newRetryTransport(s, Retry{Sleep: sleep}, func(string) {})
		req, _ = http.NewRequest(http.MethodGet, "http://x/y", nil)
		if resp, _ := rt.RoundTrip(req); resp.StatusCode != code || len(s.answers) != 0 {
			t.Errorf("%d was retried", code)
		}
	}

	// A cancelled context stops the waiting.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s = &scripted{answers: []any{503, 200}}
	rt = newRetryTransport(s, Retry{}, func(string) {})
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "http://x/y", nil)
	if _, err := rt.RoundTrip(req); err == nil && len(s.answers) == 0 {
		t.Error("retried after the context was cancelled")
	}
}

func TestRetryTransportNoReplay(t *testing.T) {
	var waits []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	// A write marked for writeOnce is not resent after a 5xx or a network
	// error; a rate limit still is waited out (it was refused).
	for _, first := range []any{503, errors.New("timeout"), 429} {
		s := &scripted{answers: []any{first, 201}}
		rt := newRetryTransport(s, Retry{Sleep: sleep}, func(string) {})
		req, _ := http.NewRequestWithContext(withNoReplay(context.Background()), http.MethodPost, "http://x/y", strings.NewReader(`{}`))
		resp, _ := rt.RoundTrip(req)
		resent := len(s.answers) == 0
		if want := first == 429; resent != want {
			t.Errorf("%v: resent %v, want %v (%v)", first, resent, want, resp)
		}
	}
}
