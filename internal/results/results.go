package results

import (
	"context"
	"time"
)

// Status is the outcome of one test.
type Status string

// The statuses a result can have. NotRun and Incompatible are never stored as
// results; reports derive them from the catalog and the plan.
const (
	StatusPass         Status = "pass"
	StatusFail         Status = "fail"
	StatusTimeout      Status = "timeout"
	StatusCrash        Status = "crash"
	StatusSkip         Status = "skip"          // the harness decided not to run (e.g. no runner for this platform)
	StatusNotBuildable Status = "not_buildable" // the architecture cannot be built from a config
	// StatusInfraError says the runner is not set up to run the test (its
	// Python lacks torch or the platform's package, the harness cannot be
	// imported, no browser): the infrastructure's fault, never the platform's.
	// ErrorMessage holds the reason and the fix ("... Try: ...").
	StatusInfraError   Status = "infra_error"
	StatusNotRun       Status = "not_run"
	StatusIncompatible Status = "incompatible"
)

// Passed reports whether s counts as a pass.
func (s Status) Passed() bool { return s == StatusPass }

// Infra reports whether s says the runner, not the test, failed.
func (s Status) Infra() bool { return s == StatusInfraError }

// ErrorCategoryInfra is the ErrorCategory of every infra_error result.
const ErrorCategoryInfra = "infrastructure"

// InfraMessage is the ErrorMessage of an infra_error result: the reason, then
// the fix as "Try: ...".
func InfraMessage(reason, fix string) string {
	if fix == "" {
		return reason
	}
	return reason + ". Try: " + fix
}

// Result is one finished test: the guide's comprehensive_test_results row plus
// what CI needs.
type Result struct {
	ID            int64     // unique across shards: hash of RunID and TestID and Attempt
	RunID         string    // the run it belongs to
	TestID        string    // bert@cpu/fp32/b1/s128
	ModelName     string    // tiny model name, e.g. "hf-internal-tiny/bert"
	Architecture  string    // model_type: bert
	Category      string    // text-encoder, vision, ...
	Hardware      string    // platform key
	Precision     string    // fp32, fp16, bf16, int8
	BatchSize     int       //
	SeqLen        int       //
	Status        Status    //
	Success       bool      // Status == pass (the guide's test_success)
	ExecutionMS   float64   // mean of SamplesMS (the guide's execution_time_ms)
	SamplesMS     []float64 // every timed iteration
	MemoryMB      float64   // peak memory during the test
	ErrorMessage  string    // first line of the error, empty on pass
	ErrorCategory string    // memory_error, shape_mismatch, ...
	Traceback     string    // full traceback or stderr tail
	TemplateChain string    // "base > text-encoder > cpu"
	GeneratedFile string    // path of the generated test
	PatchVersion  string    // template revision (the guide's patch_version)
	Output        string    // JSON summary of outputs: shapes, finite, checksum
	Extra         string    // JSON: environment, adapter info, profile, applied optimizations
	Attempt       int       // 1 for the first try, 2.. for reruns
	StartedAt     time.Time //
	FinishedAt    time.Time //
	WallMS        float64   // whole test wall time including build
}

// Run is one invocation of hwcov run (one shard of a CI run).
type Run struct {
	RunID         string
	GitSHA        string
	GitRef        string
	PRNumber      int
	WorkflowRunID int64
	RunAttempt    int
	Shard         string // "i/n" or the plan's shard id
	RunnerName    string
	RunnerLabels  []string
	HwcovVersion  string
	Environment   string // JSON: python, torch, transformers versions, CPU
	StartedAt     time.Time
	FinishedAt    time.Time
}

// Store persists runs and results. Implementations commit each result as soon
// as it is recorded so that a killed process keeps what it finished.
type Store interface {
	BeginRun(ctx context.Context, r Run) error
	Record(ctx context.Context, r Result) error
	FinishRun(ctx context.Context, runID string, at time.Time) error
	// Done lists the test ids a run already recorded (for --resume).
	Done(ctx context.Context, runID string) (map[string]bool, error)
	// Results returns the newest result per test id across all runs, or those of
	// one run when runID is not empty.
	Results(ctx context.Context, runID string) ([]Result, error)
	Close() error
}
