package runners

import (
	"bufio"
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

	"github.com/hwcov/hwcov/internal/results"
)

const (
	// maxLineBytes bounds one protocol line; a longer line is a protocol error.
	maxLineBytes = 64 << 20
	// exitGrace is how long a worker gets to exit after it closed its stdout
	// or was asked to exit, before its group is killed.
	exitGrace = 2 * time.Second
	// ioGrace is how long the stderr reader gets to drain after the worker's
	// group is dead.
	ioGrace = time.Second
)

// workerConfig says how to start one worker process.
type workerConfig struct {
	python       string
	args         []string
	env          []string
	startTimeout time.Duration
	// stderr receives the worker's stderr line by line, each line prefixed;
	// nil discards it (the tail is kept either way). stderrMu serialises
	// writers sharing the same stderr.
	stderr   io.Writer
	stderrMu *sync.Mutex
	prefix   string
}

func (c workerConfig) commandLine() string {
	return strings.Join(append([]string{c.python}, c.args...), " ")
}

// worker is one running Python worker process. Its methods are not safe for
// concurrent use: one goroutine drives one worker.
type worker struct {
	cfg    workerConfig
	cmd    *exec.Cmd
	pid    int
	python string // Python version from the ready line
	// missing is the ready line's modules the worker cannot find.
	missing map[string]string

	stdin      io.WriteCloser
	stdout     *os.File // read end
	stderrPipe *os.File // read end
	lines      chan []byte
	readErr    error         // set before lines is closed
	exited     chan struct{} // closed once the process is reaped
	stderrDone chan struct{} // closed once stderr hit EOF
	quit       chan struct{} // closed when the worker is stopped
	tail       *tailBuffer
	seq        int
	stopped    bool
}

// outcome is what became of one test request.
type outcome struct {
	result *wireResult    // set when the worker answered
	status results.Status // timeout or crash when result is nil
	msg    string         // why, for timeout and crash
	tail   string         // worker stderr since the request, for timeout and crash
}

// startWorker starts a worker and waits for its ready line.
func startWorker(ctx context.Context, cfg workerConfig) (*worker, error) {
	cmd := exec.Command(cfg.python, cfg.args...)
	cmd.Env = cfg.env
	cmd.SysProcAttr = sysProcAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start worker %q: %w", cfg.commandLine(), err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start worker %q: %w", cfg.commandLine(), err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("start worker %q: %w", cfg.commandLine(), err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("start worker %q: %w", cfg.commandLine(), err)
	}
	w := &worker{
		cfg:        cfg,
		cmd:        cmd,
		pid:        cmd.Process.Pid,
		stdin:      stdin,
		stdout:     outR,
		stderrPipe: errR,
		lines:      make(chan []byte),
		exited:     make(chan struct{}),
		stderrDone: make(chan struct{}),
		quit:       make(chan struct{}),
		tail:       newTailBuffer(tailMaxBytes, tailMaxLines),
	}
	go w.readStdout()
	go w.readStderr()
	go func() {
		_ = cmd.Wait()
		close(w.exited)
	}()

	timer := time.NewTimer(cfg.startTimeout)
	defer timer.Stop()
	fail := func(format string, args ...any) (*worker, error) {
		w.kill()
		msg := fmt.Sprintf(format, args...)
		if tail := w.tail.String(); tail != "" {
			msg += "\n" + tail
		}
		return nil, fmt.Errorf("start worker %q: %s", cfg.commandLine(), msg)
	}
	for {
		select {
		case line, ok := <-w.lines:
			if !ok {
				how := "worker closed its stdout"
				if w.waitExit(exitGrace) {
					how = exitDescription(w.state())
				}
				return fail("%s before it was ready", how)
			}
			ev, err := parseEvent(line)
			if err != nil {
				return fail("%v", err)
			}
			if ev.Event != eventReady {
				return fail("want a %q line first, got %q", eventReady, ev.Event)
			}
			w.python, w.missing = ev.Python, ev.Missing
			return w, nil
		case <-timer.C:
			return fail("not ready after %s", cfg.startTimeout)
		case <-ctx.Done():
			w.kill()
			return nil, ctx.Err()
		}
	}
}

// readStdout delivers protocol lines until EOF or an error.
func (w *worker) readStdout() {
	defer close(w.lines)
	sc := bufio.NewScanner(w.stdout)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	for sc.Scan() {
		line := append([]byte(nil), sc.Bytes()...)
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		select {
		case w.lines <- line:
		case <-w.quit:
			return
		}
	}
	w.readErr = sc.Err()
}

