package runners

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

// TestWorkerReused checks that one worker runs many tests: Python and the
// harness are imported once per shard, not once per test.
func TestWorkerReused(t *testing.T) {
	store := newMemStore()
	e, pids := newTestExecutor(t, store)
	var jobs []Job
	for i := range 12 {
		jobs = append(jobs, caseJob(t, fmt.Sprintf("m%02d", i), "pass"))
	}
	sum, err := e.Run(context.Background(), results.Run{RunID: "r1"}, jobs)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := pids.all(); len(got) != 1 {
		t.Fatalf("started workers %v, want exactly one", got)
	}
	want := pids.all()[0]
	for _, r := range store.all() {
		if got := extraPID(t, r); got != want {
			t.Errorf("%s ran in pid %d, want the one worker %d", r.TestID, got, want)
		}
	}
	if sum.Tests != 12 || sum.Counts[results.StatusPass] != 12 || sum.Restarts != 0 || sum.Workers != 1 {
		t.Errorf("summary %+v", sum)
	}
	if sum.InTest <= 0 || sum.Wall <= 0 || sum.Overhead() <= 0 {
		t.Errorf("summary times: wall %s, in test %s, overhead %v", sum.Wall, sum.InTest, sum.Overhead())
	}
	if s := e.Stderr.(*syncBuffer).String(); !strings.Contains(s, "[w1] case_pass running with") {
		t.Errorf("worker stderr not forwarded with its slot prefix:\n%s", s)
	}
}

// TestParallelWorkers runs one queue on two workers.
func TestParallelWorkers(t *testing.T) {
	store := newMemStore()
	e, pids := newTestExecutor(t, store)
	e.Workers = 2
	var jobs []Job
	for i := range 10 {
		jobs = append(jobs, caseJob(t, fmt.Sprintf("m%02d", i), "pass"))
	}
	jobs = append(jobs, caseJob(t, "boom", "segfault"))
	sum, err := e.Run(context.Background(), results.Run{RunID: "r1"}, jobs)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	seen := map[string]bool{}
	for _, r := range store.all() {
		if seen[r.TestID] {
			t.Errorf("%s recorded twice", r.TestID)
		}
		seen[r.TestID] = true
	}
	if len(seen) != len(jobs) || sum.Counts[results.StatusPass] != 10 || sum.Counts[results.StatusCrash] != 1 {
		t.Errorf("recorded %d tests, summary %v", len(seen), sum.Counts)
	}
	if n := len(pids.all()); n < 1 || n > 3 {
		t.Errorf("started %d workers, want at most 2 plus 1 restart", n)
	}
}

// TestResume skips the tests a run already recorded and records no
// duplicates.
func TestResume(t *testing.T) {
	store := newMemStore()
	run := results.Run{RunID: "r1", Shard: "2/4"}
	var jobs []Job
	for i := range 5 {
		jobs = append(jobs, caseJob(t, fmt.Sprintf("m%d", i), "pass"))
	}
	// A first, interrupted attempt recorded the first two tests.
	if err := store.BeginRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs[:2] {
		if err := store.Record(context.Background(), results.Result{RunID: "r1", TestID: j.ID.String(), Status: results.StatusPass, Attempt: 1}); err != nil {
			t.Fatal(err)
		}
	}

	e, _ := newTestExecutor(t, store)
	e.Resume = true
	sum, err := e.Run(context.Background(), run, jobs)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Resumed != 2 || sum.Tests != 3 {
		t.Errorf("Resumed=%d Tests=%d, want 2 and 3", sum.Resumed, sum.Tests)
	}
	count := map[string]int{}
	for _, r := range store.all() {
		count[r.TestID]++
	}
	for _, j := range jobs {
		if count[j.ID.String()] != 1 {
			t.Errorf("%s recorded %d times, want once", j.ID, count[j.ID.String()])
		}
	}
	if store.begins != 2 {
		t.Errorf("BeginRun called %d times in all, want 2 (the caller's and Run's)", store.begins)
	}

	// Resuming a finished run runs nothing and starts no worker.
	e2, pids := newTestExecutor(t, store)
	e2.Resume = true
	sum, err = e2.Run(context.Background(), run, jobs)
	if err != nil {
		t.Fatalf("second resume: %v", err)
	}
	if sum.Tests != 0 || sum.Resumed != 5 || len(pids.all()) != 0 || len(store.all()) != 5 {
		t.Errorf("second resume: summary %+v, %d workers, %d rows", sum, len(pids.all()), len(store.all()))
	}
}

