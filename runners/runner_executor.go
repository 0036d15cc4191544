package runners

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

// Defaults used when the Executor's fields are zero.
const (
	DefaultTestTimeout  = 10 * time.Minute
	DefaultStartTimeout = 2 * time.Minute
	DefaultPython       = "python3"
	// maxStartAttempts is how many times in a row a worker may fail to start
	// before Run gives up: a worker that cannot start is a broken environment,
	// not a test result.
	maxStartAttempts = 3
)

// Job is one test to run: a generated file at one cell of the matrix.
type Job struct {
	ID   testid.ID
	File string // absolute path of the generated test file
	// Params go to the file's run_test(params). batch_size, seq_len and
	// precision are filled from ID when missing; warmup and iterations come
	// from the caller.
	Params map[string]any
	// Timeout for this test; zero means Executor.DefaultTimeout.
	Timeout       time.Duration
	Category      string // text-encoder, vision, ...
	TemplateChain string // "base > text-encoder > cpu"
	PatchVersion  string // the templates' revision (generator.Rendered.Revision)
	// Requires lists the top-level Python modules the test needs (torch,
	// transformers, the platform's package). The worker looks for them before
	// its ready line; a test whose module is missing is recorded as
	// infra_error without running.
	Requires []string
}

// Executor runs jobs in Python worker processes and records every result.
// Side effects (the Python executable, environment, clock, output streams,
// store) come in as fields; the zero value of each optional field is usable.
type Executor struct {
	// Python is the interpreter that runs the worker; default DefaultPython.
	Python string
	// HarnessPath is the directory holding the hwcov_harness package; it is
	// put first on the worker's PYTHONPATH.
	HarnessPath string
	// Environ returns the worker's base environment; nil means os.Environ.
	// HF_HUB_OFFLINE=1 is added on top of it, then Env, then PYTHONPATH.
	Environ func() []string
	// Env is extra KEY=VALUE pairs for the worker; later ones win.
	Env []string
	// DefaultTimeout applies to jobs without a Timeout; default DefaultTestTimeout.
	DefaultTimeout time.Duration
	// StartTimeout bounds a worker's start (imports included) until its ready
	// line; default DefaultStartTimeout.
	StartTimeout time.Duration
	// Workers is how many worker processes run tests in parallel, each pulling
	// from one queue; default 1.
	Workers int
	// Store receives the run and each result as soon as its test ends.
	// Required.
	Store results.Store
	// Progress is told about the shard as it runs; nil reports nothing.
	Progress Progress
	// Clock stamps results and measures the shard; default time.Now.
	Clock func() time.Time
	// Stderr receives the workers' stderr (what tests print), each line
	// prefixed with the worker's slot, e.g. "[w1] "; nil discards it. The tail
	// of it is kept for crash and timeout records either way.
	Stderr io.Writer
	// Resume skips jobs whose test id the run already recorded (Store.Done).
	Resume bool
	// RerunFailed re-runs a test that failed, timed out or crashed up to this
	// many more times, until it passes. Each attempt is recorded as its own
	// result with Attempt 2, 3, ..., so flaky tests can be told apart later.
	RerunFailed int
	// Categorize sorts a non-passing result into an error category
	// (memory_error, shape_mismatch, ...); default DefaultCategorize.
	Categorize func(status results.Status, message, traceback string) string

	// Unavailable maps a hardware key to why its tests cannot run on this
	// runner (no browser for webgpu, say); those tests are recorded as
	// infra_error without running.
	Unavailable map[string]InfraProblem

	// onStart, when set (by tests), is told the pid of each started worker.
	onStart func(pid int)
}

// DefaultCategorize is the Categorize used when Executor.Categorize is nil:
// "" for a pass, else the status itself.
func DefaultCategorize(status results.Status, _, _ string) string {
	if status == results.StatusPass {
		return ""
	}
	return string(status)
}

// Summary is what one Run did.
type Summary struct {
	Tests   int // jobs run (after resume skipped some)
	Resumed int // jobs skipped because the run already recorded them
	// Counts has the status of each test's first attempt.
	Counts map[results.Status]int
	// Reruns counts extra attempts; Flaky lists the test ids that failed at
	// first and then passed on a rerun.
	Reruns int
	Flaky  []string
	// Restarts counts workers started to replace one lost to a timeout or
	// crash.
	Restarts int
	Workers  int
	// Wall is the time the whole Run took; InTest sums the wall time of every
	// attempt as the harness measured it (build, warmup and timing included).
	Wall   time.Duration
	InTest time.Duration
	// Infra counts the infra_error tests by their message (reason and fix).
	Infra map[string]int
}

