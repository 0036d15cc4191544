package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// cdpConn speaks the Chrome DevTools Protocol over the pipe transport that
// Chromium opens with --remote-debugging-pipe: the browser reads commands
// from its file descriptor 3 and writes replies and events to descriptor 4,
// each message a JSON object followed by a NUL byte. No WebSocket, no port.
//
// See https://chromedevtools.github.io/devtools-protocol/ for the methods.
type cdpConn struct {
	w io.WriteCloser

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan cdpReply
	events  func(method string, params json.RawMessage)
	closed  error
	done    chan struct{}
	writeMu sync.Mutex
}

type cdpReply struct {
	Result json.RawMessage
	Err    error
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    string `json:"data"`
	} `json:"error,omitempty"`
}

// newCDPConn starts reading r; events (messages without an id) go to events,
// which must not block.
func newCDPConn(r io.Reader, w io.WriteCloser, events func(method string, params json.RawMessage)) *cdpConn {
	c := &cdpConn{w: w, pending: map[int64]chan cdpReply{}, events: events, done: make(chan struct{})}
	go c.read(r)
	return c
}

func (c *cdpConn) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<16)
	var err error
	for {
		var msg []byte
		msg, err = br.ReadBytes(0)
		if err != nil {
			break
		}
		var m cdpMessage
		if jerr := json.Unmarshal(msg[:len(msg)-1], &m); jerr != nil {
			continue // not ours to judge; the browser goes on
		}
		if m.ID == 0 {
			if c.events != nil && m.Method != "" {
				c.events(m.Method, m.Params)
			}
			continue
		}
		c.mu.Lock()
		ch := c.pending[m.ID]
		delete(c.pending, m.ID)
		c.mu.Unlock()
		if ch == nil {
			continue
		}
		rep := cdpReply{Result: m.Result}
		if m.Error != nil {
			rep.Err = fmt.Errorf("%s (code %d)", m.Error.Message, m.Error.Code)
		}
		ch <- rep
	}
	if errors.Is(err, io.EOF) {
		err = errors.New("the browser closed the DevTools pipe")
	}
	c.mu.Lock()
	c.closed = err
	for id, ch := range c.pending {
		ch <- cdpReply{Err: err}
		delete(c.pending, id)
	}
	c.mu.Unlock()
	close(c.done)
}

// call sends one command and waits for its reply, the connection's end, or
// stop (which may be nil).
func (c *cdpConn) call(stop <-chan struct{}, method string, params any, result any) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("cdp %s: %w", method, err)
	}
	if params == nil {
		raw = []byte("{}")
	}
	ch := make(chan cdpReply, 1)
	c.mu.Lock()
	if c.closed != nil {
		err := c.closed
		c.mu.Unlock()
		return fmt.Errorf("cdp %s: %w", method, err)
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()

	msg, _ := json.Marshal(cdpMessage{ID: id, Method: method, Params: raw})
	c.writeMu.Lock()
	_, err = c.w.Write(append(msg, 0))
	c.writeMu.Unlock()
	if err != nil {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return fmt.Errorf("cdp %s: write to the browser: %w", method, err)
	}
	select {
	case rep := <-ch:
		if rep.Err != nil {
			return fmt.Errorf("cdp %s: %w", method, rep.Err)
		}
		if result != nil && len(rep.Result) > 0 {
			if err := json.Unmarshal(rep.Result, result); err != nil {
				return fmt.Errorf("cdp %s: decode reply: %w", method, err)
			}
		}
		return nil
	case <-stop:
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return fmt.Errorf("cdp %s: stopped", method)
	}
}

// Done is closed once the browser's end of the pipe is gone.
func (c *cdpConn) Done() <-chan struct{} { return c.done }

// Close closes the write end; the browser sees EOF on its descriptor 3.
func (c *cdpConn) Close() error { return c.w.Close() }
