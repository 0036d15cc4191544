package runners

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

func TestToResult(t *testing.T) {
	started := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	finished := started.Add(1500 * time.Millisecond)
	job := Job{
		ID:            testid.ID{Model: "bert", Hardware: "cuda", Precision: "fp16", Batch: 2, Seq: 64},
		File:          "/gen/test_bert_cuda.py",
		Category:      "text-encoder",
		TemplateChain: "base > text-encoder > cuda",
	}
	base := results.Result{
		RunID: "r1", TestID: "bert@cuda/fp16/b2/s64", Architecture: "bert", Category: "text-encoder",
		Hardware: "cuda", Precision: "fp16", BatchSize: 2, SeqLen: 64,
		TemplateChain: "base > text-encoder > cuda", GeneratedFile: "/gen/test_bert_cuda.py",
		Attempt: 1, StartedAt: started, FinishedAt: finished, WallMS: 1500,
	}
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		o    outcome
		want func(r *results.Result)
	}{
		{
			name: "pass",
			o: outcome{result: &wireResult{
				Status: "pass", SamplesMS: []float64{1, 2, 3}, MemoryMB: f(12.5), WallMS: f(900),
				Output: json.RawMessage(`{ "shape": [2, 64] }`), Extra: json.RawMessage(`{"pid": 7}`), ModelName: "tiny/bert",
			}},
			want: func(r *results.Result) {
				r.Status, r.Success = results.StatusPass, true
				r.SamplesMS, r.ExecutionMS, r.MemoryMB, r.WallMS = []float64{1, 2, 3}, 2, 12.5, 900
				r.Output, r.Extra, r.ModelName = `{"shape":[2,64]}`, `{"pid":7}`, "tiny/bert"
			},
		},
		{
			name: "fail",
			o: outcome{result: &wireResult{
				Status: "fail", ErrorMessage: "\nRuntimeError: CUDA out of memory.\nTried to allocate 2 GiB",
				Traceback: "Traceback (most recent call last):\n...\nRuntimeError: CUDA out of memory.", ExecutionMS: f(4), Output: json.RawMessage("null"),
			}},
			want: func(r *results.Result) {
				r.Status, r.ErrorMessage, r.ErrorCategory = results.StatusFail, "RuntimeError: CUDA out of memory.", "fail"
				r.Traceback = "Traceback (most recent call last):\n...\nRuntimeError: CUDA out of memory."
				r.ExecutionMS = 4
			},
		},
		{
			name: "fail with only a traceback",
			o:    outcome{result: &wireResult{Status: "fail", Traceback: "Traceback:\n  x\nKeyError: 'pixel_values'\n"}},
			want: func(r *results.Result) {
				r.Status, r.ErrorMessage, r.ErrorCategory = results.StatusFail, "KeyError: 'pixel_values'", "fail"
				r.Traceback = "Traceback:\n  x\nKeyError: 'pixel_values'\n"
			},
		},
		{
			name: "unknown status",
			o:    outcome{result: &wireResult{Status: "error", ErrorMessage: "boom"}},
			want: func(r *results.Result) {
				r.Status, r.ErrorMessage, r.ErrorCategory = results.StatusFail, `harness reported unknown status "error": boom`, "fail"
			},
		},
		{
			name: "not buildable",
			o:    outcome{result: &wireResult{Status: "not_buildable", ErrorMessage: "no config class"}},
			want: func(r *results.Result) {
				r.Status, r.ErrorMessage, r.ErrorCategory = results.StatusNotBuildable, "no config class", "not_buildable"
			},
		},
		{
			name: "coloured message and traceback",
			o: outcome{result: &wireResult{
				Status:       "fail",
				ErrorMessage: "\x1b[0m\n\x1b[1;31mRuntimeError\x1b[0m: CUDA out of memory.",
				Traceback:    "Traceback:\n  File \x1b[35m\"t.py\"\x1b[0m\n\x1b[31mRuntimeError\x1b[0m: CUDA out of memory.",
			}},
			want: func(r *results.Result) {
				r.Status, r.ErrorMessage, r.ErrorCategory = results.StatusFail, "RuntimeError: CUDA out of memory.", "fail"
				r.Traceback = "Traceback:\n  File \"t.py\"\nRuntimeError: CUDA out of memory."
			},
		},
		{
			name: "crash with a coloured stderr tail",
			o:    outcome{status: results.StatusCrash, msg: "worker exited with status 1", tail: "\x1b[38;5;196mFatal Python error\x1b[m"},
			want: func(r *results.Result) {
				r.Status, r.ErrorCategory = results.StatusCrash, "crash"
				r.ErrorMessage, r.Traceback = "worker exited with status 1", "Fatal Python error"
			},
		},
		{
			name: "crash",
			o:    outcome{status: results.StatusCrash, msg: "worker killed by signal SIGSEGV (segmentation fault) while the test ran", tail: "Fatal Python error"},
			want: func(r *results.Result) {
				r.Status, r.ErrorCategory = results.StatusCrash, "crash"
				r.ErrorMessage, r.Traceback = "worker killed by signal SIGSEGV (segmentation fault) while the test ran", "Fatal Python error"
			},
		},
	}
	e := &Executor{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := base
			tt.want(&want)
			got := e.toResult("r1", job, 1, tt.o, started, finished)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("toResult:\n got %+v\nwant %+v", got, want)
			}
		})
	}

	// A custom categorizer sees status, message and traceback.
	e.Categorize = func(st results.Status, msg, tb string) string {
		if st == results.StatusFail && msg == "RuntimeError: CUDA out of memory." {
			return "memory_error"
		}
		return "other"
	}
	got := e.toResult("r1", job, 2, tests[1].o, started, finished)
	if got.ErrorCategory != "memory_error" || got.Attempt != 2 {
		t.Errorf("ErrorCategory %q Attempt %d", got.ErrorCategory, got.Attempt)
	}
}

func TestStripANSI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, no escapes", "plain text, no escapes"},
		{"\x1b[31mRuntimeError\x1b[0m: boom", "RuntimeError: boom"},
		{"\x1b[1;38;2;255;0;0mbold red\x1b[m", "bold red"},
		{"\x1b[2K\x1b[1Gprogress 50%", "progress 50%"},
		{"\x1b[?25lhidden cursor\x1b[?25h", "hidden cursor"},
		{"see \x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\ here", "see link here"},
		{"\x1b]0;window title\x07after", "after"},
		{"cut off \x1b]8;;https://exa", "cut off "},
		{"charset \x1b(Bswitch", "charset switch"},
		{"keypad \x1b=mode\x1b>", "keypad mode"},
		{"lone escape at the end\x1b", "lone escape at the end"},
		{"cut CSI \x1b[31", "cut CSI "},
		{"tab\tand newline\n stay", "tab\tand newline\n stay"},
		{"ünïcode \x1b[32m✓\x1b[0m", "ünïcode ✓"},
	}
	for _, tt := range tests {
		if got := stripANSI(tt.in); got != tt.want {
			t.Errorf("stripANSI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