// Failed counts tests whose first attempt failed, timed out or crashed.
func (s Summary) Failed() int {
	return s.Counts[results.StatusFail] + s.Counts[results.StatusTimeout] + s.Counts[results.StatusCrash]
}

// Overhead is the orchestration overhead factor: shard wall time per unit of
// in-test time, Wall*Workers/InTest (Wall/InTest for the usual one worker). 1
// means no overhead; 1.25 means a quarter more time went into starting
// workers, IPC and recording than into the tests. It is 0 when nothing ran.
func (s Summary) Overhead() float64 {
	if s.InTest <= 0 {
		return 0
	}
	w := s.Workers
	if w < 1 {
		w = 1
	}
	return float64(s.Wall) * float64(w) / float64(s.InTest)
}

// Run runs jobs as one shard of run and records every result in Store as soon
// as its test ends.
//
// A test the runner is not set up for is recorded as infra_error, before it
// runs (its hardware is Unavailable, the worker's ready line lists a module it
// Requires as missing, or the worker cannot start because a module is
// missing) or after the shard (at least half of its first attempts failed
// with the same missing package; see shardSignature).
//
// It calls Store.BeginRun first. The caller may already have begun the run
// (resuming, or recording runner details earlier), so Store implementations
// must treat BeginRun of an existing run id as an update, not an error. A zero
// run.StartedAt is set from Clock. When every job has been run, it calls
// Store.FinishRun.
//
// When ctx ends, Run kills every worker's process group, does not record the
// tests that were running (a resumed run picks them up) and does not finish
// the run; it returns the summary so far and the context's cause. It returns
// an error too when the store fails or a worker cannot be started
// three times in a row; results recorded before that are kept.
func (e *Executor) Run(ctx context.Context, run results.Run, jobs []Job) (Summary, error) {
	if e.Store == nil {
		return Summary{}, errors.New("run tests: executor has no store")
	}
	if run.RunID == "" {
		return Summary{}, errors.New("run tests: empty run id")
	}
	for _, j := range jobs {
		if !filepath.IsAbs(j.File) {
			return Summary{}, fmt.Errorf("run tests: %s: test file %q is not an absolute path", j.ID, j.File)
		}
	}
	now := e.now()
	begun := now
	if run.StartedAt.IsZero() {
		run.StartedAt = now
	}
	if err := e.Store.BeginRun(ctx, run); err != nil {
		return Summary{}, fmt.Errorf("run tests: begin run %q: %w", run.RunID, err)
	}

	sum := Summary{Counts: map[results.Status]int{}, Infra: map[string]int{}}
	if e.Resume {
		done, err := e.Store.Done(ctx, run.RunID)
		if err != nil {
			return Summary{}, fmt.Errorf("run tests: resume run %q: %w", run.RunID, err)
		}
		kept := jobs[:0:0]
		for _, j := range jobs {
			if done[j.ID.String()] {
				sum.Resumed++
				continue
			}
			kept = append(kept, j)
		}
		jobs = kept
	}
	sum.Tests = len(jobs)
	sum.Workers = min(max(e.Workers, 1), max(len(jobs), 1))

	prog := e.Progress
	if prog == nil {
		prog = nopProgress{}
	}
	prog.Start(ShardInfo{Shard: run.Shard, Hardware: hardwareOf(jobs), Total: len(jobs), Resumed: sum.Resumed, Workers: sum.Workers})

	queue := make(chan Job, len(jobs))
	for _, j := range jobs {
		queue <- j
	}
	close(queue)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s := &shard{
		e:        e,
		runID:    run.RunID,
		progress: prog,
		sum:      &sum,
		cancel:   cancel,
		env:      append(e.workerEnv(), "HWCOV_REQUIRE="+strings.Join(requiredModules(jobs), ",")),
		stderrMu: &sync.Mutex{},
	}
	var wg sync.WaitGroup
	if len(jobs) > 0 {
		for i := range sum.Workers {
			wg.Go(func() { s.slot(ctx, i+1, queue) })
		}
	}
	wg.Wait()

	if err := context.Cause(ctx); err != nil {
		sum.Wall = e.now().Sub(begun)
		sort.Strings(sum.Flaky)
		return sum, fmt.Errorf("run tests: %w", err)
	}
	if err := s.reclassify(); err != nil {
		return sum, err
	}
	finished := e.now()
	sum.Wall = finished.Sub(begun)
	sort.Strings(sum.Flaky)
	if err := e.Store.FinishRun(ctx, run.RunID, finished); err != nil {
		return sum, fmt.Errorf("run tests: finish run %q: %w", run.RunID, err)
	}
	prog.Finish(sum)
	return sum, nil
}

