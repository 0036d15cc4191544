package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-github/v62/github"
)

// noReplayKey marks a request the retry transport must not send again after
// an answer that leaves its fate unknown: writeOnce re-reads the state first.
type noReplayKey struct{}

func withNoReplay(ctx context.Context) context.Context {
	return context.WithValue(ctx, noReplayKey{}, true)
}

func noReplay(ctx context.Context) bool {
	v, _ := ctx.Value(noReplayKey{}).(bool)
	return v
}

// uncertain reports whether a failed write may have landed: GitHub answered
// 5xx (a proxy can answer 502 after the write was saved) or did not answer
// at all (a timeout, a reset connection).
func uncertain(resp *github.Response, err error) bool {
	if err == nil {
		return false
	}
	status := 0
	if resp != nil && resp.Response != nil {
		status = resp.StatusCode
	}
	var ge *github.ErrorResponse
	if errors.As(err, &ge) && ge.Response != nil {
		status = ge.Response.StatusCode
	}
	if status == 0 {
		return !errors.Is(err, context.Canceled)
	}
	return status >= 500 && status != http.StatusNotImplemented
}

// writeOnce sends a write that must not land twice (a comment, a check run,
// annotations, which GitHub appends). When an attempt fails in a way that
// leaves its fate unknown, landed re-reads the state before anything is sent
// again: a write found there is done. Rate limits are waited out by the
// transport as usual; they mean the write was refused. At most
// Retry.MaxAttempts sends in all.
//
// send gets a context on which the transport does not resend by itself.
func (c *Client) writeOnce(ctx context.Context, op string, send func(context.Context) (*github.Response, error), landed func(context.Context) (bool, error)) error {
	for attempt := 1; ; attempt++ {
		resp, err := send(withNoReplay(ctx))
		if err == nil {
			return nil
		}
		if !uncertain(resp, err) || ctx.Err() != nil || attempt >= c.retry.MaxAttempts {
			return c.wrap(op, resp, err)
		}
		why := "no answer"
		if resp != nil && resp.Response != nil {
			why = fmt.Sprintf("answered %d", resp.StatusCode)
		}
		ok, lerr := landed(ctx)
		if lerr != nil {
			return fmt.Errorf("%w (checking whether it landed after the write %s)", lerr, why)
		}
		if ok {
			c.log(fmt.Sprintf("GitHub: %s: %s, but the write had landed; not sending it again", op, why))
			return nil
		}
		wait := c.retry.backoff(attempt)
		c.log(fmt.Sprintf("GitHub: %s: %s and did not land; sending again in %s (attempt %d of %d)",
			op, why, wait, attempt+1, c.retry.MaxAttempts))
		if err := c.retry.Sleep(ctx, wait); err != nil {
			return c.wrap(op, resp, err)
		}
	}
}
