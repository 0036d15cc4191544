package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/testing/ghfake"
	"github.com/hwcov/hwcov/internal/testing/testfs"
	"github.com/hwcov/hwcov/internal/testing/toolbin"
	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/reporter"
)

// repoRoot is the module root.
func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	root, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// run runs a command and fails the test with its output tail on error.
func run(t *testing.T, dir string, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// actBinary builds nektos/act from the tools module once into the tools
// cache ($HWCOV_TOOLS_CACHE, else the user cache dir), keyed on tools/go.mod
// and go.sum, and skips the test when it cannot be built (no module proxy, no
// compiler).
func actBinary(t testing.TB, root string) string {
	t.Helper()
	start := time.Now()
	bin, built, err := toolbin.Build(filepath.Join(root, "tools"), "github.com/nektos/act", "act", toolbin.CacheDir(os.Getenv))
	if err != nil {
		t.Skipf("act cannot be built: %v", err)
	}
	if built {
		t.Logf("built act in %s: %s", time.Since(start).Round(time.Second), bin)
	}
	return bin
}

// actEvent is one line of `act --json`.
type actEvent struct {
	JobID     string         `json:"jobID"`
	JobResult string         `json:"jobResult"`
	Matrix    map[string]any `json:"matrix"`
	Command   string         `json:"command"`
	Content   string         `json:"content"`
	Name      string         `json:"name"`
	Arg       string         `json:"arg"`
	Msg       string         `json:"msg"`
}

func (e actEvent) job() string {
	if id, ok := e.Matrix["id"].(string); ok {
		return e.JobID + "/" + id
	}
	return e.JobID
}

// npuPlatform is a custom platform (guide format) whose runners carry the
// label npu; its ONNX Runtime tests skip honestly where onnxruntime is missing.
const npuPlatform = `{
  "platform_name": "Test NPU",
  "platform_key": "npu",
  "backend_type": "onnxruntime",
  "memory_constraint_mb": 4096,
  "supported_precisions": ["fp32"],
  "preferred_precision": "fp32",
  "default_batch_size": 1,
  "default_timeout_seconds": 120
}
`

// TestGeneratedWorkflowUnderAct writes a caller workflow with `hwcov workflow
// generate` into a fresh repository, runs it under act in host mode (plan,
// 4 shards on the labels cpu and npu, report) and checks that every job
// succeeded and that the report job merged every shard's results.
func TestGeneratedWorkflowUnderAct(t *testing.T) {
	if testing.Short() {
		t.Skip("long: runs the generated workflow under nektos/act (run without -short)")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := repoRoot(t)
	act := actBinary(t, root)
	work := t.TempDir()

	// One hwcov binary for every job (the action's binary input).
	hwcov := filepath.Join(work, "bin", "hwcov")
	start := time.Now()
	run(t, root, nil, "go", "build", "-o", hwcov, "./cmd/hwcov")
	t.Logf("built hwcov in %s", time.Since(start).Round(100*time.Millisecond))
	python := filepath.Join(root, ".venv", "bin", "python")
	if err := exec.Command(python, "-c", "import torch, transformers").Run(); err != nil {
		// without torch every test is infra_error and the test jobs fail
		// (TestGeneratedWorkflowUnderActNoTorch)
		t.Skipf("no Python with torch at %s: make venv", python)
	}

	// The user's repository.
	repo := filepath.Join(work, "repo")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(work, "base"), 0o755); err != nil {
		t.Fatal(err)
	}
	testfs.CopyFile(t, filepath.Join(root, "action.yml"), filepath.Join(repo, "action.yml"))
	// The pull request plants a latency regression in bert: its template
	// makes every forward pass sleep (the base branch's results below come
	// from the built-in templates).
	testfs.WriteFile(t, filepath.Join(repo, ".hwcov", "templates", "family", "bert.py.tmpl"), []byte(slowBert(0.3)))

	// The base branch's results: bert on cpu with the built-in templates,
	// seeded into the fake GitHub as the hwcov-report artifact of a
	// successful push run of the same workflow on main.
	baseDir := filepath.Join(work, "base")
	start = time.Now()
	run(t, baseDir, []string{"HWCOV_PYTHON=" + python, "HWCOV_CACHE_DIR=" + filepath.Join(work, "hwcov-cache"), "HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1"},
		hwcov, "run", "--models", "bert", "--hardware", "cpu", "--iterations", "8", "--warmup", "1", "--db", filepath.Join(baseDir, "hwcov.duckdb"))
	t.Logf("ran the base branch's bert in %s", time.Since(start).Round(100*time.Millisecond))
	baseDB, err := os.ReadFile(filepath.Join(baseDir, "hwcov.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	gh := ghfake.NewT(t, ghfake.Options{Repo: "acme/models"})
	gh.AddWorkflowRun(ghfake.WorkflowRun{Workflow: "hwcov.yml", Branch: "main", Event: "push",
		Artifacts: []ghfake.Artifact{{Name: "hwcov-report", Files: map[string][]byte{"hwcov.duckdb": baseDB}}}})
	gh.AddPullRequest(ghfake.PullRequest{Number: 7, HeadSHA: "0123456789abcdef0123456789abcdef01234567", HeadRef: "feature", HeadRepo: "acme/models"})
	testfs.WriteFile(t, filepath.Join(work, "npu.json"), []byte(npuPlatform))
	run(t, repo, nil, hwcov, "hardware", "add", "--properties", filepath.Join(work, "npu.json"))
	run(t, repo, nil, hwcov, "workflow", "generate", "--output", ".github/workflows/hwcov.yml", "--action", "./",
		"--binary", hwcov, "--models", "bert,gpt2,vit", "--hardware", "cpu,npu", "--shards", "2",
		"--run-args", "--iterations 8 --warmup 1", "--comment-output", ".github/workflows/hwcov-comment.yml")
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"-c", "user.name=hwcov", "-c", "user.email=hwcov@example.com", "commit", "-q", "-m", "hwcov workflow"},
		{"remote", "add", "origin", "https://github.com/acme/models.git"},
	} {
		run(t, repo, nil, "git", args...)
	}
	event := filepath.Join(work, "event.json")
	testfs.WriteFile(t, event, []byte(`{"action": "synchronize", "number": 7, "pull_request": {"number": 7,
	  "head": {"ref": "feature", "sha": "0123456789abcdef0123456789abcdef01234567", "repo": {"full_name": "acme/models"}},
	  "base": {"ref": "main", "repo": {"full_name": "acme/models"}}}, "repository": {"full_name": "acme/models"}}`))

	artifacts := filepath.Join(work, "artifacts")
	args := append(actArgs(root, work, artifacts, event, "pull_request", "-W", ".github/workflows/hwcov.yml"),
		"--env", "HWCOV_PYTHON="+python,
		"--env", "HWCOV_CACHE_DIR="+filepath.Join(work, "hwcov-cache"),
		"--env", "HF_HUB_OFFLINE=1", "--env", "TRANSFORMERS_OFFLINE=1",
		// The report job's baseline fetch and comment talk to the fake.
		"--env", "GITHUB_API_URL="+strings.TrimSuffix(gh.URL, "/"),
		"-s", "GITHUB_TOKEN="+gh.Token(),
	)

	// Every runner label the workflow can ask for runs on this machine.
	for _, label := range []string{"ubuntu-latest", "self-hosted", "linux", "cpu", "npu"} {
		args = append(args, "-P", label+"=-self-hosted")
	}
	actRun := func() (events []actEvent, results, summaries map[string]string, fail func(string, ...any)) {
		t.Helper()
		os.RemoveAll(artifacts) // each run uploads its own
		ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, act, args...)
		cmd.Dir = repo
		cmd.Env = actEnv(work)
		cmd.Stdin = nil // /dev/null: act must not prompt
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)

		events, perr := parseEvents(stdout.Bytes())
		if perr != nil {
			t.Fatalf("act --json: %v\n%s", perr, tail(stdout.String(), 3000))
		}
		results, summaries = map[string]string{}, map[string]string{}
		for _, e := range events {
			if e.JobResult != "" {
				results[e.job()] = e.JobResult
			}
			// act logs each step's summary after the step, and a composite
			// action's inner step shares the outer step's SUMMARY.md (cleared
			// only when a step starts): every part shows twice here, once on
			// GitHub (act v0.2.89 pkg/runner/step.go).
			if e.Command == "summary" {
				summaries[e.job()] += e.Content
			}
		}
		t.Logf("act ran the workflow in %s: %v", wall.Round(100*time.Millisecond), results)
		fail = func(format string, a ...any) {
			t.Helper()
			var log strings.Builder
			for _, e := range events {
				fmt.Fprintf(&log, "[%s] %s\n", e.job(), strings.TrimRight(e.Msg, "\n"))
			}
			t.Fatalf(format+"\n--- act log (tail) ---\n%s\n--- act stderr ---\n%s", append(a, tail(log.String(), 8000), tail(stderr.String(), 2000))...)
		}
		if err != nil {
			fail("act: %v", err)
		}
		return events, results, summaries, fail
	}
	events, results, summaries, fail := actRun()
	_ = events

	// The plan: at least 3 shards on two labels.
	planData, err := os.ReadFile(filepath.Join(artifacts, "hwcov-plan", "hwcov-plan.json"))
	if err != nil {
		fail("the plan artifact: %v", err)
	}
	plan, err := planner.ParsePlan(planData)
	if err != nil {
		t.Fatal(err)
	}
	hw := map[string]bool{}
	want := []string{"plan", "report"}
	for _, s := range plan.Shards {
		hw[s.Hardware] = true
		want = append(want, "test/"+s.ID)
	}
	if len(plan.Shards) < 3 || !hw["cpu"] || !hw["npu"] {
		t.Fatalf("plan has %d shards on %v; want at least 3 on cpu and npu", len(plan.Shards), hw)
	}
	// The plan job read the base branch's results as its history.
	if !slices.ContainsFunc(plan.Notes, func(n string) bool { return strings.Contains(n, "1 tests from history") }) {
		fail("the plan did not use the base branch's durations: notes %q", plan.Notes)
	}
	// act exits 0 when it skips a job: every job must have run and succeeded.
	sort.Strings(want)
	var got []string
	for job, r := range results {
		got = append(got, job)
		if r != "success" {
			fail("job %s: %s", job, r)
		}
	}
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		fail("jobs %v, want %v", got, want)
	}
	for _, s := range plan.Shards {
		if !strings.Contains(summaries["test/"+s.ID], "### hwcov run "+s.ID) {
			fail("job summary of %s:\n%s", s.ID, summaries["test/"+s.ID])
		}
	}

	// The report job saw every shard's results.
	sum := summaries["report"]
	if !strings.Contains(sum, fmt.Sprintf("merged %d shards", len(plan.Shards))) ||
		!strings.Contains(sum, fmt.Sprintf("%d results for 3 architectures on cpu, npu", plan.TestCount())) {
		fail("report summary:\n%s", sum)
	}
	merged := filepath.Join(artifacts, "hwcov-report", "hwcov.duckdb")
	var m reporter.Matrix
	if err := json.Unmarshal(run(t, repo, nil, hwcov, "report", "matrix", "--db", merged, "--format", "json"), &m); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, row := range m.Rows {
		for _, c := range row.Cells {
			ids = append(ids, c.Tests...)
		}
	}
	var planned []string
	for _, s := range plan.Shards {
		planned = append(planned, s.Tests...)
	}
	sort.Strings(ids)
	sort.Strings(planned)
	if strings.Join(ids, " ") != strings.Join(planned, " ") {
		t.Errorf("merged results %v\nplanned tests  %v", ids, planned)
	}
	var pr struct {
		Number int `json:"number"`
	}
	if b, err := os.ReadFile(filepath.Join(artifacts, "hwcov-report", "hwcov-pr.json")); err != nil || json.Unmarshal(b, &pr) != nil || pr.Number != 7 {
		t.Errorf("hwcov-pr.json: %s %v", b, err)
	}
	t.Logf("report job summary:\n%s", sum)

	// The report job compared the pull request with the base branch (the
	// default policy fails only new failures: the regression is reported,
	// the job succeeds) and posted one sticky comment with the matrix and
	// the planted regression.
	const slow = "bert@cpu/fp32/b1/s128"
	if !strings.Contains(sum, "### hwcov: ") || !strings.Contains(sum, slow) {
		fail("no comparison with the base branch in the report summary")
	}
	if _, err := os.Stat(filepath.Join(artifacts, "hwcov-report", "hwcov-base.duckdb")); err != nil {
		fail("the base database is not in the hwcov-report artifact: %v", err)
	}
	checkComment := func(edits int) string {
		t.Helper()
		comments := gh.Comments(7)
		if len(comments) != 1 {
			fail("%d comments on the pull request, want 1: %+v", len(comments), comments)
		}
		c := comments[0]
		t.Logf("the comment (%d edits):\n%s", c.Edits, c.Body)
		if c.Edits != edits || gh.Count("issues/create-comment") != 1 || gh.Count("issues/update-comment") != edits {
			fail("comment edits %d, creates %d, updates %d; want %d edits, 1 create", c.Edits,
				gh.Count("issues/create-comment"), gh.Count("issues/update-comment"), edits)
		}
		if !strings.Contains(c.Body, "<!-- hwcov:comment -->") || !strings.Contains(c.Body, "Compatibility matrix") {
			fail("the comment has no marker or compatibility matrix")
		}
		if !regexp.MustCompile(`(?m)^### hwcov: .*\b1 regression\b`).MatchString(c.Body) ||
			!regexp.MustCompile("(?m)^\\| `"+regexp.QuoteMeta(slow)+"` \\| latency \\|").MatchString(c.Body) {
			fail("the comment does not report the latency regression of %s", slow)
		}
		return c.Body
	}
	first := checkComment(0)

	// A new push makes bert slower still: the re-run edits the comment.
	testfs.WriteFile(t, filepath.Join(repo, ".hwcov", "templates", "family", "bert.py.tmpl"), []byte(slowBert(0.5)))
	run(t, repo, nil, "git", "-c", "user.name=hwcov", "-c", "user.email=hwcov@example.com", "commit", "-q", "-am", "slower")
	_, results, _, fail = actRun()
	for job, r := range results {
		if r != "success" {
			fail("second run: job %s: %s", job, r)
		}
	}
	second := checkComment(1)
	if second == first {
		t.Errorf("the comment did not change")
	}

	// The fork route: hwcov-comment.yml, on the workflow_run event of that
	// run, comments from the hwcov-report artifact alone. Its comment must
	// hold the same comparison with the base branch (the regression), so
	// the sticky comment stays one, with the regression.
	var rec struct {
		RunID string `json:"run_id"`
	}
	if b, err := os.ReadFile(filepath.Join(artifacts, "hwcov-report", "hwcov-pr.json")); err != nil || json.Unmarshal(b, &rec) != nil || rec.RunID == "" {
		t.Fatalf("hwcov-pr.json: %s %v", b, err)
	}
	// It checks nothing out, so it uses the action by name (hwcov/hwcov@v0
	// on GitHub), mapped here to the repository's action.yml.
	cwf := filepath.Join(repo, ".github", "workflows", "hwcov-comment.yml")
	csrc, err := os.ReadFile(cwf)
	if err != nil {
		t.Fatal(err)
	}
	testfs.WriteFile(t, cwf, bytes.ReplaceAll(csrc, []byte("uses: ./\n"), []byte("uses: hwcov/hwcov@v0\n")))
	wr := filepath.Join(work, "workflow_run.json")
	testfs.WriteFile(t, wr, []byte(`{"action": "completed", "workflow_run": {"id": `+rec.RunID+`, "event": "pull_request",
	  "conclusion": "success", "head_sha": "0123456789abcdef0123456789abcdef01234567", "pull_requests": []},
	  "repository": {"full_name": "acme/models"}}`))
	cargs := append(actArgs(root, work, artifacts, wr, "workflow_run", "-W", ".github/workflows/hwcov-comment.yml"),
		"--local-repository", "hwcov/hwcov@v0="+repo,
		"--env", "GITHUB_API_URL="+strings.TrimSuffix(gh.URL, "/"),
		"-s", "GITHUB_TOKEN="+gh.Token(), "-P", "ubuntu-latest=-self-hosted")
	cmd := exec.Command(act, cargs...)
	cmd.Dir, cmd.Env, cmd.Stdin = repo, actEnv(work), nil
	var cout, cerr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &cout, &cerr
	if err := cmd.Run(); err != nil {
		t.Fatalf("act workflow_run: %v\n%s\n%s", err, tail(cout.String(), 4000), tail(cerr.String(), 2000))
	}
	cevents, err := parseEvents(cout.Bytes())
	if err != nil {
		t.Fatalf("act --json: %v", err)
	}
	succeeded, said := false, ""
	for _, e := range cevents {
		if e.JobID == "comment" && e.JobResult != "" && e.JobResult != "success" {
			t.Fatalf("comment job: %s\n%s", e.JobResult, tail(cout.String(), 4000))
		}
		succeeded = succeeded || e.JobResult == "success"
		if m := regexp.MustCompile(`comment (created|updated|unchanged): \S+|not commenting.*`).FindString(e.Msg); m != "" {
			said = m
		}
	}
	if !succeeded || !strings.HasPrefix(said, "comment ") {
		t.Fatalf("the comment job did not comment (%q):\n%s", said, tail(cout.String(), 4000))
	}
	t.Logf("the comment workflow: %s", said)
	comments := gh.Comments(7)
	if len(comments) != 1 || !regexp.MustCompile(`(?m)^### hwcov: .*\b1 regression\b`).MatchString(comments[0].Body) ||
		strings.Contains(comments[0].Body, "no baseline") {
		t.Fatalf("after the comment workflow: %d comments; the first:\n%s", len(comments), comments[0].Body)
	}
	t.Logf("fake GitHub: %d requests", len(gh.Requests()))
}

