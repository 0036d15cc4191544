package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/testing/ghfake"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

// pythonWithoutTorch is an interpreter that cannot import torch: the
// system's python3 (the project's venv is the one with torch).
func pythonWithoutTorch(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err == nil && exec.Command(path, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is not None)").Run() == nil {
			return path
		}
	}
	t.Skip("no python without torch on this machine")
	return ""
}

// TestGeneratedWorkflowUnderActNoTorch runs a generated workflow under act
// on a runner whose Python has no torch: the test job must fail (hwcov run
// exits 4, infra_error) and its log and job summary must name the missing
// package and the fix, instead of a green job full of "No module named
// 'torch'" test failures.
func TestGeneratedWorkflowUnderActNoTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("long: runs the generated workflow under nektos/act (run without -short)")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := repoRoot(t)
	act := actBinary(t, root)
	python := pythonWithoutTorch(t)
	work := t.TempDir()

	hwcov := filepath.Join(work, "bin", "hwcov")
	run(t, root, nil, "go", "build", "-o", hwcov, "./cmd/hwcov")

	repo := filepath.Join(work, "repo")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	testfs.CopyFile(t, filepath.Join(root, "action.yml"), filepath.Join(repo, "action.yml"))
	run(t, repo, nil, hwcov, "workflow", "generate", "--output", ".github/workflows/hwcov.yml", "--action", "./",
		"--binary", hwcov, "--models", "bert,vit", "--hardware", "cpu", "--shards", "1")
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"-c", "user.name=hwcov", "-c", "user.email=hwcov@example.com", "commit", "-q", "-m", "hwcov workflow"},
		{"remote", "add", "origin", "https://github.com/acme/models.git"},
	} {
		run(t, repo, nil, "git", args...)
	}
	gh := ghfake.NewT(t, ghfake.Options{Repo: "acme/models"})
	gh.AddPullRequest(ghfake.PullRequest{Number: 7, HeadSHA: "0123456789abcdef0123456789abcdef01234567", HeadRef: "feature", HeadRepo: "acme/models"})
	event := filepath.Join(work, "event.json")
	testfs.WriteFile(t, event, []byte(`{"action": "synchronize", "number": 7, "pull_request": {"number": 7,
	  "head": {"ref": "feature", "sha": "0123456789abcdef0123456789abcdef01234567", "repo": {"full_name": "acme/models"}},
	  "base": {"ref": "main", "repo": {"full_name": "acme/models"}}}, "repository": {"full_name": "acme/models"}}`))

	artifacts := filepath.Join(work, "artifacts")
	args := append(actArgs(root, work, artifacts, event, "pull_request", "-W", ".github/workflows/hwcov.yml"),
		"--env", "HWCOV_PYTHON="+python,
		"--env", "HWCOV_CACHE_DIR="+filepath.Join(work, "hwcov-cache"),
		"--env", "HF_HUB_OFFLINE=1", "--env", "TRANSFORMERS_OFFLINE=1",
		"--env", "GITHUB_API_URL="+strings.TrimSuffix(gh.URL, "/"),
		"-s", "GITHUB_TOKEN="+gh.Token(),
	)

	for _, label := range []string{"ubuntu-latest", "self-hosted", "linux", "cpu"} {
		args = append(args, "-P", label+"=-self-hosted")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, act, args...)
	cmd.Dir = repo
	cmd.Env = actEnv(work)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	actErr := cmd.Run() // act exits non-zero when a job fails
	events, err := parseEvents(stdout.Bytes())
	if err != nil {
		t.Fatalf("act --json: %v (act: %v)\n%s\n%s", err, actErr, tail(stdout.String(), 3000), tail(stderr.String(), 2000))
	}
	results, summaries, logs := map[string]string{}, map[string]string{}, map[string]string{}
	for _, e := range events {
		if e.JobResult != "" {
			results[e.job()] = e.JobResult
		}
		if e.Command == "summary" {
			summaries[e.job()] += e.Content
		}
		logs[e.job()] += e.Msg + e.Arg + "\n"
	}
	t.Logf("act ran the workflow in %s: %v (act: %v)", time.Since(start).Round(100*time.Millisecond), results, actErr)
	fail := func(format string, a ...any) {
		t.Helper()
		var log strings.Builder
		for _, e := range events {
			fmt.Fprintf(&log, "[%s] %s\n", e.job(), strings.TrimRight(e.Msg, "\n"))
		}
		t.Fatalf(format+"\n--- act log (tail) ---\n%s\n--- act stderr ---\n%s", append(a, tail(log.String(), 8000), tail(stderr.String(), 2000))...)
	}
	if results["plan"] != "success" {
		fail("plan job: %q, want success", results["plan"])
	}
	var testJobs []string
	for job, r := range results {
		if !strings.HasPrefix(job, "test") {
			continue
		}
		testJobs = append(testJobs, job)
		if r != "failure" {
			fail("job %s: %s, want failure (the runner has no torch)", job, r)
		}
		for _, want := range []string{"No module named 'torch'", "Try: make venv, or pip install -r runners/python/requirements.txt on the runner", "exit status 4"} {
			if !strings.Contains(logs[job], want) {
				fail("the log of %s does not say %q", job, want)
			}
		}
		t.Logf("job summary of %s:\n%s", job, summaries[job])
		if s := summaries[job]; !strings.Contains(s, "infra_error") || !strings.Contains(s, "No module named 'torch'") {
			fail("the job summary of %s does not name the missing package:\n%s", job, s)
		}
	}
	if len(testJobs) == 0 {
		fail("no test job ran: %v", results)
	}
}
