package runners

import (
	"fmt"
	"strings"
	"testing"
)

func TestTailBuffer(t *testing.T) {
	t.Run("short", func(t *testing.T) {
		tb := newTailBuffer(64, 5)
		fmt.Fprint(tb, "a\nb\n")
		if got := tb.String(); got != "a\nb" {
			t.Errorf("got %q", got)
		}
		tb.Reset()
		if got := tb.String(); got != "" {
			t.Errorf("after Reset got %q", got)
		}
	})
	t.Run("too many lines", func(t *testing.T) {
		tb := newTailBuffer(1024, 3)
		for i := range 10 {
			fmt.Fprintf(tb, "line %d\n", i)
		}
		want := "[... earlier stderr dropped ...]\nline 7\nline 8\nline 9"
		if got := tb.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("too many bytes", func(t *testing.T) {
		tb := newTailBuffer(32, 100)
		for i := range 1000 {
			fmt.Fprintf(tb, "line %04d\n", i)
			if len(tb.buf) > 64 {
				t.Fatalf("buffer grew to %d bytes, want at most 64", len(tb.buf))
			}
		}
		got := tb.String()
		if !strings.HasPrefix(got, "[... earlier stderr dropped ...]\nline 09") || !strings.HasSuffix(got, "line 0999") {
			t.Errorf("got %q", got)
		}
		body := strings.TrimPrefix(got, "[... earlier stderr dropped ...]\n")
		if len(body) > 32 {
			t.Errorf("kept %d bytes, want at most 32", len(body))
		}
	})
	t.Run("one huge write", func(t *testing.T) {
		tb := newTailBuffer(16, 100)
		fmt.Fprint(tb, strings.Repeat("x", 100)+"\nend\n")
		if got := tb.String(); got != "[... earlier stderr dropped ...]\nend" {
			t.Errorf("got %q", got)
		}
	})
}
