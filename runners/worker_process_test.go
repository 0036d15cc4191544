package runners

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// scriptWorker starts `python -c script` as a worker.
func scriptWorker(t *testing.T, script string, startTimeout time.Duration) (*worker, error) {
	t.Helper()
	w, err := startWorker(context.Background(), workerConfig{
		python:       testPython(t),
		args:         []string{"-u", "-c", script},
		startTimeout: startTimeout,
		stderrMu:     &sync.Mutex{},
	})
	if w != nil {
		t.Cleanup(func() {
			w.close()
			assertNoLiveGroups(t, []int{w.pid})
		})
	}
	return w, err
}

const readyLine = `import json, os, sys
print(json.dumps({"event": "ready", "pid": os.getpid(), "python": "3"}), flush=True)
`

// TestProtocolErrors: a worker that breaks the protocol while a test runs
// has that test recorded as a crash and is stopped.
func TestProtocolErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply string // Python statement run after reading the request
		want  string
	}{
		{"not json", `print("hello from a stray print", flush=True)`, `malformed protocol line "hello from a stray print"`},
		{"no event", `print('{"seq": 1}', flush=True)`, `no "event"`},
		{"wrong seq", `print('{"event": "result", "seq": 7, "result": {"status": "pass"}}', flush=True)`, "result for seq 7, want 1"},
		{"wrong test", `print('{"event": "result", "seq": 1, "test_id": "x@cpu/fp32/b1/s1", "result": {"status": "pass"}}', flush=True)`, `result for "x@cpu/fp32/b1/s1"`},
		{"no result", `print('{"event": "result", "seq": 1}', flush=True)`, `without "result"`},
		{"error event", `print('{"event": "error", "seq": 1, "error": "bad request: x"}', flush=True)`, `worker rejected the request: bad request: x`},
		{"null seq", `print('{"event": "result", "seq": null, "result": {"status": "pass"}}', flush=True)`, "result for seq null, want 1"},
		{"ready again", `print('{"event": "ready"}', flush=True)`, `unexpected "ready"`},
		{"closes stdout", `sys.stdout.close(); os.close(1); sys.stderr.write("closing\n"); sys.stderr.flush(); import time; time.sleep(60)`, "did not exit (killed)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := scriptWorker(t, readyLine+"sys.stdin.readline()\n"+tt.reply+"\nimport time; time.sleep(60)\n", 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			o, err := w.run(context.Background(), "bert@cpu/fp32/b1/s128", "/x.py", nil, 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if o.status != results.StatusCrash || !strings.Contains(o.msg, tt.want) {
				t.Errorf("outcome %s %q, want crash mentioning %q", o.status, o.msg, tt.want)
			}
			if !w.stopped {
				t.Error("worker not stopped after a protocol error")
			}
		})
	}
}

// TestUnknownEventsIgnored: events the Go side does not know are skipped.
func TestUnknownEventsIgnored(t *testing.T) {
	w, err := scriptWorker(t, readyLine+`sys.stdin.readline()
print('{"event": "log", "msg": "building model"}', flush=True)
print('{"event": "result", "seq": 1, "result": {"status": "pass", "samples_ms": [NaN, 1.5], "output": {"max": Infinity, "s": "NaN"}}}', flush=True)
sys.stdin.readline()
`, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	o, err := w.run(context.Background(), "bert@cpu/fp32/b1/s128", "/x.py", nil, 10*time.Second)
	if err != nil || o.result == nil {
		t.Fatalf("run: %v, outcome %+v", err, o)
	}
	if o.result.Status != "pass" || string(o.result.Output) != `{"max": null, "s": "NaN"}` {
		t.Errorf("result %+v output %s", o.result, o.result.Output)
	}
}

func TestStartErrors(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   string
	}{
		{"exits", `import sys; sys.stderr.write("ImportError: no torch\n"); sys.exit(4)`, "worker exited with code 4 before it was ready\nImportError: no torch"},
		{"never ready", `import time; time.sleep(60)`, "not ready after 500ms"},
		{"wrong first line", `print('{"event": "pong"}', flush=True); import time; time.sleep(60)`, `want a "ready" line first, got "pong"`},
		{"garbage", `print("Welcome!", flush=True); import time; time.sleep(60)`, `malformed protocol line "Welcome!"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := 10 * time.Second // a loaded machine needs time to start python
			if tt.name == "never ready" {
				timeout = 500 * time.Millisecond
			}
			_, err := scriptWorker(t, tt.script, timeout)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "start worker") {
				t.Errorf("error %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestPingAndExit talks to the stand-in worker directly.
func TestPingAndExit(t *testing.T) {
	w, err := startWorker(context.Background(), workerConfig{
		python:       testPython(t),
		args:         workerArgs,
		env:          (&Executor{HarnessPath: testHarness(t), Env: []string{"PYTHONDONTWRITEBYTECODE=1"}}).workerEnv(),
		startTimeout: 30 * time.Second,
		stderrMu:     &sync.Mutex{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if w.python == "" {
		t.Error("ready line carried no python version")
	}
	for range 3 {
		if err := w.ping(context.Background(), 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	w.close()
	if st := w.state(); st == nil || st.ExitCode() != 0 {
		t.Errorf("worker exit state %v, want exit 0 after the exit op", st)
	}
	assertNoLiveGroups(t, []int{w.pid})
}