// readStderr keeps the tail of the worker's stderr and forwards it.
func (w *worker) readStderr() {
	defer close(w.stderrDone)
	r := bufio.NewReaderSize(w.stderrPipe, 64<<10)
	for {
		chunk, err := r.ReadSlice('\n')
		if len(chunk) > 0 {
			w.tail.Write(chunk)
			if w.cfg.stderr != nil {
				w.cfg.stderrMu.Lock()
				io.WriteString(w.cfg.stderr, w.cfg.prefix)
				w.cfg.stderr.Write(chunk)
				if chunk[len(chunk)-1] != '\n' {
					io.WriteString(w.cfg.stderr, "\n")
				}
				w.cfg.stderrMu.Unlock()
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// send writes one request line.
func (w *worker) send(req request) error {
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	_, err = w.stdin.Write(append(b, '\n'))
	return err
}

// run asks the worker to run one test file and waits up to timeout for the
// result. A timeout or crash leaves the worker stopped (its group killed); the
// caller starts a new one. The error is non-nil only when ctx ended, and then
// the worker is stopped too.
func (w *worker) run(ctx context.Context, testID, file string, params map[string]any, timeout time.Duration) (outcome, error) {
	w.seq++
	seq := w.seq
	w.tail.Reset()
	if err := w.send(request{Op: opRun, Seq: seq, TestID: testID, File: file, Params: params}); err != nil {
		// The worker is gone; report how it ended.
		return w.crash(""), nil
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	exited := w.exited
	var grace <-chan time.Time
	for {
		select {
		case line, ok := <-w.lines:
			if !ok {
				if w.readErr != nil {
					return w.crash(fmt.Sprintf("worker protocol error: %v", w.readErr)), nil
				}
				return w.crash(""), nil
			}
			ev, err := parseEvent(line)
			if err != nil {
				return w.crash("worker protocol error: " + err.Error()), nil
			}
			switch ev.Event {
			case eventResult:
				switch {
				case ev.Seq == nil || *ev.Seq != seq:
					return w.crash(fmt.Sprintf("worker protocol error: result for seq %s, want %d", seqText(ev.Seq), seq)), nil
				case ev.TestID != "" && ev.TestID != testID:
					return w.crash(fmt.Sprintf("worker protocol error: result for %q, want %q", ev.TestID, testID)), nil
				case ev.Result == nil:
					return w.crash("worker protocol error: result line without \"result\""), nil
				}
				return outcome{result: ev.Result}, nil
			case eventReady:
				return w.crash("worker protocol error: unexpected \"ready\" while a test ran"), nil
			case eventError:
				// The worker could not read the request: the two sides disagree
				// about the protocol, and retrying on this worker cannot help.
				return w.crash(fmt.Sprintf("worker protocol error: worker rejected the request: %s", ev.Error)), nil
			default:
				// Unknown events (logs, heartbeats) are allowed for forward
				// compatibility.
			}
		case <-exited:
			// The worker died. Its stdout may still deliver a last line, or
			// stay open because something it started holds it: take a line
			// already on its way, then call it a crash.
			exited = nil
			grace = time.After(200 * time.Millisecond)
		case <-grace:
			return w.crash(""), nil
		case <-timer.C:
			w.kill()
			return outcome{
				status: results.StatusTimeout,
				msg:    fmt.Sprintf("test timed out after %s; worker process group killed", timeout),
				tail:   w.tail.String(),
			}, nil
		case <-ctx.Done():
			w.kill()
			return outcome{}, ctx.Err()
		}
	}
}

func seqText(seq *int) string {
	if seq == nil {
		return "null"
	}
	return fmt.Sprint(*seq)
}

// ping checks that the worker still answers.
func (w *worker) ping(ctx context.Context, timeout time.Duration) error {
	w.seq++
	seq := w.seq
	if err := w.send(request{Op: opPing, Seq: seq}); err != nil {
		return fmt.Errorf("ping worker %d: %w", w.pid, err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-w.lines:
			if !ok {
				return fmt.Errorf("ping worker %d: closed its stdout", w.pid)
			}
			ev, err := parseEvent(line)
			if err != nil {
				return fmt.Errorf("ping worker %d: %w", w.pid, err)
			}
			switch {
			case ev.Event == eventPong && ev.Seq != nil && *ev.Seq == seq:
				return nil
			case ev.Event == eventError:
				return fmt.Errorf("ping worker %d: %s", w.pid, ev.Error)
			}
		case <-timer.C:
			return fmt.Errorf("ping worker %d: no pong after %s", w.pid, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// crash stops the worker after it died or broke the protocol and describes
// what happened. An empty reason means the worker closed its stdout: it gets
// a moment to exit so its exit status can be reported. A protocol error kills
// it at once.
func (w *worker) crash(reason string) outcome {
	wait, how := exitGrace, "worker stopped talking but did not exit (killed)"
	if reason != "" {
		wait, how = 100*time.Millisecond, "worker process group killed"
	}
	if w.waitExit(wait) {
		how = exitDescription(w.state())
	}
	w.kill()
	msg := how + " while the test ran"
	if reason != "" {
		msg = reason + "; " + msg
	}
	return outcome{status: results.StatusCrash, msg: msg, tail: w.tail.String()}
}

// state is the process's exit state once it has been reaped, else nil.
func (w *worker) state() *os.ProcessState {
	select {
	case <-w.exited:
		return w.cmd.ProcessState
	default:
		return nil
	}
}

// dead reports whether the worker process has already ended.
func (w *worker) dead() bool { return w.state() != nil }

// waitExit waits up to d for the process to be reaped.
func (w *worker) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-w.exited:
		return true
	case <-t.C:
		return false
	}
}

// close asks the worker to exit, then kills its group so that nothing it
// started survives.
func (w *worker) close() {
	if w.stopped {
		return
	}
	if w.send(request{Op: opExit}) == nil {
		w.waitExit(exitGrace)
	}
	w.kill()
}

// kill kills the worker's process group, reaps the worker and releases its
// pipes. It is idempotent.
func (w *worker) kill() {
	if w.stopped {
		return
	}
	w.stopped = true
	_ = killGroup(w.cmd)
	w.waitExit(5 * time.Second)
	close(w.quit)
	// Everything in the group is dead, so stderr ends soon unless a process
	// left the group and still holds it; then stop reading.
	t := time.NewTimer(ioGrace)
	select {
	case <-w.stderrDone:
	case <-t.C:
	}
	t.Stop()
	w.stdin.Close()
	w.stdout.Close()
	w.stderrPipe.Close()
}