// slowBert is a family template for bert whose forward pass sleeps s
// seconds first: a latency regression the comparison must find.
func slowBert(s float64) string {
	return fmt.Sprintf(`{{define "forward"}}
def forward(model, inputs):
    """One forward pass, after a planted delay (the e2e test's regression)."""
    import time
    time.sleep(%g)
    return model(**inputs)
{{end}}
`, s)
}

// actArgs are the act arguments every e2e workflow run shares: the event
// and workflow (first), JSON output, no cache or artifact server, and the
// stand-ins for the remote actions (testdata/actions), which keep their
// artifacts in the folder artifacts.
func actArgs(root, work, artifacts, event string, first ...string) []string {
	stand := filepath.Join(root, "internal", "testing", "e2e", "testdata", "actions")
	return append(first, "-e", event, "--json",
		"--no-cache-server", "--artifact-server-addr", "127.0.0.1", "--action-cache-path", filepath.Join(work, "act-cache"),
		"--local-repository", "actions/upload-artifact@v4="+filepath.Join(stand, "upload-artifact"),
		"--local-repository", "actions/download-artifact@v4="+filepath.Join(stand, "download-artifact"),
		"--local-repository", "actions/setup-go@v5="+filepath.Join(stand, "setup-go"),
		"--env", "ARTIFACT_DIR="+artifacts)
}

// actEnv is this process's environment without the variables of an outer
// GitHub Actions run, which would leak into the jobs act runs on the host.
func actEnv(work string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "RUNNER_") || strings.HasPrefix(k, "ACTIONS_") ||
			strings.HasPrefix(k, "INPUT_") || k == "CI" || k == "XDG_CONFIG_HOME" {
			continue
		}
		env = append(env, kv)
	}
	// act reads and writes its configuration (actrc) under XDG_CONFIG_HOME.
	return append(env, "XDG_CONFIG_HOME="+filepath.Join(work, "config"))
}

func parseEvents(out []byte) ([]actEvent, error) {
	var events []actEvent
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var e actEvent
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("%w: %s", err, line)
		}
		events = append(events, e)
	}
	if len(events) == 0 {
		return nil, errors.New("no JSON lines")
	}
	return events, sc.Err()
}
