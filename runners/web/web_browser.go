package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// browserSpec is how to start the browser of one platform.
type browserSpec struct {
	platform string
	path     string   // executable
	args     []string // platform flags, on top of commonArgs
	env      []string // KEY=VALUE on top of the service's environment
}

// commonArgs start a quiet headless Chromium that talks DevTools over fds 3/4
// and reaches nothing but loopback.
var commonArgs = []string{
	"--headless",
	"--remote-debugging-pipe",
	"--no-sandbox", // CI runs as root; the page only loads hwcov's own files
	"--no-first-run",
	"--no-default-browser-check",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-default-apps",
	"--disable-extensions",
	"--disable-sync",
	"--disable-quic",
	"--disable-breakpad",
	"--metrics-recording-only",
	"--password-store=basic",
	"--use-mock-keychain",
	"--mute-audio",
	"--disable-renderer-backgrounding",
	"--disable-background-timer-throttling",
	"--disable-backgrounding-occluded-windows",
}

// browser is one running Chromium and its DevTools connection.
type browser struct {
	spec    browserSpec
	cmd     *exec.Cmd
	pid     int
	conn    *cdpConn
	dataDir string
	stderr  *tailWriter
	version string

	exited  chan struct{} // closed when the process has been reaped
	exitErr error         // valid after exited is closed

	crashes   chan string // target ids of crashed pages
	mu        sync.Mutex
	closed    bool
	cleanOnce sync.Once
}

// launch starts the browser and waits until it answers Browser.getVersion.
func launch(ctx context.Context, spec browserSpec, environ []string, logw io.Writer, timeout time.Duration) (*browser, error) {
	if _, err := os.Stat(spec.path); err != nil {
		return nil, fmt.Errorf("%s browser %q: %w", spec.platform, spec.path, err)
	}
	dataDir, err := os.MkdirTemp("", "hwcov-"+spec.platform+"-profile-")
	if err != nil {
		return nil, fmt.Errorf("start %s browser: %w", spec.platform, err)
	}
	cmdR, cmdW, err := os.Pipe() // hwcov writes commands, the browser reads them on fd 3
	if err != nil {
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("start %s browser: %w", spec.platform, err)
	}
	evR, evW, err := os.Pipe() // the browser writes replies and events on fd 4
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("start %s browser: %w", spec.platform, err)
	}
	args := append(append(append([]string{}, commonArgs...), spec.args...), "--user-data-dir="+dataDir, "about:blank")
	cmd := exec.Command(spec.path, args...)
	cmd.Env = append(append([]string{}, environ...), spec.env...)
	cmd.ExtraFiles = []*os.File{cmdR, evW}
	tail := &tailWriter{max: 8 << 10, next: logw}
	cmd.Stdout, cmd.Stderr = tail, tail
	// The GPU and renderer processes inherit stdout/stderr: do not let them
	// hold Wait once the browser process itself is gone.
	cmd.WaitDelay = time.Second
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		cmdR.Close()
		cmdW.Close()
		evR.Close()
		evW.Close()
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("start %s browser %q: %w", spec.platform, spec.path, err)
	}
	cmdR.Close()
	evW.Close()
	b := &browser{
		spec: spec, cmd: cmd, pid: cmd.Process.Pid, dataDir: dataDir, stderr: tail,
		exited: make(chan struct{}), crashes: make(chan string, 16),
	}
	go func() {
		b.exitErr = cmd.Wait()
		evR.Close()
		close(b.exited)
	}()
	b.conn = newCDPConn(evR, cmdW, b.event)

	stop := make(chan struct{})
	timer := time.AfterFunc(timeout, func() { close(stop) })
	defer timer.Stop()
	started := make(chan struct{})
	defer close(started)
	go func() { // ctx bounds the start only: the browser outlives the request that started it
		select {
		case <-ctx.Done():
			b.kill()
		case <-started:
		case <-stop:
		case <-b.exited:
		}
	}()
	var v struct {
		Product string `json:"product"`
	}
	err = b.conn.call(stop, "Browser.getVersion", nil, &v)
	if err == nil {
		err = b.conn.call(stop, "Target.setDiscoverTargets", map[string]any{"discover": true}, nil)
	}
	if err != nil {
		b.kill()
		<-b.exited
		why := err.Error()
		if strings.HasSuffix(why, "stopped") {
			why = fmt.Sprintf("no DevTools answer within %s", timeout)
		}
		return nil, fmt.Errorf("start %s browser %q: %s; browser output: %s", spec.platform, spec.path, why, b.stderr.Tail(600))
	}
	b.version = v.Product
	return b, nil
}

