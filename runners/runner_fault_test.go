package runners

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// TestFaults runs one shard with a hang, a segfault, an out-of-memory test, an
// exception, os._exit and SIGKILL between passing tests: each is recorded with
// the right status, the shard goes on, and nothing is left running.
func TestFaults(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("fault payloads use Linux /proc and signals")
	}
	store := newMemStore()
	e, pids := newTestExecutor(t, store)
	pidFile := filepath.Join(t.TempDir(), "grandchild.pid")

	hang := caseJob(t, "hang", "hang")
	hang.Timeout = 2 * time.Second
	hang.Params["pid_file"] = pidFile
	jobs := []Job{
		caseJob(t, "pass1", "pass"),
		caseJob(t, "raise", "raise"),
		caseJob(t, "pass2", "pass"),
		caseJob(t, "segfault", "segfault"),
		caseJob(t, "pass3", "pass"),
		hang,
		caseJob(t, "pass4", "pass"),
		caseJob(t, "memory", "memory"),
		caseJob(t, "pass5", "pass"),
		caseJob(t, "exit", "exit"),
		caseJob(t, "pass6", "pass"),
		caseJob(t, "sigkill", "sigkill"),
		caseJob(t, "pass7", "pass"),
		caseJob(t, "skip", "skip"),
	}
	start := time.Now()
	sum, err := e.Run(context.Background(), results.Run{RunID: "r1", Shard: "1/1"}, jobs)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Logf("shard took %s: %s", time.Since(start).Round(time.Millisecond), summaryLine(sum))

	rows := store.all()
	if len(rows) != len(jobs) {
		t.Fatalf("recorded %d results, want %d", len(rows), len(jobs))
	}
	for _, r := range store.all() {
		t.Logf("%-40s %-8s %7.0fms %s", r.TestID, r.Status, r.WallMS, r.ErrorMessage)
	}
	byModel := map[string]results.Result{}
	for i, r := range rows {
		if r.TestID != jobs[i].ID.String() {
			t.Errorf("result %d is %s, want %s (Workers=1 keeps order)", i, r.TestID, jobs[i].ID)
		}
		byModel[r.Architecture] = r
		if r.Attempt != 1 || r.RunID != "r1" || r.GeneratedFile != jobs[i].File {
			t.Errorf("%s: Attempt=%d RunID=%q GeneratedFile=%q", r.TestID, r.Attempt, r.RunID, r.GeneratedFile)
		}
	}

	for _, m := range []string{"pass1", "pass2", "pass3", "pass4", "pass5", "pass6", "pass7"} {
		r := byModel[m]
		if r.Status != results.StatusPass || !r.Success || r.ErrorMessage != "" || len(r.SamplesMS) != 3 {
			t.Errorf("%s: got %s %q samples=%v, want an intact pass", m, r.Status, r.ErrorMessage, r.SamplesMS)
		}
	}

	expect := func(model string, status results.Status, msgHas, tailHas string) results.Result {
		t.Helper()
		r := byModel[model]
		if r.Status != status {
			t.Errorf("%s: status %s (%q), want %s", model, r.Status, r.ErrorMessage, status)
		}
		if !strings.Contains(r.ErrorMessage, msgHas) {
			t.Errorf("%s: message %q does not mention %q", model, r.ErrorMessage, msgHas)
		}
		if !strings.Contains(r.Traceback, tailHas) {
			t.Errorf("%s: traceback/stderr tail does not mention %q:\n%s", model, tailHas, r.Traceback)
		}
		if r.Success || r.ErrorCategory != string(status) {
			t.Errorf("%s: Success=%v ErrorCategory=%q", model, r.Success, r.ErrorCategory)
		}
		return r
	}
	expect("raise", results.StatusFail, "ValueError: shape mismatch", "case_raise.py")
	if m := byModel["raise"].ErrorMessage; strings.Contains(m, "second line") {
		t.Errorf("raise: ErrorMessage %q should be the first line only", m)
	}
	expect("segfault", results.StatusCrash, "worker killed by signal SIGSEGV", "case_segfault: about to read address 0")
	expect("hang", results.StatusTimeout, "timed out after 2s", "case_hang: sleeping forever")
	expect("exit", results.StatusCrash, "worker exited with code 3", "case_exit: calling os._exit(3)")
	expect("sigkill", results.StatusCrash, "SIGKILL (out of memory?)", "case_sigkill")
	skip := expect("skip", results.StatusSkip, "no runner for this platform", "")
	if skip.MemoryMB != 0 {
		t.Errorf("skip: MemoryMB = %v from NaN, want 0", skip.MemoryMB)
	}

	// The memory hog either fails with MemoryError inside Python or takes the
	// worker down; both are honest outcomes, but it must not pass or hang.
	mem := byModel["memory"]
	t.Logf("memory hog recorded as %s: %s", mem.Status, mem.ErrorMessage)
	switch {
	case mem.Status == results.StatusFail && strings.Contains(mem.ErrorMessage, "MemoryError"):
	case mem.Status == results.StatusCrash:
	default:
		t.Errorf("memory: got %s %q, want fail with MemoryError or crash", mem.Status, mem.ErrorMessage)
	}

	// The timed-out test's grandchild died with its worker's group.
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("hang case wrote no pid file: %v", err)
	}
	gc, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	deadline := time.Now().Add(3 * time.Second)
	for processAlive(gc) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if processAlive(gc) {
		t.Errorf("grandchild %d of the timed-out test is still running", gc)
	}

	// One worker at first, then one after each timeout or crash.
	lost := 0
	for _, r := range rows {
		if r.Status == results.StatusCrash || r.Status == results.StatusTimeout {
			lost++
		}
	}
	if got := len(pids.all()); got != lost+1 {
		t.Errorf("started %d workers, want %d (1 + one per timeout/crash)", got, lost+1)
	}
	if sum.Restarts != lost {
		t.Errorf("Summary.Restarts = %d, want %d", sum.Restarts, lost)
	}
	// Workers between faults are reused: the passes after a fault share the
	// pid of the worker started for them.
	if p1, p2 := extraPID(t, byModel["pass1"]), extraPID(t, byModel["pass2"]); p1 != p2 {
		t.Errorf("pass1 and pass2 ran in workers %d and %d; a failing test must not restart the worker", p1, p2)
	}
	if _, ok := store.finished["r1"]; !ok {
		t.Error("FinishRun was not called")
	}
	if want := 7; sum.Counts[results.StatusPass] != want {
		t.Errorf("Summary pass count %d, want %d", sum.Counts[results.StatusPass], want)
	}
}

// extraPID reads the worker pid case_pass reports in Extra.
func extraPID(t *testing.T, r results.Result) int {
	t.Helper()
	var extra struct {
		PID int `json:"pid"`
	}
	if err := json.Unmarshal([]byte(r.Extra), &extra); err != nil || extra.PID == 0 {
		t.Fatalf("%s: Extra %q has no pid: %v", r.TestID, r.Extra, err)
	}
	return extra.PID
}
