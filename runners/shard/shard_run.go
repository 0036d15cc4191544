package shard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/errpattern"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/runners"
	"github.com/hwcov/hwcov/runners/web"
)

// Options say how a shard's tests run.
type Options struct {
	Python, Harness string
	Workers         int
	Warmup          int
	Iterations      int
	RerunFailed     int
	Timeout         time.Duration // per test; 0: the platform's default_timeout_seconds
	Resume          bool          // continue the shard's newest run, skipping recorded tests
	RunID           string        // "" : from the environment (runners.NewRun)
	Profile         string
	Optimizations   string
	Benchmark       bool
	Params          map[string]any // added to every job's params

	Version    string
	Getenv     func(string) string
	Now        func() time.Time
	Web        func() (web.Options, error)
	Log        io.Writer // the runner's own lines (browser service)
	Progress   runners.Progress
	TestOutput io.Writer // what tests print; nil drops it
}

// Result is what a shard's run produced.
type Result struct {
	Run     results.Run
	Summary runners.Summary
	DB      string
}

// NewRun is the record of a run of the shard named shard on hardware; with
// Resume and no RunID, it continues the shard's newest run in db.
func NewRun(ctx context.Context, db *store.DB, shard string, hardware []string, o Options) results.Run {
	run := runners.NewRun(o.Getenv, o.Now(), o.Version, shard, hardware)
	run.Environment = o.environment(run.Environment)
	if o.RunID != "" {
		run.RunID = o.RunID
	}
	if o.Resume && o.RunID == "" {
		if prev, ok, _ := db.NewestRun(ctx, run.Shard); ok {
			run.RunID = prev
		}
	}
	return run
}

// Run runs the tests as run, committing each result to db the moment its
// test ends, with the browser service when web platforms are among them.
func Run(ctx context.Context, db *store.DB, run results.Run, t Tests, o Options) (Result, error) {
	out := Result{Run: run, DB: db.Path()}
	if len(t.Planned) > 0 {
		if err := db.RecordPlan(ctx, t.Planned); err != nil {
			return out, err
		}
	}
	jobs, err := o.Jobs(t)
	if err != nil {
		return out, err
	}
	svc, err := runners.StartBrowserService(ctx, o.Getenv, o.Web, o.Log, jobs)
	if err != nil {
		return out, err
	}
	defer svc.Stop()
	ex := &runners.Executor{
		Python: o.Python, HarnessPath: o.Harness, Workers: o.Workers, Store: db,
		Env:         append([]string{"TRANSFORMERS_OFFLINE=1", "PYTHONDONTWRITEBYTECODE=1", "TOKENIZERS_PARALLELISM=false"}, svc.Env...),
		Progress:    o.Progress,
		Clock:       o.Now,
		Stderr:      o.TestOutput,
		Resume:      o.Resume,
		RerunFailed: o.RerunFailed,
		Categorize:  errpattern.Categorize,
		Unavailable: svc.Unavailable,
	}
	out.Summary, err = ex.Run(ctx, run, jobs)
	return out, err
}

// Jobs are the runner jobs of the tests' cells, each with its generated file.
func (o Options) Jobs(t Tests) ([]runners.Job, error) {
	byPair := map[string]int{}
	for i, f := range t.Files {
		byPair[f.ID.Pair()] = i
	}
	jobs := make([]runners.Job, 0, len(t.Cells))
	for _, c := range t.Cells {
		i, ok := byPair[c.Pair()]
		if !ok {
			return nil, fmt.Errorf("run: no generated file for %s", c)
		}
		f := t.Files[i]
		timeout := o.Timeout
		if timeout == 0 && f.HW.DefaultTimeoutSeconds > 0 {
			timeout = time.Duration(f.HW.DefaultTimeoutSeconds) * time.Second
		}
		params := o.params(c)
		if timeout > 0 {
			params["timeout_s"] = timeout.Seconds() // the browser gets the same budget
		}
		jobs = append(jobs, runners.Job{
			ID: c, File: f.File, Timeout: timeout, Category: f.Arch.Category, TemplateChain: f.Chain,
			PatchVersion: f.Revision,
			Params:       params,
			Requires:     runners.FileImports(f.File),
		})
	}
	return jobs, nil
}

// params are the params of the job for cell c: the cell itself, the timing,
// and the benchmark options.
func (o Options) params(c testid.ID) map[string]any {
	p := map[string]any{"warmup": o.Warmup, "iterations": o.Iterations}
	if c.Batch > 0 {
		p["batch_size"] = c.Batch
	}
	if c.Seq > 0 {
		p["seq_len"] = c.Seq
	}
	if c.Precision != "" {
		p["precision"] = c.Precision
	}
	if o.Profile != "" {
		p["profile"] = o.Profile
	}
	if o.Optimizations != "" {
		p["optimizations"] = o.Optimizations
	}
	if o.Benchmark {
		p["benchmark"] = true
	}
	for k, v := range o.Params {
		p[k] = v
	}
	return p
}

// environment adds the benchmark options to the run's environment JSON.
func (o Options) environment(env string) string {
	m := map[string]any{}
	_ = json.Unmarshal([]byte(env), &m)
	if o.Benchmark {
		m["benchmark"] = true
	}
	if o.Profile != "" {
		m["profile"] = o.Profile
	}
	if o.Optimizations != "" {
		m["optimizations"] = o.Optimizations
	}
	b, err := json.Marshal(m)
	if err != nil {
		return env
	}
	return string(b)
}

// Verdict turns a shard's outcome into an error: interrupted, the run's own
// error, tests the runner was not set up for, or failed tests when
// failOnError is set.
func (r Result) Verdict(runErr error, failOnError bool) error {
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) || errors.Is(runErr, hwerr.ErrInterrupted) {
			return &hwerr.InterruptedError{Msg: fmt.Sprintf("run %s: finished results are in %s (continue with --resume)", r.Run.RunID, r.DB)}
		}
		return runErr
	}
	if err := InfraOf(r.Summary); err != nil {
		return err
	}
	if failOnError && r.Summary.Failed() > 0 {
		return &hwerr.PolicyError{Msg: fmt.Sprintf("%d tests failed, crashed or timed out (--fail-on-error)", r.Summary.Failed())}
	}
	return nil
}

// InfraOf is the error of a run some of whose tests the runner was not set
// up for: one line with the reasons, and each fix.
func InfraOf(sum runners.Summary) error {
	n := sum.Counts[results.StatusInfraError]
	if n == 0 {
		return nil
	}
	msgs := make([]string, 0, len(sum.Infra))
	for m := range sum.Infra {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	var reasons, fixes []string
	seen := map[string]bool{}
	for _, m := range msgs {
		reason, fix, _ := strings.Cut(m, ". Try: ")
		reasons = append(reasons, reason)
		if fix != "" && !seen[fix] {
			seen[fix] = true
			fixes = append(fixes, fix)
		}
	}
	return &hwerr.InfraError{
		Msg:   fmt.Sprintf("%s could not run on this runner (infra_error): %s", runners.Plural(n, "test"), strings.Join(reasons, "; ")),
		Fixes: fixes,
	}
}