// event handles DevTools events; it must not block.
func (b *browser) event(method string, params json.RawMessage) {
	if method != "Target.targetCrashed" {
		return
	}
	var p struct {
		TargetID string `json:"targetId"`
		Status   string `json:"status"`
	}
	if json.Unmarshal(params, &p) == nil {
		select {
		case b.crashes <- p.TargetID:
		default:
		}
	}
}

// dead reports whether the browser process has gone or its pipe closed.
func (b *browser) dead() bool {
	select {
	case <-b.exited:
		return true
	case <-b.conn.Done():
		return true
	default:
		return false
	}
}

// openPage opens url in a fresh browser context (its own cookies, storage and
// GPU device) and returns the context's id.
func (b *browser) openPage(stop <-chan struct{}, url string) (contextID, targetID string, err error) {
	var c struct {
		BrowserContextID string `json:"browserContextId"`
	}
	if err := b.conn.call(stop, "Target.createBrowserContext", map[string]any{"disposeOnDetach": true}, &c); err != nil {
		return "", "", err
	}
	var t struct {
		TargetID string `json:"targetId"`
	}
	if err := b.conn.call(stop, "Target.createTarget", map[string]any{"url": url, "browserContextId": c.BrowserContextID}, &t); err != nil {
		_ = b.closeContext(c.BrowserContextID)
		return "", "", err
	}
	return c.BrowserContextID, t.TargetID, nil
}

// closeContext closes a context and every page in it.
func (b *browser) closeContext(id string) error {
	if id == "" || b.dead() {
		return nil
	}
	stop := make(chan struct{})
	t := time.AfterFunc(10*time.Second, func() { close(stop) })
	defer t.Stop()
	return b.conn.call(stop, "Target.disposeBrowserContext", map[string]any{"browserContextId": id}, nil)
}

// kill kills the browser's process group and removes its profile.
func (b *browser) kill() {
	b.mu.Lock()
	already := b.closed
	b.closed = true
	b.mu.Unlock()
	killGroup(b.pid)
	if already {
		return
	}
	go func() {
		<-b.exited
		b.cleanup()
	}()
}

// cleanup closes the pipe and removes the profile, once, after the exit.
func (b *browser) cleanup() {
	b.cleanOnce.Do(func() {
		_ = b.conn.Close()
		os.RemoveAll(b.dataDir)
	})
}

// close asks the browser to quit, then kills what is left.
func (b *browser) close() {
	if !b.dead() {
		stop := make(chan struct{})
		t := time.AfterFunc(3*time.Second, func() { close(stop) })
		_ = b.conn.call(stop, "Browser.close", nil, nil)
		t.Stop()
		select {
		case <-b.exited:
		case <-time.After(3 * time.Second):
		}
	}
	b.kill()
	<-b.exited
	b.cleanup()
}

// exitReason says how the process ended, for crash records.
func (b *browser) exitReason() string {
	select {
	case <-b.exited:
	case <-time.After(2 * time.Second):
		return "its DevTools pipe closed"
	}
	var ee *exec.ExitError
	if errors.As(b.exitErr, &ee) {
		if ee.ProcessState.ExitCode() < 0 {
			return "it was ended by " + ee.ProcessState.String() // "signal: killed"
		}
		return fmt.Sprintf("it exited with code %d", ee.ProcessState.ExitCode())
	}
	if b.exitErr != nil {
		return b.exitErr.Error()
	}
	return "it exited"
}

// tailWriter keeps the last max bytes written to it and copies them to next.
type tailWriter struct {
	mu   sync.Mutex
	max  int
	buf  []byte
	next io.Writer
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0:0], t.buf[len(t.buf)-t.max:]...)
	}
	next := t.next
	t.mu.Unlock()
	if next != nil {
		_, _ = next.Write(p)
	}
	return len(p), nil
}

// Tail returns the last n bytes on one line.
func (t *tailWriter) Tail(n int) string {
	t.mu.Lock()
	s := strings.TrimSpace(string(t.buf))
	t.mu.Unlock()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	if s == "" {
		return "(none)"
	}
	return strings.ReplaceAll(s, "\n", " | ")
}