// TestRerunFailed re-runs failures as further attempts until they pass.
func TestRerunFailed(t *testing.T) {
	store := newMemStore()
	e, _ := newTestExecutor(t, store)
	e.RerunFailed = 2
	flaky := caseJob(t, "flaky", "flaky")
	flaky.Params["state_file"] = filepath.Join(t.TempDir(), "calls")
	jobs := []Job{caseJob(t, "ok", "pass"), flaky, caseJob(t, "broken", "raise"), caseJob(t, "gone", "exit")}
	sum, err := e.Run(context.Background(), results.Run{RunID: "r1"}, jobs)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var got []string
	for _, r := range store.all() {
		got = append(got, fmt.Sprintf("%s#%d=%s", r.Architecture, r.Attempt, r.Status))
	}
	want := "ok#1=pass flaky#1=fail flaky#2=pass broken#1=fail broken#2=fail broken#3=fail gone#1=crash gone#2=crash gone#3=crash"
	if strings.Join(got, " ") != want {
		t.Errorf("attempts:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if sum.Reruns != 5 || len(sum.Flaky) != 1 || sum.Flaky[0] != flaky.ID.String() {
		t.Errorf("Reruns=%d Flaky=%v", sum.Reruns, sum.Flaky)
	}
	if sum.Counts[results.StatusFail] != 2 || sum.Counts[results.StatusCrash] != 1 || sum.Failed() != 3 {
		t.Errorf("first-attempt counts %v", sum.Counts)
	}
}

// TestCancel kills the running test's worker group, records nothing for it
// and leaves the run unfinished.
func TestCancel(t *testing.T) {
	store := newMemStore()
	e, _ := newTestExecutor(t, store)
	ctx, cancel := context.WithCancel(context.Background())
	hang := caseJob(t, "hang", "hang")
	hang.Params["pid_file"] = filepath.Join(t.TempDir(), "pid")
	jobs := []Job{caseJob(t, "first", "pass"), hang, caseJob(t, "never", "pass")}
	// Cancel once the first test is recorded and the hang has begun.
	e.Progress = progressFunc(func(r results.Result) {
		if r.Architecture == "first" {
			go func() { time.Sleep(300 * time.Millisecond); cancel() }()
		}
	})
	start := time.Now()
	_, err := e.Run(ctx, results.Run{RunID: "r1"}, jobs)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run error %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("cancel took %s", d)
	}
	rows := store.all()
	if len(rows) != 1 || rows[0].Architecture != "first" {
		t.Errorf("recorded %v, want only the first test", rows)
	}
	if _, ok := store.finished["r1"]; ok {
		t.Error("a cancelled run was finished")
	}
}

