package action

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/ghevent"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/reporter"
)

// env is a step environment in a temp folder: GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY are files there, and the test runs inside it.
type env struct {
	t    *testing.T
	dir  string
	vars map[string]string
}

func newEnv(t *testing.T, inputs map[string]string) *env {
	dir := t.TempDir()
	t.Chdir(dir)
	e := &env{t: t, dir: dir, vars: map[string]string{
		"GITHUB_OUTPUT":       filepath.Join(dir, "output.txt"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"),
		"GITHUB_WORKSPACE":    dir,
	}}
	for k, v := range inputs {
		e.vars[EnvName(k)] = v
	}
	return e
}

func (e *env) getenv(k string) string { return e.vars[k] }

// outputs reads GITHUB_OUTPUT's name<<delimiter blocks.
func (e *env) outputs() map[string]string {
	b, _ := os.ReadFile(e.vars["GITHUB_OUTPUT"])
	out := map[string]string{}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

func (e *env) summary() string {
	b, _ := os.ReadFile(e.vars["GITHUB_STEP_SUMMARY"])
	return string(b)
}

// fakeCLI records the command lines and runs fn for each: fn returns the
// command's value (a matrix, results, a merge line) and its error.
type fakeCLI struct {
	calls [][]string
	fn    func(args []string, stdout io.Writer) (any, error)
}

func (c *fakeCLI) call(args []string, stdout io.Writer) (any, error) {
	c.calls = append(c.calls, args)
	if c.fn == nil {
		return nil, nil
	}
	return c.fn(args, stdout)
}

func value[T any](c *fakeCLI, args []string, stdout io.Writer) (T, error) {
	v, err := c.call(args, stdout)
	t, _ := v.(T)
	return t, err
}

func (c *fakeCLI) Plan(args []string, stdout, _ io.Writer) (planner.GitHubMatrix, error) {
	return value[planner.GitHubMatrix](c, args, stdout)
}
func (c *fakeCLI) Run(args []string, stdout, _ io.Writer) ([]results.Result, error) {
	return value[[]results.Result](c, args, stdout)
}
func (c *fakeCLI) Merge(args []string, stdout, _ io.Writer) (string, error) {
	return value[string](c, args, stdout)
}
func (c *fakeCLI) Matrix(args []string, stdout, _ io.Writer) (reporter.Matrix, error) {
	return value[reporter.Matrix](c, args, stdout)
}
func (c *fakeCLI) Exec(args []string, stdout, _ io.Writer) error {
	_, err := c.call(args, stdout)
	return err
}

// run runs the action and maps its error to the exit code as the CLI does.
func (e *env) run(cli *fakeCLI) (int, string, string) {
	var out, errb bytes.Buffer
	err := Run(Options{Getenv: e.getenv, Stdout: &out, Stderr: &errb, Cmd: cli,
		Now: func() time.Time { return time.Date(2026, 3, 7, 2, 10, 0, 0, time.UTC) }})
	code := hwerr.Exit(err, &errb)
	return code, out.String(), errb.String()
}

// matrixOf reads a matrix's JSON.
func matrixOf(s string) planner.GitHubMatrix {
	var m planner.GitHubMatrix
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return m
}

// flag is the value after name in args.
func flag(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

const matrixJSON = `{"include":[{"id":"cpu-1of2","hardware":"cpu","runs-on":["self-hosted","linux","cpu"],"shard":"1/2","tests":3,"est_minutes":1},{"id":"cpu-2of2","hardware":"cpu","runs-on":["self-hosted","linux","cpu"],"shard":"2/2","tests":2,"est_minutes":1}]}`

func TestPlan(t *testing.T) {
	e := newEnv(t, map[string]string{"command": "plan", "models": "bert,vit", "hardware": "cpu", "shards": "2",
		"plan": "hwcov-plan.json", "args": `--seq-lengths "128"`, "python": "/py"})
	cli := &fakeCLI{fn: func(args []string, stdout io.Writer) (any, error) {
		return matrixOf(matrixJSON), nil
	}}
	code, stdout, _ := e.run(cli)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	want := []string{"plan", "--format", "github-matrix", "--out", "hwcov-plan.json", "--models", "bert,vit", "--hardware", "cpu",
		"--shards", "2", "--seq-lengths", "128", "--python", "/py"}
	if !reflect.DeepEqual(cli.calls, [][]string{want}) {
		t.Errorf("ran %q, want %q", cli.calls, want)
	}
	out := e.outputs()
	if out["matrix"] != matrixJSON || out["has-tests"] != "true" || out["plan"] != "hwcov-plan.json" {
		t.Errorf("outputs = %v", out)
	}
	if !strings.Contains(stdout, "::group::hwcov plan\n") || !strings.Contains(stdout, "::endgroup::") {
		t.Errorf("no log group:\n%s", stdout)
	}
	if s := e.summary(); !strings.Contains(s, "5 tests in 2 jobs") || !strings.Contains(s, "| `cpu-2of2` | cpu | `self-hosted, linux, cpu` | 2/2 | 2 | 1 |") {
		t.Errorf("summary:\n%s", s)
	}
}

func TestPlanEmpty(t *testing.T) {
	e := newEnv(t, map[string]string{"command": "plan", "priority": "high"})
	code, _, _ := e.run(&fakeCLI{fn: func(_ []string, stdout io.Writer) (any, error) {
		return matrixOf(`{"include":[]}`), nil
	}})
	if out := e.outputs(); code != 0 || out["has-tests"] != "false" || out["matrix"] != `{"include":[]}` {
		t.Errorf("exit %d, outputs %v", code, out)
	}
	if !strings.Contains(e.summary(), "Nothing to test") {
		t.Errorf("summary: %s", e.summary())
	}
}

func TestPlanSelection(t *testing.T) {
	sched := `{"daily_tests": {"model_subset": "high_priority", "hardware_platforms": ["cpu"], "run_time": "01:00", "notification_email": "a@b.org"},
	  "weekly_tests": {"model_subset": "all", "hardware_platforms": ["cpu", "openvino"], "run_time": "Saturday 02:00"}}`
	tests := []struct {
		name   string
		inputs map[string]string
		want   string // the flags after --out FILE
		notice string
	}{
		{"ci mode", map[string]string{"priority": "high", "base-ref": "origin/main", "budget-minutes": "30", "hardware": "cpu,cuda"},
			"--priority high --hardware cpu,cuda --base-ref origin/main --budget-minutes 30 --explain", ""},
		{"models replace priority", map[string]string{"priority": "high", "models": "bert", "base-ref": "origin/main"},
			"--models bert", "models/category replace priority"},
		{"key", map[string]string{"priority": "key", "budget-minutes": "9"}, "--priority key", "apply to priority high only"},
		{"schedule which", map[string]string{"schedule": "s.json", "which": "0 1 * * *", "priority": "key", "base-ref": "origin/main"},
			"--priority high --hardware cpu --explain", "schedule entry daily_tests decides"},
		{"schedule due", map[string]string{"schedule": "s.json"}, "--all-models --hardware cpu,openvino", ""}, // Saturday 02:10
		{"history db", map[string]string{"category": "vision", "db": "history.duckdb", "max-shard-minutes": "12.5"},
			"--category vision --max-shard-minutes 12.5 --db history.duckdb", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.inputs["command"] = "plan"
			e := newEnv(t, tt.inputs)
			os.WriteFile("s.json", []byte(sched), 0o644)
			cli := &fakeCLI{fn: func(_ []string, stdout io.Writer) (any, error) { return matrixOf(matrixJSON), nil }}
			code, stdout, _ := e.run(cli)
			if code != 0 || len(cli.calls) != 1 {
				t.Fatalf("exit %d, calls %q:\n%s", code, cli.calls, stdout)
			}
			if got := strings.Join(cli.calls[0][5:], " "); got != tt.want {
				t.Errorf("flags %q, want %q", got, tt.want)
			}
			if tt.notice != "" && !strings.Contains(stdout, "::notice::") || !strings.Contains(stdout, tt.notice) {
				t.Errorf("want notice %q:\n%s", tt.notice, stdout)
			}
		})
	}
}

func TestInputErrors(t *testing.T) {
	tests := []struct {
		inputs map[string]string
		want   string
	}{
		{map[string]string{}, `input "command": required`},
		{map[string]string{"command": "--help"}, `"--help" is a flag`},
		{map[string]string{"command": "plan", "args": `--x "unterminated`}, `input "args": unterminated " quote`},
		{map[string]string{"command": "plan", "shards": "two"}, `input "shards": "two" is not a number`},
		{map[string]string{"command": "run", "fail-on-error": "yes"}, `input "fail-on-error": "yes" is not true or false`},
		{map[string]string{"command": "run", "shard-id": "cpu-1of2", "models": "bert"}, `input "shard-id": runs a shard of the plan`},
		{map[string]string{"command": "plan", "schedule": "missing.json"}, `input "schedule": file "missing.json" does not exist`},
		{map[string]string{"command": "plan", "schedule": "bad.json"}, `field "d.run_time"`},
		{map[string]string{"command": "plan", "schedule": "good.json", "which": "hourly"}, `input "which": schedule: no entry "hourly" (entries: d)`},
		{map[string]string{"command": "plan", "schedule": "good.json"}, `nothing is due at Sat 2026-03-07 02:10 UTC; next is d at Sat 2026-03-07 09:00 UTC`},
		{map[string]string{"command": "merge", "files": "nowhere/*.duckdb"}, `input "files": "nowhere/*.duckdb" matches no file`},
	}
	for _, tt := range tests {
		e := newEnv(t, tt.inputs)
		os.WriteFile("bad.json", []byte(`{"d": {"model_subset": "all", "hardware_platforms": ["cpu"], "run_time": "25:00"}}`), 0o644)
		os.WriteFile("good.json", []byte(`{"d": {"model_subset": "all", "hardware_platforms": ["cpu"], "run_time": "09:00"}}`), 0o644)
		cli := &fakeCLI{}
		code, stdout, stderr := e.run(cli)
		if code != hwerr.ExitUsage || len(cli.calls) != 0 {
			t.Errorf("%v: exit %d, calls %q", tt.inputs, code, cli.calls)
		}
		if !strings.Contains(stderr, tt.want) || !strings.Contains(stdout, "::error title=hwcov::") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: want one line with %q\nstderr: %s\nstdout: %s", tt.inputs, tt.want, stderr, stdout)
		}
	}
}

func shardResults(dir string) []results.Result {
	gen := filepath.Join(dir, ".hwcov", "generated")
	return []results.Result{
		{TestID: "bert@cpu/fp32/b1/s128", Architecture: "bert", Hardware: "cpu", Status: results.StatusPass, GeneratedFile: filepath.Join(gen, "test_bert_cpu.py")},
		{TestID: "gpt2@cpu/fp32/b1/s128", Architecture: "gpt2", Hardware: "cpu", Status: results.StatusFail, ErrorCategory: "shape_mismatch",
			ErrorMessage:  "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x32 and 16x8)",
			Traceback:     "Traceback (most recent call last):\n  File \"/x/harness.py\", line 10, in run\n  File \"" + filepath.Join(gen, "test_gpt2_cpu.py") + "\", line 42, in run_test\nRuntimeError: mat1 and mat2 shapes cannot be multiplied",
			GeneratedFile: filepath.Join(gen, "test_gpt2_cpu.py")},
		{TestID: "vit@cpu/fp32/b1/s128", Architecture: "vit", Hardware: "cpu", Status: results.StatusTimeout, ErrorMessage: "timed out after 5s | really",
			GeneratedFile: "/elsewhere/test_vit_cpu.py"},
		{TestID: "t5@cpu/fp32/b1/s128", Architecture: "t5", Hardware: "cpu", Status: results.StatusSkip, ErrorMessage: "no runner"},
	}
}

func TestRun(t *testing.T) {
	e := newEnv(t, map[string]string{"command": "run", "plan": "hwcov-plan.json", "shard-id": "cpu-1of2", "junit": "hwcov-junit.xml", "args": "--timeout 60s"})
	cli := &fakeCLI{fn: func(args []string, _ io.Writer) (any, error) {
		return shardResults(e.dir), nil
	}}
	code, stdout, stderr := e.run(cli)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	want := []string{"run", "--db", "hwcov-shard.duckdb", "--junit", "hwcov-junit.xml", "--plan", "hwcov-plan.json", "--shard-id", "cpu-1of2", "--timeout", "60s"}
	if !reflect.DeepEqual(cli.calls, [][]string{want}) {
		t.Errorf("ran %q, want %q", cli.calls, want)
	}
	for _, w := range []string{
		"::error file=.hwcov/generated/test_gpt2_cpu.py,line=42,title=gpt2@cpu/fp32/b1/s128%3A fail (shape_mismatch)::RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x32 and 16x8)\n",
		"::error file=/elsewhere/test_vit_cpu.py,title=vit@cpu/fp32/b1/s128%3A timeout::timed out after 5s | really\n",
	} {
		if !strings.Contains(stdout, w) {
			t.Errorf("missing annotation %q in\n%s", w, stdout)
		}
	}
	if strings.Contains(stdout, "bert@cpu") || strings.Contains(stdout, "t5@cpu") {
		t.Errorf("passed or skipped tests annotated:\n%s", stdout)
	}
	out := e.outputs()
	if out["failures"] != "2" || out["db"] != "hwcov-shard.duckdb" || out["summary"] != "hwcov-shard-summary.md" {
		t.Errorf("outputs %v", out)
	}
	s := e.summary()
	for _, w := range []string{"### hwcov run cpu-1of2", "4 tests: 1 pass, 1 fail, 1 timeout, 1 skip",
		"| `vit@cpu/fp32/b1/s128` | timeout | timed out after 5s \\| really | `/elsewhere/test_vit_cpu.py` |"} {
		if !strings.Contains(s, w) {
			t.Errorf("summary lacks %q:\n%s", w, s)
		}
	}
	if b, _ := os.ReadFile("hwcov-shard-summary.md"); strings.TrimSpace(string(b)) != strings.TrimSpace(s) {
		t.Errorf("summary file differs from the job summary")
	}
}

func TestRunFailOnErrorAndNoRunner(t *testing.T) {
	e := newEnv(t, map[string]string{"command": "run", "models": "bert", "hardware": "cpu", "fail-on-error": "true", "args": "-v"})
	delete(e.vars, "GITHUB_OUTPUT") // outside a runner: no panic, outputs on stderr
	delete(e.vars, "GITHUB_STEP_SUMMARY")
	cli := &fakeCLI{fn: func(args []string, stdout io.Writer) (any, error) {
		io.WriteString(stdout, "::set-output name=x::injected\n")
		return shardResults(e.dir), nil
	}}
	code, stdout, stderr := e.run(cli)
	if code != hwerr.ExitFailed {
		t.Errorf("exit %d, want 1", code)
	}
	if got := strings.Join(cli.calls[0], " "); got != "run --db hwcov-shard.duckdb --junit hwcov-junit.xml --models bert --hardware cpu -v" {
		t.Errorf("ran %q", got)
	}
	if !strings.Contains(stderr, "output failures=2 (GITHUB_OUTPUT is unset)") || !strings.Contains(stderr, "2 tests failed, crashed or timed out") {
		t.Errorf("stderr:\n%s", stderr)
	}
	// Test output (--verbose) is wrapped in stop-commands.
	m := regexp.MustCompile(`::stop-commands::(hwcov-[0-9a-f]{32})\n::set-output name=x::injected\n\n::(hwcov-[0-9a-f]{32})::\n`).FindStringSubmatch(stdout)
	if m == nil || m[1] != m[2] {
		t.Errorf("untrusted output not fenced:\n%s", stdout)
	}
}

// TestRunInfra: infra_error tests fail the step with ExitInfra and one
// annotation per reason, and are not counted as failures.
func TestRunInfra(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cliCode int
	}{
		{"hwcov run exits 4", hwerr.ExitInfra},
		{"a report with infra errors all the same", hwerr.ExitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, map[string]string{"command": "run", "models": "bert", "hardware": "cpu"})
			msg := results.InfraMessage("No module named 'torch'", "make venv, or pip install -r runners/python/requirements.txt on the runner")
			cli := &fakeCLI{fn: func(args []string, _ io.Writer) (any, error) {
				rs := []results.Result{
					{TestID: "bert@cpu/fp32/b1/s128", Architecture: "bert", Hardware: "cpu", Status: results.StatusInfraError, ErrorMessage: msg},
					{TestID: "vit@cpu/fp32/b1/s224", Architecture: "vit", Hardware: "cpu", Status: results.StatusInfraError, ErrorMessage: msg},
				}
				if tc.cliCode == hwerr.ExitInfra {
					return rs, &hwerr.SilentExit{Code: hwerr.ExitInfra}
				}
				return rs, nil
			}}
			code, stdout, stderr := e.run(cli)
			if code != hwerr.ExitInfra {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, hwerr.ExitInfra, stdout, stderr)
			}
			want := "::error title=hwcov%3A infrastructure::2 tests could not run on this runner (infra_error): No module named 'torch'. Try: make venv"
			if !strings.Contains(stdout, want) || strings.Count(stdout, "::error") != 1+btoi(tc.cliCode == hwerr.ExitOK) {
				t.Errorf("annotations:\n%s", stdout)
			}
			if out := e.outputs(); out["failures"] != "0" || out["infra-errors"] != "2" {
				t.Errorf("outputs %v", out)
			}
			s := e.summary()
			for _, w := range []string{"2 tests: 2 infra_error", "**Infrastructure: the runner is not set up**", "No module named 'torch'"} {
				if !strings.Contains(s, w) {
					t.Errorf("summary lacks %q:\n%s", w, s)
				}
			}
			if strings.Contains(s, "| test | status |") {
				t.Errorf("infra errors listed as failures:\n%s", s)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRunCLIFailureKeepsPartialResults(t *testing.T) {
	e := newEnv(t, map[string]string{"command": "run", "models": "bert"})
	os.WriteFile("hwcov-junit.xml", []byte("stale"), 0o644)
	code, _, _ := e.run(&fakeCLI{fn: func([]string, io.Writer) (any, error) { return nil, errors.New("hwcov failed") }})
	if code != 3 {
		t.Errorf("exit %d, want the CLI's 3", code)
	}
	if _, err := os.Stat("hwcov-junit.xml"); err == nil {
		t.Errorf("stale JUnit report kept")
	}
	if out := e.outputs(); out["db"] != "hwcov-shard.duckdb" || out["failures"] != "" {
		t.Errorf("outputs %v", out)
	}
}

func TestMerge(t *testing.T) {
	e := newEnv(t, map[string]string{"command": "merge", "plan": "hwcov-plan.json", "files": "hwcov-shards\nextra/**/*.duckdb"})
	for _, p := range []string{"hwcov-shards/hwcov-shard-cpu-1of2/hwcov-shard.duckdb", "extra/a/b/x.duckdb", "extra/y.duckdb", "extra/z.txt"} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	os.WriteFile("hwcov-plan.json", []byte("{}"), 0o644)
	cli := &fakeCLI{fn: func(_ []string, stdout io.Writer) (any, error) {
		return "merged 2 shards into hwcov.duckdb (5 new results), 0 skipped, 0 lost", nil
	}}
	code, _, _ := e.run(cli)
	want := []string{"merge", "--into", "hwcov.duckdb", "--plan", "hwcov-plan.json", "hwcov-shards", "extra/a/b/x.duckdb", "extra/y.duckdb"}
	if code != 0 || !reflect.DeepEqual(cli.calls, [][]string{want}) {
		t.Errorf("exit %d, ran %q, want %q", code, cli.calls, want)
	}
	if !strings.Contains(e.summary(), "hwcov: merged 2 shards") || e.outputs()["db"] != "hwcov.duckdb" {
		t.Errorf("summary %q outputs %v", e.summary(), e.outputs())
	}
}

func TestReport(t *testing.T) {
	e := newEnv(t, map[string]string{"command": "report", "fail-on-error": "true"})
	event := filepath.Join(e.dir, "event.json")
	os.WriteFile(event, []byte(`{"number": 7, "pull_request": {"number": 7, "head": {"sha": "abc123"}}}`), 0o644)
	e.vars["GITHUB_EVENT_NAME"], e.vars["GITHUB_EVENT_PATH"], e.vars["GITHUB_BASE_REF"], e.vars["GITHUB_RUN_ID"] = "pull_request", event, "main", "99"
	cli := &fakeCLI{fn: func(args []string, _ io.Writer) (any, error) {
		return reporter.Matrix{Platforms: []string{"cpu", "onnxruntime"}, Rows: []reporter.Row{
			{Architecture: "bert", Cells: []reporter.Cell{{Status: results.StatusPass, Counts: reporter.Counts{Pass: 2}}, {Status: results.StatusSkip, Counts: reporter.Counts{Skip: 1}}}},
			{Architecture: "gpt2", Cells: []reporter.Cell{{Status: results.StatusCrash, Counts: reporter.Counts{Fail: 1, Crash: 1}}, {Status: results.StatusTimeout, Counts: reporter.Counts{Timeout: 1}}}},
		}, Total: reporter.Rate{Passed: 2, Ran: 5, Results: 6}}, nil
	}}
	code, stdout, _ := e.run(cli)
	if code != hwerr.ExitFailed {
		t.Errorf("exit %d, want 1 (fail-on-error)", code)
	}
	if len(cli.calls) != 1 || strings.Join(cli.calls[0], " ") != "report matrix --db hwcov.duckdb" {
		t.Errorf("ran %q", cli.calls)
	}
	out := e.outputs()
	if out["failures"] != "3" || out["summary"] != "hwcov-matrix.md" || out["pr"] != "hwcov-pr.json" {
		t.Errorf("outputs %v", out)
	}
	s := e.summary()
	if !strings.Contains(s, "6 results for 2 architectures on cpu, onnxruntime: 2 passed of 5 that ran, **3 failed, crashed or timed out**") ||
		!strings.Contains(s, "| `bert` |  | ✅ 2/2 |") {
		t.Errorf("summary:\n%s", s)
	}
	var pr ghevent.PR
	b, _ := os.ReadFile("hwcov-pr.json")
	if err := json.Unmarshal(b, &pr); err != nil || pr != (ghevent.PR{Number: 7, HeadSHA: "abc123", BaseRef: "main", RunID: "99"}) {
		t.Errorf("pr record %s: %v", b, err)
	}
	if !strings.Contains(stdout, "::error title=hwcov::3 tests failed") {
		t.Errorf("no policy error:\n%s", stdout)
	}
}

func TestPassthrough(t *testing.T) {
	e := newEnv(t, map[string]string{"command": "hardware  detect", "args": "--labels", "python": "python3"})
	cli := &fakeCLI{}
	code, stdout, _ := e.run(cli)
	if code != 0 || strings.Join(cli.calls[0], " ") != "hardware detect --labels --python python3" || !strings.Contains(stdout, "::group::hwcov hardware detect") {
		t.Errorf("exit %d, calls %q", code, cli.calls)
	}
	code, _, _ = newEnv(t, map[string]string{"command": "version"}).run(&fakeCLI{fn: func([]string, io.Writer) (any, error) {
		return nil, &hwerr.UsageError{Msg: "unknown flag"}
	}})
	if code != 2 {
		t.Errorf("exit %d, want the CLI's 2", code)
	}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  --a  b\n--c\t'd e' ", []string{"--a", "b", "--c", "d e"}},
		{`--x "a \"q\" \$HOME \n" 'it''s' a\ b ""`, []string{"--x", `a "q" \$HOME \n`, "its", "a b", ""}},
		{`$(rm -rf /) ; echo $HOME`, []string{"$(rm", "-rf", "/)", ";", "echo", "$HOME"}},
	}
	for _, tt := range tests {
		got, err := SplitArgs(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if back, _ := SplitArgs(quoteArgs(got)); len(got) > 0 && !reflect.DeepEqual(back, got) {
			t.Errorf("quoteArgs(%q) = %q reads back as %q", got, quoteArgs(got), back)
		}
	}
	for _, bad := range []string{`"a`, `'a`, `a\`} {
		if _, err := SplitArgs(bad); err == nil {
			t.Errorf("SplitArgs(%q) succeeded", bad)
		}
	}
}

func TestExpandFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, p := range []string{"s/a/x.duckdb", "s/b/c/y.duckdb", "s/z.duckdb", "s/n.txt", "into.duckdb"} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	got, err := ExpandFiles([]string{"s/**/*.duckdb", "s/z.duckdb", "**/into.duckdb", "s"}, "into.duckdb")
	if err == nil {
		t.Errorf("a pattern matching only the target should fail, got %q", got)
	}
	got, err = ExpandFiles([]string{"s/**/*.duckdb", "s/z.duckdb", "s"}, "into.duckdb")
	want := []string{"s/a/x.duckdb", "s/b/c/y.duckdb", "s/z.duckdb", "s"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ExpandFiles = %q, %v; want %q", got, err, want)
	}
	if got, err := ExpandFiles([]string{"**/x.duckdb"}, ""); err != nil || !reflect.DeepEqual(got, []string{"s/a/x.duckdb"}) {
		t.Errorf("root ** = %q, %v", got, err)
	}
	for _, bad := range []string{"s/a**/x", "s/**/**/x", "missing", "s/[/x"} {
		if _, err := ExpandFiles([]string{bad}, ""); err == nil {
			t.Errorf("ExpandFiles(%q) succeeded", bad)
		}
	}
}
