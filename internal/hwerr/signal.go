package hwerr

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// InterruptContext returns a context cancelled with ErrInterrupted on the
// first SIGINT or SIGTERM; a second signal gets the default behaviour (the
// process dies), for a command that does not stop.
func InterruptContext(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			signal.Stop(ch)
			cancel(ErrInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}
