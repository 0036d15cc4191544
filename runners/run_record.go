package runners

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// NewRun describes a run of shard ("1/1" when empty) on hardware, started
// at now, from the GitHub Actions environment that getenv reads, if any: the
// commit, ref, pull request, workflow run and attempt, runner name and labels
// (HWCOV_RUNNER_LABELS). Its id is gh-<run>-<attempt>-<hardware>-<shard> in
// Actions and local-<time>-<hardware>-<shard> elsewhere.
func NewRun(getenv func(string) string, now time.Time, version, shard string, hardware []string) results.Run {
	get := getenv
	shardName := shard
	if shardName == "" {
		shardName = "1/1"
	}
	run := results.Run{
		GitSHA: get("GITHUB_SHA"), GitRef: get("GITHUB_REF"),
		Shard: shardName, RunnerName: get("RUNNER_NAME"), HwcovVersion: version, StartedAt: now,
	}
	run.WorkflowRunID, _ = strconv.ParseInt(get("GITHUB_RUN_ID"), 10, 64)
	run.RunAttempt, _ = strconv.Atoi(get("GITHUB_RUN_ATTEMPT"))
	if ref := get("GITHUB_REF"); strings.HasPrefix(ref, "refs/pull/") {
		run.PRNumber, _ = strconv.Atoi(strings.SplitN(strings.TrimPrefix(ref, "refs/pull/"), "/", 2)[0])
	}
	if l := get("HWCOV_RUNNER_LABELS"); l != "" {
		run.RunnerLabels = strings.Split(l, ",")
	}
	hw := strings.ReplaceAll(strings.Join(hardware, "+"), ",", "+")
	switch {
	case run.WorkflowRunID != 0:
		run.RunID = fmt.Sprintf("gh-%d-%d-%s-%s", run.WorkflowRunID, max(run.RunAttempt, 1), hw, strings.ReplaceAll(shardName, "/", "of"))
	default:
		run.RunID = "local-" + now.UTC().Format("20060102T150405.000Z") + "-" + hw + "-" + strings.ReplaceAll(shardName, "/", "of")
	}
	env, _ := json.Marshal(map[string]any{"goos": runtime.GOOS, "goarch": runtime.GOARCH, "cpus": runtime.NumCPU()})
	run.Environment = string(env)
	return run
}
