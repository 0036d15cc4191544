package runners

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

// The tests run the stand-in worker in testdata/fakeworker with the system
// python3. To run them against the real harness instead:
//
//	HWCOV_TEST_HARNESS=$PWD/runners/python HWCOV_TEST_PYTHON=$PWD/.venv/bin/python go test ./runners/

// testPython is the interpreter the tests start workers with.
func testPython(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("HWCOV_TEST_PYTHON"); p != "" {
		return p
	}
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	return p
}

// testHarness is the directory holding the hwcov_harness package under test.
func testHarness(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("HWCOV_TEST_HARNESS"); h != "" {
		return h
	}
	return testdataPath(t, "fakeworker")
}

// realHarness reports whether the tests run against the real worker.
func realHarness() bool { return os.Getenv("HWCOV_TEST_HARNESS") != "" }

func testdataPath(t *testing.T, elem ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{"testdata"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newTestExecutor runs workers on the test harness and records into store.
func newTestExecutor(t *testing.T, store results.Store) (*Executor, *pidLog) {
	t.Helper()
	pids := &pidLog{}
	e := &Executor{
		Python:         testPython(t),
		HarnessPath:    testHarness(t),
		Env:            []string{"PYTHONDONTWRITEBYTECODE=1"},
		DefaultTimeout: 60 * time.Second,
		StartTimeout:   60 * time.Second,
		Workers:        1,
		Store:          store,
		Stderr:         &syncBuffer{},
		onStart:        pids.add,
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker stderr:\n%s", e.Stderr.(*syncBuffer).String())
		}
		assertNoLiveGroups(t, pids.all())
	})
	return e, pids
}

// caseJob is a job running testdata/cases/case_<name>.py as model.
func caseJob(t *testing.T, model, name string) Job {
	t.Helper()
	return Job{
		ID:            testid.ID{Model: model, Hardware: "cpu", Precision: "fp32", Batch: 1, Seq: 128},
		File:          testdataPath(t, "cases", "case_"+name+".py"),
		Params:        map[string]any{"warmup": 1, "iterations": 3},
		Category:      "text-encoder",
		TemplateChain: "base > text-encoder > cpu",
	}
}

// pidLog collects the pids of started workers.
type pidLog struct {
	mu   sync.Mutex
	pids []int
}

func (p *pidLog) add(pid int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pids = append(p.pids, pid)
}

func (p *pidLog) all() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int(nil), p.pids...)
}

// liveGroupMembers lists the live (not zombie) processes whose process group
// is pgid, by reading /proc.
func liveGroupMembers(t *testing.T, pgid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("probe process groups: %v", err)
	}
	var live []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, pg, ok := procStat(pid); ok && pg == pgid && st != "Z" && st != "X" {
			live = append(live, pid)
		}
	}
	return live
}

// procStat reads a process's state and process group from /proc/<pid>/stat.
func procStat(pid int) (state string, pgid int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 {
		return "", 0, false
	}
	pg, err := strconv.Atoi(f[2])
	return f[0], pg, err == nil
}

// processAlive reports whether pid runs and is not a zombie.
func processAlive(pid int) bool {
	st, _, ok := procStat(pid)
	return ok && st != "Z" && st != "X"
}

// assertNoLiveGroups fails if any process is left in the groups of pgids.
func assertNoLiveGroups(t *testing.T, pgids []int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	// A SIGKILLed process can take a moment to be torn down.
	deadline := time.Now().Add(3 * time.Second)
	for _, pg := range pgids {
		for {
			live := liveGroupMembers(t, pg)
			if len(live) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("process group %d still has live processes %v", pg, live)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// memStore is an in-memory results.Store.
type memStore struct {
	mu        sync.Mutex
	runs      map[string]results.Run
	begins    int
	finished  map[string]time.Time
	rows      []results.Result
	recordErr error // returned by Record when set
}

func newMemStore() *memStore {
	return &memStore{runs: map[string]results.Run{}, finished: map[string]time.Time{}}
}

func (s *memStore) BeginRun(_ context.Context, r results.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begins++
	s.runs[r.RunID] = r // idempotent: an existing run is updated
	return nil
}

func (s *memStore) Record(_ context.Context, r results.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recordErr != nil {
		return s.recordErr
	}
	if _, ok := s.runs[r.RunID]; !ok {
		return fmt.Errorf("record %s: unknown run %q", r.TestID, r.RunID)
	}
	for i, old := range s.rows { // recording an existing result replaces it
		if old.RunID == r.RunID && old.TestID == r.TestID && old.Attempt == r.Attempt {
			s.rows[i] = r
			return nil
		}
	}
	s.rows = append(s.rows, r)
	return nil
}

func (s *memStore) FinishRun(_ context.Context, runID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.runs[runID]; !ok {
		return fmt.Errorf("finish run: unknown run %q", runID)
	}
	s.finished[runID] = at
	return nil
}

func (s *memStore) Done(_ context.Context, runID string) (map[string]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	done := map[string]bool{}
	for _, r := range s.rows {
		if r.RunID == runID {
			done[r.TestID] = true
		}
	}
	return done, nil
}

func (s *memStore) Results(_ context.Context, runID string) ([]results.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	newest := map[string]results.Result{}
	for _, r := range s.rows {
		if runID == "" || r.RunID == runID {
			newest[r.TestID] = r
		}
	}
	out := make([]results.Result, 0, len(newest))
	for _, r := range newest {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TestID < out[j].TestID })
	return out, nil
}

func (s *memStore) Close() error { return nil }

// all returns every recorded row in order.
func (s *memStore) all() []results.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]results.Result(nil), s.rows...)
}

var _ results.Store = (*memStore)(nil)
