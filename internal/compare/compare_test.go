package compare

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// mk builds one attempt of a test in a run; run n finishes n hours after t0.
func mk(run int, id string, attempt int, st results.Status, samples ...float64) results.Result {
	tid, err := testid.Parse(id)
	if err != nil {
		panic(err)
	}
	r := results.Result{
		RunID: fmt.Sprintf("run-%d", run), TestID: id, Architecture: tid.Model, Hardware: tid.Hardware,
		Precision: tid.Precision, BatchSize: tid.Batch, SeqLen: tid.Seq, Status: st, Attempt: attempt,
		Category: "text-encoder", FinishedAt: t0.Add(time.Duration(run)*time.Hour + time.Duration(attempt)*time.Minute),
		SamplesMS: samples,
	}
	if st != results.StatusPass {
		r.ErrorMessage, r.ErrorCategory = "RuntimeError: boom\n  at line 3", "runtime_error"
	}
	return r
}

// around returns n samples spread evenly around mean (±2%).
func around(mean float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = mean * (0.98 + 0.04*float64(i)/float64(max(n-1, 1)))
	}
	return out
}

func ids(cs []Change) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.TestID)
	}
	return out
}

func TestCompareStatuses(t *testing.T) {
	const (
		newFail  = "bert@cpu/fp32/b1/s128"
		fixed    = "vit@cpu/fp32/b1/s224"
		still    = "t5@cpu/fp32/b1/s128"
		flaky    = "gpt2@cpu/fp32/b1/s128"
		notRun   = "llama@cpu/fp32/b1/s128"
		lost     = "whisper@cpu/fp32/b1/s128"
		newTest  = "mamba@cpu/fp32/b1/s128"
		same     = "bert@cuda/fp16/b1/s128"
		skipped  = "clip@cpu/fp32/b1/s77"
		crashNew = "bert@openvino/fp32/b1/s128"
	)
	base := []results.Result{
		mk(1, newFail, 1, results.StatusPass), mk(1, fixed, 1, results.StatusFail),
		mk(1, still, 1, results.StatusCrash), mk(1, flaky, 1, results.StatusPass),
		mk(1, notRun, 1, results.StatusPass), mk(1, lost, 1, results.StatusFail),
		mk(1, same, 1, results.StatusPass), mk(1, skipped, 1, results.StatusSkip),
		mk(1, crashNew, 1, results.StatusPass),
		// An older base run where newFail failed: the newest run decides.
		mk(0, newFail, 1, results.StatusFail),
	}
	lostRes := results.Result{TestID: lost, Architecture: "whisper", Hardware: "cpu", Status: results.StatusNotRun,
		ErrorMessage: "not run (shard cpu-3of3 lost)"}
	head := []results.Result{
		mk(2, newFail, 1, results.StatusFail), mk(2, fixed, 1, results.StatusPass),
		mk(2, still, 1, results.StatusTimeout), mk(2, flaky, 1, results.StatusFail), mk(2, flaky, 2, results.StatusPass),
		lostRes, mk(2, newTest, 1, results.StatusFail), mk(2, same, 1, results.StatusPass),
		mk(2, skipped, 1, results.StatusSkip), mk(2, crashNew, 1, results.StatusCrash),
	}
	rep, err := Compare(base, head, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		got  []Change
		want []string
	}{
		{"new failures", rep.NewFailures, []string{newFail, crashNew}},
		{"fixed", rep.Fixed, []string{fixed}},
		{"still failing", rep.StillFailing, []string{still}},
		{"flaky", rep.Flaky, []string{flaky}},
		{"not run", rep.NotRun, []string{notRun, lost}},
		{"new tests", rep.NewTests, []string{newTest}},
	} {
		got := ids(tc.got)
		slices.Sort(got)
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	nf := rep.NewFailures[0]
	if nf.TestID != newFail || nf.Base != results.StatusPass || nf.Head != results.StatusFail ||
		nf.Error != "RuntimeError: boom" || nf.ErrorCategory != "runtime_error" || nf.Architecture != "bert" {
		t.Errorf("new failure = %+v", nf)
	}
	if fl := rep.Flaky[0]; !slices.Equal(fl.Attempts, []results.Status{results.StatusFail, results.StatusPass}) || fl.Error != "RuntimeError: boom" {
		t.Errorf("flaky = %+v", fl)
	}
	for _, c := range rep.NotRun {
		if c.TestID == lost && (c.Head != results.StatusNotRun || c.Error != "not run (shard cpu-3of3 lost)") {
			t.Errorf("lost shard test = %+v", c)
		}
		if c.TestID == notRun && c.Head != "" {
			t.Errorf("missing test = %+v", c)
		}
	}
	if rep.Fixed[0].Error != "RuntimeError: boom" {
		t.Errorf("fixed shows the base's error, got %+v", rep.Fixed[0])
	}
	if rep.Head.Tests != 9 || rep.Head.Runs != 1 || rep.Head.Failing != 4 || rep.Base.Tests != 9 || rep.Base.Runs != 2 {
		t.Errorf("counts: head %+v base %+v", rep.Head, rep.Base)
	}
	if rep.NewTestsFailing() != 1 {
		t.Errorf("new tests failing = %d, want 1", rep.NewTestsFailing())
	}
	if v := DefaultPolicy().Violations(rep); !slices.Equal(v, []string{"2 new failures"}) {
		t.Errorf("default policy violations = %v", v)
	}
	p, _ := ParsePolicy("flaky,not-run,failures")
	if v := p.Violations(rep); !slices.Equal(v, []string{"1 flaky test", "2 tests not run", "4 failing tests"}) {
		t.Errorf("violations = %v", v)
	}
}

func TestComparePerf(t *testing.T) {
	const (
		slower   = "bert@cpu/fp32/b1/s128"
		faster   = "vit@cpu/fp32/b1/s224"
		noisy    = "t5@cpu/fp32/b1/s128"
		few      = "gpt2@cpu/fp32/b1/s128"
		steady   = "clip@cpu/fp32/b1/s77"
		fiveFive = "llama@cpu/fp32/b1/s128"
	)
	noisyBase := []float64{10, 30, 12, 28, 9, 31, 11, 27}
	noisyHead := []float64{13, 33, 12, 30, 10, 34, 14, 31} // median +~15%, but overlapping
	base := []results.Result{
		mk(1, slower, 1, results.StatusPass, around(10, 10)...),
		mk(1, faster, 1, results.StatusPass, around(20, 10)...),
		mk(1, noisy, 1, results.StatusPass, noisyBase...),
		mk(1, few, 1, results.StatusPass, around(10, 3)...),
		mk(1, steady, 1, results.StatusPass, around(10, 10)...),
		mk(1, fiveFive, 1, results.StatusPass, around(10, 5)...),
	}
	head := []results.Result{
		mk(2, slower, 1, results.StatusPass, around(13, 10)...),
		mk(2, faster, 1, results.StatusPass, around(15, 10)...),
		mk(2, noisy, 1, results.StatusPass, noisyHead...),
		mk(2, few, 1, results.StatusPass, around(20, 3)...),
		mk(2, steady, 1, results.StatusPass, around(10.5, 10)...),
		mk(2, fiveFive, 1, results.StatusPass, around(20, 5)...),
	}
	rep, err := Compare(base, head, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Regressions are sorted largest first: llama (+100%, 5 vs 5 apart: the
	// exact test's p = 2/252), then bert (+30%).
	if len(rep.Regressions) != 2 || rep.Regressions[0].TestID != fiveFive || rep.Regressions[1].TestID != slower ||
		rep.Regressions[1].Test != TestMannWhitney {
		t.Fatalf("regressions = %+v", rep.Regressions)
	}
	if r := rep.Regressions[0]; math.Abs(r.P-2.0/252) > 1e-12 || r.BaseN != 5 || r.HeadN != 5 {
		t.Errorf("5 vs 5 regression = %+v", r)
	}
	if r := rep.Regressions[1]; r.Delta < 0.29 || r.Delta > 0.31 || r.P >= 0.01 || r.BaseN != 10 || r.HeadN != 10 {
		t.Errorf("regression = %+v", r)
	}
	if len(rep.Improvements) != 1 || rep.Improvements[0].TestID != faster || rep.Improvements[0].Delta > -0.24 {
		t.Errorf("improvements = %+v", rep.Improvements)
	}
	verdicts := map[string]Perf{}
	for _, p := range rep.Unconfirmed {
		verdicts[p.TestID] = p
	}
	if v := verdicts[noisy]; v.Verdict != NotSignificant || v.P < 0.01 {
		t.Errorf("noisy = %+v, want not significant", v)
	}
	if v := verdicts[few]; v.Verdict != InsufficientData || !strings.Contains(v.Note, "3 base and 3 head values") {
		t.Errorf("few = %+v, want insufficient data", v)
	}
	if _, ok := verdicts[steady]; ok {
		t.Errorf("steady (+5%%) is listed: %+v", verdicts[steady])
	}
	if rep.Perf.Compared != 6 || rep.Perf.Within != 1 || rep.Perf.Confirmed != 3 || rep.Perf.Insufficient != 1 || rep.Perf.NotSignificant != 1 {
		t.Errorf("perf counts = %+v", rep.Perf)
	}

	// At alpha 0.005 no 5 vs 5 outcome is significant, and compare says so
	// instead of calling the doubling "not significant".
	rep, _ = Compare(base, head, Options{Alpha: 0.005})
	verdicts = map[string]Perf{}
	for _, p := range rep.Unconfirmed {
		verdicts[p.TestID] = p
	}
	if v := verdicts[fiveFive]; v.Verdict != InsufficientData || !strings.Contains(v.Note, "cannot reach p < 0.005") {
		t.Errorf("5 vs 5 at alpha 0.005 = %+v, want insufficient data (Mann-Whitney cannot reach alpha)", v)
	}

	// Welch's t-test sees 5 vs 5 well-separated samples as significant.
	rep, _ = Compare(base, head, Options{Test: TestWelch})
	got := []string{}
	for _, r := range rep.Regressions {
		got = append(got, r.TestID)
	}
	if !slices.Contains(got, fiveFive) || rep.Regressions[0].Test != TestWelch {
		t.Errorf("welch regressions = %v", got)
	}

	// A higher threshold hides the 30% regression, not the doubling.
	rep, _ = Compare(base, head, Options{Threshold: 0.5})
	if len(rep.Regressions) != 1 || rep.Regressions[0].TestID != fiveFive {
		t.Errorf("threshold 50%%: regressions = %+v", rep.Regressions)
	}
}

func TestCompareMemoryAndWindow(t *testing.T) {
	const id = "bert@cpu/fp32/b1/s128"
	var base []results.Result
	for run := 1; run <= 8; run++ {
		r := mk(run, id, 1, results.StatusPass, around(10, 10)...)
		r.MemoryMB = 500 + float64(run%3)
		base = append(base, r)
	}
	h := mk(9, id, 1, results.StatusPass, around(10, 10)...)
	h.MemoryMB = 650
	rep, err := Compare(base, []results.Result{h}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Regressions) != 1 || rep.Regressions[0].Metric != Memory || rep.Regressions[0].Test != TestPrediction {
		t.Fatalf("regressions = %+v", rep.Regressions)
	}
	if r := rep.Regressions[0]; r.BaseN != 5 || r.HeadN != 1 {
		t.Errorf("window 5 pools 5 base runs, got %+v", r)
	}
	// With a window of 2, memory has too few base values.
	rep, _ = Compare(base, []results.Result{h}, Options{Window: 2})
	if len(rep.Regressions) != 0 || len(rep.Unconfirmed) != 1 || rep.Unconfirmed[0].Verdict != InsufficientData {
		t.Errorf("window 2: regressions %+v unconfirmed %+v", rep.Regressions, rep.Unconfirmed)
	}
}

func withEnv(r results.Result, env map[string]any) results.Result {
	b, _ := json.Marshal(map[string]any{"environment": env, "pid": 1})
	r.Extra = string(b)
	return r
}

func TestCompareEnvironment(t *testing.T) {
	const (
		a = "bert@cpu/fp32/b1/s128"
		b = "vit@cpu/fp32/b1/s224"
	)
	old := map[string]any{"torch": "2.3.0", "python": "3.11.9", "pid": 1, "platform": "Linux-6.5"}
	cur := map[string]any{"torch": "2.4.0", "python": "3.11.9", "pid": 2, "platform": "Linux-6.8", "openvino": "2024.1"}
	base := []results.Result{
		withEnv(mk(1, a, 1, results.StatusPass, around(10, 10)...), old),
		withEnv(mk(1, b, 1, results.StatusPass, around(10, 10)...), old),
	}
	head := []results.Result{
		withEnv(mk(2, a, 1, results.StatusPass, around(20, 10)...), cur),
		withEnv(mk(2, b, 1, results.StatusFail), cur),
	}
	rep, err := Compare(base, head, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Regressions) != 0 {
		t.Errorf("compared across environments: %+v", rep.Regressions)
	}
	if len(rep.Unconfirmed) != 1 || rep.Unconfirmed[0].Verdict != EnvironmentDiffers ||
		rep.Unconfirmed[0].Note != "environment differs: torch 2.3.0 → 2.4.0" || rep.Perf.EnvRefused != 1 {
		t.Errorf("unconfirmed = %+v", rep.Unconfirmed)
	}
	if len(rep.NewFailures) != 1 || rep.NewFailures[0].EnvNote != "torch 2.3.0 → 2.4.0" {
		t.Errorf("new failure keeps an environment note: %+v", rep.NewFailures)
	}
	if len(rep.Environment) != 1 || rep.Environment[0] != (EnvChange{"torch", "2.3.0", "2.4.0", 1}) {
		t.Errorf("environment = %+v", rep.Environment)
	}

	// Ignoring torch makes them comparable again.
	rep, _ = Compare(base, head, Options{IgnoreEnv: []string{"torch"}})
	if len(rep.Regressions) != 1 {
		t.Errorf("ignore torch: regressions = %+v", rep.Regressions)
	}

	// The run's recorded environment counts too.
	same := map[string]any{"torch": "2.4.0"}
	base = []results.Result{withEnv(mk(1, a, 1, results.StatusPass, around(10, 10)...), same)}
	head = []results.Result{withEnv(mk(2, a, 1, results.StatusPass, around(20, 10)...), same)}
	rep, _ = Compare(base, head, Options{
		BaseRuns: []results.Run{{RunID: "run-1", Environment: `{"goarch":"amd64","cpus":4}`}},
		HeadRuns: []results.Run{{RunID: "run-2", Environment: `{"goarch":"arm64","cpus":4}`}},
	})
	if len(rep.Unconfirmed) != 1 || rep.Unconfirmed[0].Note != "environment differs: run.goarch amd64 → arm64" {
		t.Errorf("run environment: %+v", rep.Unconfirmed)
	}

	// Of the base runs in the window, those with the head's environment are pooled.
	base = nil
	for run := 1; run <= 4; run++ {
		env := old
		if run >= 3 {
			env = cur
		}
		base = append(base, withEnv(mk(run, a, 1, results.StatusPass, around(10, 10)...), env))
	}
	head = []results.Result{withEnv(mk(5, a, 1, results.StatusPass, around(20, 10)...), cur)}
	rep, _ = Compare(base, head, Options{})
	if len(rep.Regressions) != 1 || rep.Regressions[0].BaseN != 20 {
		t.Errorf("matching runs pooled: %+v", rep.Regressions)
	}
}

func TestCompareOptions(t *testing.T) {
	for _, o := range []Options{{Threshold: -1}, {Alpha: 2}, {Test: "ks"}, {MinSamples: 1}, {Window: -1}} {
		if _, err := Compare(nil, nil, o); err == nil {
			t.Errorf("Compare accepted %+v", o)
		}
	}
	rep, err := Compare(nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rep)
	for _, key := range []string{`"new_failures":[]`, `"regressions":[]`, `"threshold":0.1`, `"alpha":0.01`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("json %s lacks %s", b, key)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		err  bool
	}{
		{"", "new-failures", false},
		{"new-failures,regressions", "new-failures,regressions", false},
		{" regressions , flaky ", "regressions,flaky", false},
		{"none", "none", false},
		{"none,flaky", "", true},
		{"regression", "", true},
	} {
		p, err := ParsePolicy(tc.in)
		if (err != nil) != tc.err || (err == nil && p.String() != tc.want) {
			t.Errorf("ParsePolicy(%q) = %v, %v; want %q (error %v)", tc.in, p, err, tc.want, tc.err)
		}
	}
}

func TestFirstLine(t *testing.T) {
	if got := FirstLine("\n  \n  ValueError: x  \nmore"); got != "ValueError: x" {
		t.Errorf("FirstLine = %q", got)
	}
	if got := FirstLine(strings.Repeat("é", 400)); len([]rune(got)) != 300 {
		t.Errorf("FirstLine keeps %d runes, want 300", len([]rune(got)))
	}
}

// history builds a synthetic history of n results: tests × runs, every test
// passing with 5 latency samples, a few failing, and the head run.
func history(n int) (base, head []results.Result) {
	const runs = 100
	tests := n / runs
	rng := rand.New(rand.NewPCG(1, 2))
	hw := []string{"cpu", "cuda", "rocm", "mps", "openvino", "onnxruntime", "qualcomm", "webnn", "webgpu"}
	idsList := make([]string, tests)
	for i := range idsList {
		idsList[i] = fmt.Sprintf("arch%04d@%s/fp32/b1/s128", i/len(hw), hw[i%len(hw)])
	}
	env := `{"environment":{"python":"3.11.9","torch":"2.4.0","transformers":"4.44.0"}}`
	base = make([]results.Result, 0, n)
	for run := 0; run < runs; run++ {
		runID := fmt.Sprintf("gh-%d-1-cpu-1of1", 1000+run)
		at := t0.Add(time.Duration(run) * time.Hour)
		for i, id := range idsList {
			st := results.StatusPass
			if rng.IntN(200) == 0 {
				st = results.StatusFail
			}
			m := 10 + float64(i%50)
			base = append(base, results.Result{RunID: runID, TestID: id, Architecture: id[:8], Hardware: hw[i%len(hw)],
				Status: st, Attempt: 1, FinishedAt: at, Extra: env, MemoryMB: 100 + float64(i%7),
				SamplesMS: []float64{m * (1 + rng.Float64()/50), m * (1 + rng.Float64()/50), m * (1 + rng.Float64()/50),
					m * (1 + rng.Float64()/50), m * (1 + rng.Float64()/50)}})
		}
	}
	at := t0.Add(runs * time.Hour)
	for i, id := range idsList {
		m := 10 + float64(i%50)
		if i%97 == 0 {
			m *= 1.5 // planted regressions
		}
		st := results.StatusPass
		if i%500 == 0 {
			st = results.StatusFail
		}
		head = append(head, results.Result{RunID: "head", TestID: id, Architecture: id[:8], Hardware: hw[i%len(hw)],
			Status: st, Attempt: 1, FinishedAt: at, Extra: env, MemoryMB: 100 + float64(i%7),
			SamplesMS: []float64{m, m * 1.01, m * 1.02, m * 0.99, m * 1.005}})
	}
	return base, head
}

func TestCompareHistorySmall(t *testing.T) {
	base, head := history(20_000)
	rep, err := Compare(base, head, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 200 tests; planted regressions at i%97 == 0 (i = 0, 97, 194) of which
	// i = 0 fails in the head.
	if len(rep.Regressions) != 2 {
		t.Errorf("regressions = %d, want 2: %+v", len(rep.Regressions), rep.Regressions)
	}
	if rep.Base.Results != 20_000 || rep.Base.Tests != 200 || rep.Base.Runs != 100 {
		t.Errorf("base = %+v", rep.Base)
	}
}

// BenchmarkCompareHistory compares a head run with a 1,000,000-row history
// (10,000 tests × 100 runs, 5 samples each). Target: under 2 s per op.
func BenchmarkCompareHistory(b *testing.B) {
	base, head := history(1_000_000)
	b.ResetTimer()
	for range b.N {
		rep, err := Compare(base, head, Options{})
		if err != nil || len(rep.Regressions) == 0 {
			b.Fatalf("regressions %d, err %v", len(rep.Regressions), err)
		}
	}
}

// TestCompareInfra: an infra_error on either side is not compared: never a
// new failure, fix, regression or lost test; reported as "not compared:
// infrastructure".
func TestCompareInfra(t *testing.T) {
	infra := func(run int, id string) results.Result {
		r := mk(run, id, 1, results.StatusInfraError)
		r.ErrorMessage, r.ErrorCategory = results.InfraMessage("No module named 'torch'", "make venv"), results.ErrorCategoryInfra
		return r
	}
	const id = "bert@cpu/fp32/b1/s128"
	tests := []struct {
		name      string
		base      []results.Result
		head      []results.Result
		wantInfra bool
		wantError string
	}{
		{"pass then infra", []results.Result{mk(1, id, 1, results.StatusPass, around(10, 5)...)}, []results.Result{infra(2, id)}, true, "No module named 'torch'. Try: make venv"},
		{"fail then infra", []results.Result{mk(1, id, 1, results.StatusFail)}, []results.Result{infra(2, id)}, true, "No module named 'torch'. Try: make venv"},
		{"infra then fail", []results.Result{infra(1, id)}, []results.Result{mk(2, id, 1, results.StatusFail)}, true, "RuntimeError: boom"},
		{"infra then pass", []results.Result{infra(1, id)}, []results.Result{mk(2, id, 1, results.StatusPass)}, true, "No module named 'torch'. Try: make venv"},
		{"infra on both", []results.Result{infra(1, id)}, []results.Result{infra(2, id)}, true, "No module named 'torch'. Try: make venv"},
		{"infra only in the head", nil, []results.Result{infra(2, id)}, true, "No module named 'torch'. Try: make venv"},
		// an older infra run does not matter once the newest run ran
		{"infra fixed on the runner", []results.Result{mk(1, id, 1, results.StatusPass)}, []results.Result{infra(2, id), mk(3, id, 1, results.StatusFail)}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Compare(tt.base, tt.head, Options{})
			if err != nil {
				t.Fatal(err)
			}
			others := len(rep.Fixed) + len(rep.StillFailing) + len(rep.Flaky) + len(rep.NotRun) + len(rep.NewTests) + len(rep.Regressions) + len(rep.Improvements)
			if !tt.wantInfra {
				if len(rep.NotComparedInfra) != 0 || len(rep.NewFailures) != 1 {
					t.Errorf("not compared %v, new failures %v", ids(rep.NotComparedInfra), ids(rep.NewFailures))
				}
				return
			}
			if len(rep.NotComparedInfra) != 1 || len(rep.NewFailures) != 0 || others != 0 {
				t.Fatalf("not compared %v, new failures %v, other lists %d", ids(rep.NotComparedInfra), ids(rep.NewFailures), others)
			}
			if c := rep.NotComparedInfra[0]; c.TestID != id || c.Error != tt.wantError {
				t.Errorf("change %+v, want error %q", c, tt.wantError)
			}
			if v := DefaultPolicy().Violations(rep); len(v) != 0 {
				t.Errorf("policy violations %v", v)
			}
			p, _ := ParsePolicy("flaky,not-run,failures")
			if v := p.Violations(rep); len(v) != 0 && tt.head[0].Status.Infra() {
				t.Errorf("strict policy violations %v", v)
			}
			if rep.Head.Failing != 0 && tt.head[len(tt.head)-1].Status.Infra() {
				t.Errorf("head side counts the infra test as failing: %+v", rep.Head)
			}
		})
	}
}

// TestCompareOutcomes: a new failure whose cpu reference fails too is the
// harness's, not the platform's; one where cpu passes is the platform's.
// Both stay new failures (the change broke them), told apart by Outcome.
func TestCompareOutcomes(t *testing.T) {
	var base, head []results.Result
	for _, id := range []string{"vit@cpu/fp32/b1/s224", "vit@openvino/fp32/b1/s224", "bert@cpu/fp32/b1/s128",
		"bert@openvino/fp32/b1/s128", "clip@webgpu/fp32/b1/s77"} {
		base = append(base, mk(1, id, 1, results.StatusPass, around(10, 5)...))
	}
	head = []results.Result{
		mk(2, "vit@cpu/fp32/b1/s224", 1, results.StatusFail),
		mk(2, "vit@openvino/fp32/b1/s224", 1, results.StatusFail),
		mk(2, "bert@cpu/fp32/b1/s128", 1, results.StatusPass, around(10, 5)...),
		mk(2, "bert@openvino/fp32/b1/s128", 1, results.StatusFail),
		mk(2, "clip@webgpu/fp32/b1/s77", 1, results.StatusFail),
	}
	decl := outcome.Declarations{{Platform: "webgpu", Architecture: "clip", Reason: "known", Link: "docs/web-platforms.md"}}
	rep, err := Compare(base, head, Options{Declared: decl})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]outcome.Class{}
	for _, c := range rep.NewFailures {
		got[c.TestID] = c.Outcome
	}
	want := map[string]outcome.Class{
		"vit@cpu/fp32/b1/s224":       outcome.Harness,
		"vit@openvino/fp32/b1/s224":  outcome.Harness,
		"bert@openvino/fp32/b1/s128": outcome.Platform,
		"clip@webgpu/fp32/b1/s77":    outcome.Declared,
	}
	if !maps.Equal(got, want) {
		t.Errorf("new failures' outcomes %v, want %v", got, want)
	}
	if rep.HarnessNewFailures() != 2 || rep.Head.Harness != 2 || rep.Head.Failing != 4 {
		t.Errorf("harness new failures %d, head harness %d of %d failing; want 2, 2 of 4",
			rep.HarnessNewFailures(), rep.Head.Harness, rep.Head.Failing)
	}
	js, _ := json.Marshal(rep)
	if strings.Contains(string(js), "docs/web-platforms.md") {
		t.Error("the declarations leak into the report's options")
	}
}
