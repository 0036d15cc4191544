package hwerr

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestExit(t *testing.T) {
	tests := []struct {
		err    error
		code   int
		stderr string
	}{
		{nil, ExitOK, ""},
		{Usagef("--shard 1/4", "--shard %q: want i/n", "x"), ExitUsage, "hwcov: --shard \"x\": want i/n\nTry: --shard 1/4\n"},
		{fmt.Errorf("run: %w", &PolicyError{Msg: "2 tests failed"}), ExitFailed, "hwcov: 2 tests failed\n"},
		{&InfraError{Msg: "1 test could not run", Fixes: []string{"make venv", "pip install x"}}, ExitInfra,
			"hwcov: 1 test could not run\nTry: make venv\nTry: pip install x\n"},
		{&InterruptedError{Msg: "run r1"}, ExitInterrupted, "hwcov: interrupted: run r1\n"},
		{fmt.Errorf("x: %w", ErrInterrupted), ExitInterrupted, "hwcov: interrupted\n"},
		{&SilentExit{Code: 4}, 4, ""},
		{errors.New("boom\nmore"), ExitInternal, "hwcov: boom …\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if code := Exit(tt.err, &b); code != tt.code || b.String() != tt.stderr {
			t.Errorf("Exit(%v) = %d, %q; want %d, %q", tt.err, code, b.String(), tt.code, tt.stderr)
		}
	}
}

func TestUsagefWraps(t *testing.T) {
	inner := errors.New("inner")
	if err := Usagef("hint", "outer: %v", inner); !errors.Is(err, inner) {
		t.Errorf("Usagef does not wrap its error argument")
	}
}
