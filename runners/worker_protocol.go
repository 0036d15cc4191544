package runners

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The worker protocol: one JSON object per line. Requests go to the worker's
// stdin, events come back on its stdout; whatever the tests print goes to the
// worker's stderr.
//
//	<- {"event": "ready", "pid": 4242, "python": "3.11.7", "missing": {"torch": "No module named 'torch'"}}
//	-> {"op": "run", "seq": 1, "test_id": "bert@cpu/fp32/b1/s128", "file": "/abs/test_bert_cpu.py", "params": {...}}
//	<- {"event": "result", "seq": 1, "test_id": "bert@cpu/fp32/b1/s128", "result": {...}}
//	-> {"op": "ping", "seq": 2}
//	<- {"event": "pong", "seq": 2}
//	-> {"op": "exit"}
//
// A request the worker cannot read is answered with
// {"event": "error", "seq": N or null, "error": "..."}.
const (
	opRun  = "run"
	opPing = "ping"
	opExit = "exit"

	eventReady  = "ready"
	eventResult = "result"
	eventPong   = "pong"
	eventError  = "error" // the worker rejected a request it could not read
)

// workerArgs are the arguments after the Python executable.
var workerArgs = []string{"-u", "-m", "hwcov_harness.worker"}

// request is one line sent to the worker.
type request struct {
	Op     string         `json:"op"`
	Seq    int            `json:"seq,omitempty"`
	TestID string         `json:"test_id,omitempty"`
	File   string         `json:"file,omitempty"`
	Params map[string]any `json:"params,omitempty"`
}

// event is one line received from the worker.
type event struct {
	Event  string      `json:"event"`
	Seq    *int        `json:"seq"`
	TestID string      `json:"test_id"`
	PID    int         `json:"pid"`
	Python string      `json:"python"`
	Result *wireResult `json:"result"`
	Error  string      `json:"error"`
	// Missing is the ready line's module -> reason for each $HWCOV_REQUIRE
	// module the worker cannot find.
	Missing map[string]string `json:"missing"`
}

// wireResult is what the harness measured for one test.
type wireResult struct {
	Status       string          `json:"status"`
	ErrorMessage string          `json:"error_message"`
	Traceback    string          `json:"traceback"`
	SamplesMS    []float64       `json:"samples_ms"`
	ExecutionMS  *float64        `json:"execution_ms"`
	MemoryMB     *float64        `json:"memory_mb"`
	WallMS       *float64        `json:"wall_ms"`
	Output       json.RawMessage `json:"output"`
	ModelName    string          `json:"model_name"`
	Extra        json.RawMessage `json:"extra"`
}

// parseEvent decodes one protocol line. Python's json module writes NaN and
// Infinity for non-finite floats, which is not JSON; such tokens outside
// strings are read as null rather than failing the test as a protocol error.
func parseEvent(line []byte) (event, error) {
	var ev event
	err := json.Unmarshal(line, &ev)
	if err != nil {
		if clean, changed := nullNonFinite(line); changed {
			ev = event{}
			err = json.Unmarshal(clean, &ev)
		}
	}
	if err != nil {
		return event{}, fmt.Errorf("malformed protocol line %q: %w", clip(line, 200), err)
	}
	if ev.Event == "" {
		return event{}, fmt.Errorf("malformed protocol line %q: no \"event\"", clip(line, 200))
	}
	return ev, nil
}

// nullNonFinite replaces the bare tokens NaN, Infinity and -Infinity outside
// JSON strings with null.
func nullNonFinite(b []byte) ([]byte, bool) {
	var out bytes.Buffer
	changed := false
	inString, escaped := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			out.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			out.WriteByte(c)
			continue
		}
		matched := false
		for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
			if bytes.HasPrefix(b[i:], []byte(tok)) {
				out.WriteString("null")
				i += len(tok) - 1
				changed, matched = true, true
				break
			}
		}
		if !matched {
			out.WriteByte(c)
		}
	}
	return out.Bytes(), changed
}

// clip shortens b to at most n bytes for an error message.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
