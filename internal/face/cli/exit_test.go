package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestExitCodes(t *testing.T) {
	t.Setenv("HWCOV_CACHE_DIR", t.TempDir())
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"version"}, ExitOK, ""},
		{[]string{"catalog", "list", "--category", "nope"}, ExitUsage, "Try: "},
		{[]string{"catalog", "list", "--bogus"}, ExitUsage, "Try: hwcov catalog list --help"},
		{[]string{"frobnicate"}, ExitUsage, "unknown command"},
		{[]string{"run", "--tests", "x", "--shard", "3/2"}, ExitUsage, "want i/n"},
		{[]string{"run", "--models", "bert", "--workers", "0"}, ExitUsage, "--workers"},
		{[]string{"generate", "--models", "bert", "--category", "vision"}, ExitUsage, "more than one way"},
		{[]string{"generate", "--hardware", "cpu"}, ExitUsage, "choose architectures"},
		{[]string{"generate", "--models", "bert", "--hardware", "tpu"}, ExitUsage, `unknown hardware "tpu"`},
		{[]string{"templates", "which"}, ExitUsage, "--model is required"},
		{[]string{"hardware", "cpu"}, ExitUsage, `unknown command "cpu" for "hwcov hardware"`},
		{[]string{"hardware"}, ExitOK, ""},
		{[]string{"hardware", "--help"}, ExitOK, ""},
		{[]string{"report", "nosuch", "--help"}, ExitUsage, `unknown command "nosuch" for "hwcov report"`},
		{[]string{"report", "nosuch", "--help"}, ExitUsage, "Try: hwcov report --help"},
		{[]string{"frobnicate", "--help"}, ExitUsage, `unknown command "frobnicate" for "hwcov"`},
		{[]string{"hardwre"}, ExitUsage, "Try: hwcov hardware"},
		{[]string{"version", "extra"}, ExitUsage, "Try: hwcov version --help"},
		{[]string{"run", "--workers"}, ExitUsage, "flag needs an argument"},
		{[]string{"comment", "--pr", "1", "--pr-file", "pr.json"}, ExitUsage, "none of the others can be"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := Main(tt.args, strings.NewReader(""), &out, &errb)
		if code != tt.code || !strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("hwcov %s: exit %d, stderr %q; want %d and %q", strings.Join(tt.args, " "), code, errb.String(), tt.code, tt.stderr)
		}
		if tt.code == ExitUsage && strings.Count(strings.TrimSpace(errb.String()), "\n") > 1 {
			t.Errorf("hwcov %s: a usage error must be one line plus a hint, got %q", strings.Join(tt.args, " "), errb.String())
		}
	}
}
