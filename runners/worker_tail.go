package runners

import (
	"bytes"
	"sync"
)

// The tail of a worker's stderr kept for crash and timeout reports.
const (
	tailMaxBytes = 4 << 10
	tailMaxLines = 40
)

// tailBuffer keeps the last maxBytes written to it, in at most 2*maxBytes of
// memory however much is written. It is safe for concurrent use.
type tailBuffer struct {
	mu        sync.Mutex
	buf       []byte
	maxBytes  int
	maxLines  int
	truncated bool
}

func newTailBuffer(maxBytes, maxLines int) *tailBuffer {
	return &tailBuffer{maxBytes: maxBytes, maxLines: maxLines}
}

// Write appends p, dropping the oldest bytes beyond the limit.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) > t.maxBytes {
		p = p[len(p)-t.maxBytes:]
		t.buf = t.buf[:0]
		t.truncated = true
	}
	if len(t.buf)+len(p) > 2*t.maxBytes {
		keep := t.maxBytes - len(p)
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-keep:]...)
		t.truncated = true
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// Reset forgets everything written so far.
func (t *tailBuffer) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = t.buf[:0]
	t.truncated = false
}

// String returns the last maxLines lines within the last maxBytes bytes,
// starting at a line boundary, with a marker when older output was dropped.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	cut := t.truncated
	if len(b) > t.maxBytes {
		b = b[len(b)-t.maxBytes:]
		cut = true
	}
	if cut {
		// Drop the partial first line.
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
	}
	b = bytes.TrimRight(b, "\n")
	if n := bytes.Count(b, []byte{'\n'}) + 1; n > t.maxLines {
		for ; n > t.maxLines; n-- {
			b = b[bytes.IndexByte(b, '\n')+1:]
		}
		cut = true
	}
	if len(b) == 0 {
		return ""
	}
	if cut {
		return "[... earlier stderr dropped ...]\n" + string(b)
	}
	return string(b)
}
