package runners

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// InfraProblem is why a runner cannot run some tests, and how to set it up:
// the infrastructure's fault, recorded as infra_error and never counted
// against a platform.
type InfraProblem struct {
	Reason string // "No module named 'torch'"
	Fix    string // "make venv, or pip install -r runners/python/requirements.txt on the runner"
}

// Message is the result's ErrorMessage: the reason and the fix.
func (p InfraProblem) Message() string { return results.InfraMessage(p.Reason, p.Fix) }

// FixRequirements is the fix for a Python package missing on the runner.
const FixRequirements = "make venv, or pip install -r runners/python/requirements.txt on the runner"

// missingModule matches Python's ModuleNotFoundError message.
var missingModule = regexp.MustCompile(`No module named '([^']+)'`)

// MissingModule returns the module a Python error message says is missing,
// when it is a whole package (no dot): "No module named 'torch'" is the
// runner's fault, "No module named 'transformers.models.foo'" is not (the
// installed transformers lacks that architecture).
func MissingModule(msg string) (string, bool) {
	m := missingModule.FindStringSubmatch(msg)
	if m == nil || m[1] == "" || strings.Contains(m[1], ".") {
		return "", false
	}
	return m[1], true
}

// moduleProblem is the infra problem of a missing module.
func moduleProblem(module, reason string) InfraProblem {
	if reason == "" {
		reason = fmt.Sprintf("No module named %q", module)
		reason = strings.ReplaceAll(reason, `"`, "'")
	}
	if module == "hwcov_harness" {
		return InfraProblem{Reason: "the worker cannot import hwcov's harness: " + reason,
			Fix: "give hwcov a Python 3.10+ (--python or $HWCOV_PYTHON) and let it unpack runners/python into its cache"}
	}
	return InfraProblem{Reason: reason, Fix: FixRequirements}
}

// startProblem says whether a worker's failure to start is the runner's
// setup (a module it cannot import) rather than hwcov's own failure.
func startProblem(err error) (InfraProblem, bool) {
	if err == nil {
		return InfraProblem{}, false
	}
	msg := err.Error()
	if mod, ok := MissingModule(msg); ok {
		return moduleProblem(mod, ""), true
	}
	if strings.Contains(msg, "executable file not found") || strings.Contains(msg, "no such file or directory") {
		return InfraProblem{Reason: "no Python interpreter: " + firstLine(msg),
			Fix: "make venv, or point --python / $HWCOV_PYTHON at the runner's Python"}, true
	}
	return InfraProblem{}, false
}

// requiredModules is the union of the jobs' Requires, sorted.
func requiredModules(jobs []Job) []string {
	seen := map[string]bool{}
	var mods []string
	for _, j := range jobs {
		for _, m := range j.Requires {
			if m != "" && !seen[m] {
				seen[m] = true
				mods = append(mods, m)
			}
		}
	}
	sort.Strings(mods)
	return mods
}

// jobProblem says why job cannot run on this runner, given what the worker
// found missing, before running it.
func (s *shard) jobProblem(job Job, missing map[string]string) (InfraProblem, bool) {
	if p, ok := s.e.Unavailable[job.ID.Hardware]; ok {
		return p, true
	}
	var mods, reasons []string
	for _, m := range job.Requires {
		if reason, ok := missing[m]; ok {
			mods, reasons = append(mods, m), append(reasons, reason)
		}
	}
	switch len(mods) {
	case 0:
		return InfraProblem{}, false
	case 1:
		return moduleProblem(mods[0], reasons[0]), true
	}
	// every missing module, so that one fix installs them all
	p := moduleProblem(mods[0], strings.Join(reasons, "; "))
	return p, true
}

// infraResult is the result of a test that was not run because of p.
func (e *Executor) infraResult(runID string, job Job, p InfraProblem, at time.Time) results.Result {
	r := e.toResult(runID, job, 1, outcome{status: results.StatusInfraError, msg: p.Message()}, at, at)
	r.ErrorCategory = results.ErrorCategoryInfra
	return r
}

// shardSignature is the after-run check: when at least half of a shard's
// first attempts failed with the same missing package, those failures (and
// their reruns) were the runner's setup, not the tests. It returns the module
// and the indices into rs of the results to re-record as infra_error.
//
// firsts is the number of first attempts the shard recorded.
func shardSignature(rs []results.Result, firsts int) (string, []int) {
	count := map[string]int{}
	for _, r := range rs {
		if r.Attempt != 1 || r.Status != results.StatusFail {
			continue
		}
		if m, ok := MissingModule(r.ErrorMessage); ok {
			count[m]++
		}
	}
	best, n := "", 0
	for m, c := range count {
		if c > n || (c == n && m < best) {
			best, n = m, c
		}
	}
	if n == 0 || 2*n < firsts {
		return "", nil
	}
	var idx []int
	for i, r := range rs {
		if m, ok := MissingModule(r.ErrorMessage); ok && m == best && failed(r.Status) {
			idx = append(idx, i)
		}
	}
	return best, idx
}

// FileImports lists the top-level modules a Python test file imports at its
// top level ("import torch", "import openvino as ov", "from
// onnxruntime.quantization import quantize_dynamic" -> onnxruntime): what the
// runner's Python must have to run it. Indented imports (inside a try or a
// function) are optional and left out, as are relative imports and
// __future__. A file that cannot be read requires nothing (running it says
// why).
func FileImports(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var mods []string
	add := func(name string) {
		name, _, _ = strings.Cut(strings.TrimSpace(name), " ")
		name, _, _ = strings.Cut(name, ".")
		if name == "" || name == "__future__" || seen[name] {
			return
		}
		seen[name] = true
		mods = append(mods, name)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(strings.TrimRight(line, "\r"), "#")
		switch {
		case strings.HasPrefix(line, "import "):
			for _, name := range strings.Split(strings.TrimPrefix(line, "import "), ",") {
				add(name)
			}
		case strings.HasPrefix(line, "from "):
			name := strings.Fields(line)[1]
			if !strings.HasPrefix(name, ".") {
				add(name)
			}
		}
	}
	return mods
}