// shard is the state one Run shares between its worker slots.
type shard struct {
	e        *Executor
	runID    string
	progress Progress
	cancel   context.CancelCauseFunc
	env      []string
	stderrMu *sync.Mutex

	mu  sync.Mutex // guards what follows and serialises Store.Record and progress
	sum *Summary
	// broken is set when a worker could not start for a reason of the
	// runner's setup: every test left is recorded as infra_error.
	broken *InfraProblem
	// missingFails keeps the failures that name a missing package, and
	// firsts counts the first attempts that ran, for shardSignature.
	missingFails []results.Result
	firsts       int
}

// slot drives one worker: it takes jobs from the queue until it is empty or
// ctx ends, starting a new worker whenever the last one was lost.
func (s *shard) slot(ctx context.Context, n int, queue <-chan Job) {
	var w *worker
	defer func() {
		if w != nil {
			w.close()
		}
	}()
	started := 0
	for job := range queue {
		if p, ok := s.blocked(job); ok {
			if err := s.record(s.e.infraResult(s.runID, job, p, s.e.now())); err != nil {
				s.cancel(err)
				return
			}
			continue
		}
		for attempt := 1; ; attempt++ {
			if ctx.Err() != nil {
				return
			}
			if w != nil && w.dead() {
				// It died between tests (a thread left behind by the last
				// one, say): do not blame the next test for it.
				w.kill()
				w = nil
			}
			if w == nil {
				var err error
				w, err = s.start(ctx, n)
				if p, ok := startProblem(err); ok && ctx.Err() == nil {
					s.mu.Lock()
					s.broken = &p
					s.mu.Unlock()
					if err := s.record(s.e.infraResult(s.runID, job, p, s.e.now())); err != nil {
						s.cancel(err)
						return
					}
					break
				}
				if err != nil {
					s.cancel(err)
					return
				}
				started++
				if started > 1 {
					s.mu.Lock()
					s.sum.Restarts++
					s.mu.Unlock()
				}
			}
			if p, ok := s.jobProblem(job, w.missing); ok {
				if err := s.record(s.e.infraResult(s.runID, job, p, s.e.now())); err != nil {
					s.cancel(err)
					return
				}
				break
			}
			r, err := s.runOne(ctx, w, job, attempt)
			if err != nil {
				// ctx ended and the worker was killed; the test is not recorded.
				w = nil
				return
			}
			if w.stopped {
				w = nil
			}
			if err := s.record(r); err != nil {
				s.cancel(err)
				return
			}
			if !failed(r.Status) || attempt > s.e.RerunFailed {
				break
			}
		}
	}
}

