package runners

import (
	"strings"
	"testing"
)

func TestNullNonFinite(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a": NaN, "b": [Infinity, -Infinity, 1.5]}`, `{"a": null, "b": [null, null, 1.5]}`},
		{`{"s": "NaN \"Infinity\" \\", "x": NaN}`, `{"s": "NaN \"Infinity\" \\", "x": null}`},
		{`{"a": 1}`, `{"a": 1}`},
	}
	for _, tt := range tests {
		got, _ := nullNonFinite([]byte(tt.in))
		if string(got) != tt.want {
			t.Errorf("nullNonFinite(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseEvent(t *testing.T) {
	tests := []struct {
		line    string
		event   string
		wantErr string
	}{
		{`{"event": "ready", "pid": 12, "python": "3.11.7"}`, "ready", ""},
		{`{"event": "result", "seq": 1, "result": {"status": "pass", "memory_mb": NaN}}`, "result", ""},
		{`{"seq": 1}`, "", `no "event"`},
		{`Traceback (most recent call last):`, "", "malformed protocol line"},
		{`{"event": "result", "seq": "one"}`, "", "malformed protocol line"},
		{strings.Repeat("x", 500), "", `..."`},
	}
	for _, tt := range tests {
		ev, err := parseEvent([]byte(tt.line))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseEvent(%.40s) error %v, want %q", tt.line, err, tt.wantErr)
			}
			continue
		}
		if err != nil || ev.Event != tt.event {
			t.Errorf("parseEvent(%.40s) = %+v, %v", tt.line, ev, err)
		}
	}
}