// TestStartFailure reports a worker that cannot start as an error quoting the
// command and its stderr, not as test results.
func TestStartFailure(t *testing.T) {
	store := newMemStore()
	e, pids := newTestExecutor(t, store)
	// A harness whose worker dies on import for a reason that is hwcov's own.
	e.HarnessPath = t.TempDir()
	pkg := filepath.Join(e.HarnessPath, "hwcov_harness")
	if err := os.Mkdir(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{
		"__init__.py": "",
		"worker.py":   "raise RuntimeError('the worker is broken')\n",
	} {
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.Run(context.Background(), results.Run{RunID: "r1"}, []Job{caseJob(t, "a", "pass")})
	if err == nil {
		t.Fatal("Run succeeded with a broken harness")
	}
	for _, want := range []string{"hwcov_harness.worker", "exited with code 1 before it was ready", "the worker is broken", "3 times"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if len(store.all()) != 0 || len(pids.all()) != 0 {
		t.Errorf("recorded %d results, onStart saw %v", len(store.all()), pids.all())
	}
}

// TestStoreError stops the shard when a result cannot be recorded.
func TestStoreError(t *testing.T) {
	store := newMemStore()
	store.recordErr = errors.New("disk full")
	e, _ := newTestExecutor(t, store)
	_, err := e.Run(context.Background(), results.Run{RunID: "r1"}, []Job{caseJob(t, "a", "pass"), caseJob(t, "b", "pass")})
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "a@cpu/fp32/b1/s128") {
		t.Fatalf("Run error %v, want the store's error naming the test", err)
	}
}

// TestRunValidates rejects what cannot work before starting anything.
func TestRunValidates(t *testing.T) {
	rel := Job{ID: testid.ID{Model: "a", Hardware: "cpu", Precision: "fp32", Batch: 1, Seq: 1}, File: "tests/test_a.py"}
	tests := []struct {
		name string
		e    *Executor
		run  results.Run
		jobs []Job
		want string
	}{
		{"no store", &Executor{}, results.Run{RunID: "r"}, nil, "no store"},
		{"no run id", &Executor{Store: newMemStore()}, results.Run{}, nil, "empty run id"},
		{"relative file", &Executor{Store: newMemStore()}, results.Run{RunID: "r"}, []Job{rel}, `"tests/test_a.py" is not an absolute path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.e.Run(context.Background(), tt.run, tt.jobs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestEmptyShard begins and finishes a run with nothing to do.
func TestEmptyShard(t *testing.T) {
	store := newMemStore()
	clock := fakeClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), time.Second)
	e := &Executor{Store: store, Clock: clock}
	sum, err := e.Run(context.Background(), results.Run{RunID: "r1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := store.runs["r1"].StartedAt; !got.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("StartedAt %v, want the clock's time", got)
	}
	if _, ok := store.finished["r1"]; !ok || sum.Tests != 0 || sum.Overhead() != 0 {
		t.Errorf("finished=%v summary %+v", ok, sum)
	}
}

func TestWorkerEnv(t *testing.T) {
	e := &Executor{
		HarnessPath: "/h",
		Environ:     func() []string { return []string{"PATH=/bin", "PYTHONPATH=/base"} },
		Env:         []string{"PYTHONPATH=/extra", "FOO=1"},
	}
	got := strings.Join(e.workerEnv(), " ")
	want := "PATH=/bin PYTHONPATH=/base HF_HUB_OFFLINE=1 PYTHONPATH=/extra FOO=1 PYTHONPATH=/h:/extra"
	if got != want {
		t.Errorf("workerEnv:\n got %s\nwant %s", got, want)
	}
	e = &Executor{HarnessPath: "/h", Environ: func() []string { return nil }}
	if got := strings.Join(e.workerEnv(), " "); got != "HF_HUB_OFFLINE=1 PYTHONPATH=/h" {
		t.Errorf("workerEnv without PYTHONPATH: %s", got)
	}
}

func TestJobParams(t *testing.T) {
	j := Job{ID: testid.ID{Model: "bert", Hardware: "cpu", Precision: "fp16", Batch: 4, Seq: 64}, Params: map[string]any{"seq_len": 32, "iterations": 5}}
	p := jobParams(j)
	if p["batch_size"] != 4 || p["seq_len"] != 32 || p["precision"] != "fp16" || p["iterations"] != 5 {
		t.Errorf("jobParams = %v", p)
	}
	if _, ok := j.Params["batch_size"]; ok {
		t.Error("jobParams changed the job's map")
	}
}

func TestSummaryOverhead(t *testing.T) {
	tests := []struct {
		s    Summary
		want float64
	}{
		{Summary{Wall: 10 * time.Second, InTest: 8 * time.Second, Workers: 1}, 1.25},
		{Summary{Wall: 10 * time.Second, InTest: 16 * time.Second, Workers: 2}, 1.25},
		{Summary{Wall: 10 * time.Second}, 0},
	}
	for _, tt := range tests {
		if got := tt.s.Overhead(); got != tt.want {
			t.Errorf("%+v.Overhead() = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// progressFunc is a Progress that calls f for each finished test.
type progressFunc func(results.Result)

func (progressFunc) Start(ShardInfo)             {}
func (f progressFunc) TestDone(r results.Result) { f(r) }
func (progressFunc) Finish(Summary)              {}

// fakeClock returns a clock that advances by step on every call.
func fakeClock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	now := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := now
		now = now.Add(step)
		return t
	}
}