// start starts a worker for slot n, trying maxStartAttempts times.
func (s *shard) start(ctx context.Context, n int) (*worker, error) {
	cfg := workerConfig{
		python:       s.e.python(),
		args:         workerArgs,
		env:          s.env,
		startTimeout: durationOr(s.e.StartTimeout, DefaultStartTimeout),
		stderr:       s.e.Stderr,
		stderrMu:     s.stderrMu,
		prefix:       fmt.Sprintf("[w%d] ", n),
	}
	var errs []error
	for range maxStartAttempts {
		w, err := startWorker(ctx, cfg)
		if err == nil {
			if s.e.onStart != nil {
				s.e.onStart(w.pid)
			}
			return w, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("worker failed to start %d times: %w", maxStartAttempts, errs[len(errs)-1])
}

// runOne runs one attempt of job on w and turns the outcome into a result.
func (s *shard) runOne(ctx context.Context, w *worker, job Job, attempt int) (results.Result, error) {
	timeout := durationOr(job.Timeout, durationOr(s.e.DefaultTimeout, DefaultTestTimeout))
	started := s.e.now()
	o, err := w.run(ctx, job.ID.String(), job.File, jobParams(job), timeout)
	finished := s.e.now()
	if err != nil {
		return results.Result{}, err
	}
	return s.e.toResult(s.runID, job, attempt, o, started, finished), nil
}

// record stores one result and reports it.
func (s *shard) record(r results.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A finished test is kept even when the run is being cancelled.
	if err := s.e.Store.Record(context.Background(), r); err != nil {
		return fmt.Errorf("record %s: %w", r.TestID, err)
	}
	if r.Status == results.StatusInfraError {
		s.sum.Infra[r.ErrorMessage]++
	} else if _, ok := MissingModule(r.ErrorMessage); ok && failed(r.Status) {
		s.missingFails = append(s.missingFails, r)
	}
	if r.Attempt == 1 {
		s.sum.Counts[r.Status]++
		if r.Status != results.StatusInfraError {
			s.firsts++
		}
	} else {
		s.sum.Reruns++
		if r.Status == results.StatusPass {
			s.sum.Flaky = append(s.sum.Flaky, r.TestID)
		}
	}
	s.sum.InTest += time.Duration(r.WallMS * float64(time.Millisecond))
	s.progress.TestDone(r)
	return nil
}

// blocked says why job cannot run before any worker is asked: its hardware
// is unavailable here, or workers cannot start.
func (s *shard) blocked(job Job) (InfraProblem, bool) {
	if p, ok := s.e.Unavailable[job.ID.Hardware]; ok {
		return p, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return *s.broken, true
	}
	return InfraProblem{}, false
}

// reclassify re-records as infra_error the failures shardSignature blames on
// a missing package, and moves them in the summary.
func (s *shard) reclassify() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	mod, idx := shardSignature(s.missingFails, s.firsts)
	if mod == "" {
		return nil
	}
	p := moduleProblem(mod, "")
	for _, i := range idx {
		r := s.missingFails[i]
		if r.Attempt == 1 {
			s.sum.Counts[r.Status]--
			if s.sum.Counts[r.Status] == 0 {
				delete(s.sum.Counts, r.Status)
			}
			s.sum.Counts[results.StatusInfraError]++
			s.sum.Infra[p.Message()]++
		}
		r.Status, r.ErrorMessage, r.ErrorCategory = results.StatusInfraError, p.Message(), results.ErrorCategoryInfra
		if err := s.e.Store.Record(context.Background(), r); err != nil {
			return fmt.Errorf("run tests: record %s: %w", r.TestID, err)
		}
	}
	return nil
}

// failed reports whether a status asks for a rerun.
func failed(st results.Status) bool {
	return st == results.StatusFail || st == results.StatusTimeout || st == results.StatusCrash
}

// jobParams is the params sent to run_test: the job's own plus batch_size,
// seq_len and precision from its id when missing.
func jobParams(j Job) map[string]any {
	p := make(map[string]any, len(j.Params)+3)
	for k, v := range j.Params {
		p[k] = v
	}
	setDefault := func(k string, v any) {
		if _, ok := p[k]; !ok {
			p[k] = v
		}
	}
	setDefault("batch_size", j.ID.Batch)
	setDefault("seq_len", j.ID.Seq)
	setDefault("precision", j.ID.Precision)
	return p
}

// hardwareOf lists the hardware platforms of jobs, comma separated.
func hardwareOf(jobs []Job) string {
	seen := map[string]bool{}
	var hw []string
	for _, j := range jobs {
		if !seen[j.ID.Hardware] {
			seen[j.ID.Hardware] = true
			hw = append(hw, j.ID.Hardware)
		}
	}
	sort.Strings(hw)
	return strings.Join(hw, ",")
}

// workerEnv is the worker's environment: the base environment,
// HF_HUB_OFFLINE=1, Env, and PYTHONPATH with HarnessPath in front.
func (e *Executor) workerEnv() []string {
	environ := e.Environ
	if environ == nil {
		environ = os.Environ
	}
	env := append(append(environ(), "HF_HUB_OFFLINE=1"), e.Env...)
	if e.HarnessPath != "" {
		pp := e.HarnessPath
		for i := len(env) - 1; i >= 0; i-- {
			if v, ok := strings.CutPrefix(env[i], "PYTHONPATH="); ok {
				if v != "" {
					pp += string(os.PathListSeparator) + v
				}
				break
			}
		}
		env = append(env, "PYTHONPATH="+pp)
	}
	return env
}

func (e *Executor) python() string {
	if e.Python == "" {
		return DefaultPython
	}
	return e.Python
}

func (e *Executor) now() time.Time {
	if e.Clock == nil {
		return time.Now()
	}
	return e.Clock()
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
