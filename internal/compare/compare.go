package compare

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

// Statistical tests Options.Test can name.
const (
	// TestMannWhitney is the Mann-Whitney U test (normal approximation, tie
	// and continuity corrections): robust to the outliers timing samples have.
	TestMannWhitney = "mann-whitney"
	// TestWelch is Welch's unequal-variances t-test.
	TestWelch = "welch"
	// TestPrediction is the prediction-interval t-test, used whatever
	// Options.Test says when the head has a single value (peak memory of one
	// run) and the base has enough.
	TestPrediction = "prediction"
)

// Tests are the values Options.Test accepts.
var Tests = []string{TestMannWhitney, TestWelch}

// Options say how Compare decides. DefaultOptions has the defaults; a zero
// field means its default.
type Options struct {
	// Threshold is the smallest relative change of a median that matters, as
	// a fraction (0.10 = 10%). Default 0.10.
	Threshold float64 `json:"threshold"`
	// Alpha is the significance level the statistical test must reach.
	// Default 0.01.
	Alpha float64 `json:"alpha"`
	// Test is TestMannWhitney (default) or TestWelch.
	Test string `json:"test"`
	// MinSamples is the fewest values a side needs for a test (the base side
	// of a prediction test included). Default 5.
	MinSamples int `json:"min_samples"`
	// Window is how many of the base's newest runs of a test pool their
	// samples (a history database holds many). Default 5. Status always
	// comes from the newest base run alone.
	Window int `json:"window"`
	// IgnoreEnv are environment keys that may differ without making runs
	// incomparable, on top of the volatile ones (pid, platform).
	IgnoreEnv []string `json:"ignore_env,omitempty"`
	// BaseRuns and HeadRuns, when given, add each run's recorded environment
	// (results.Run.Environment) to its results'.
	BaseRuns []results.Run `json:"-"`
	HeadRuns []results.Run `json:"-"`
	// Declared are the pairs declared unsupported (outcome.Load), for the
	// Outcome of each change.
	Declared outcome.Declarations `json:"-"`
}

// DefaultOptions returns 10% threshold, p < 0.01 by Mann-Whitney U, at
// least 5 samples a side, 5 base runs pooled.
func DefaultOptions() Options {
	return Options{Threshold: 0.10, Alpha: 0.01, Test: TestMannWhitney, MinSamples: 5, Window: 5}
}

// withDefaults fills zero fields and checks the rest.
func (o Options) withDefaults() (Options, error) {
	d := DefaultOptions()
	if o.Threshold == 0 {
		o.Threshold = d.Threshold
	}
	if o.Alpha == 0 {
		o.Alpha = d.Alpha
	}
	if o.Test == "" {
		o.Test = d.Test
	}
	if o.MinSamples == 0 {
		o.MinSamples = d.MinSamples
	}
	if o.Window == 0 {
		o.Window = d.Window
	}
	switch {
	case o.Threshold < 0 || math.IsNaN(o.Threshold) || math.IsInf(o.Threshold, 0):
		return o, fmt.Errorf("threshold %g: want a fraction >= 0 (0.10 for 10%%)", o.Threshold)
	case !(o.Alpha > 0 && o.Alpha < 1):
		return o, fmt.Errorf("alpha %g: want a significance level between 0 and 1, such as 0.01", o.Alpha)
	case !slices.Contains(Tests, o.Test):
		return o, fmt.Errorf("test %q: want one of %s", o.Test, strings.Join(Tests, ", "))
	case o.MinSamples < 2:
		return o, fmt.Errorf("min samples %d: want at least 2", o.MinSamples)
	case o.Window < 1:
		return o, fmt.Errorf("window %d: want at least 1 run", o.Window)
	}
	return o, nil
}

// Change is one test whose status is worth reporting.
type Change struct {
	TestID       string `json:"test_id"`
	Architecture string `json:"architecture"`
	Category     string `json:"category,omitempty"`
	Hardware     string `json:"hardware"`
	// Base is the status of the newest base run's last attempt; empty when
	// the base has no result for the test.
	Base results.Status `json:"base,omitempty"`
	// Head is the status of the head's last attempt; empty when the head has
	// no result for the test.
	Head results.Status `json:"head,omitempty"`
	// Attempts are the head's attempts in order, when there was a rerun.
	Attempts []results.Status `json:"attempts,omitempty"`
	// Outcome says whose fault the head's status is (outcome.Class): a new
	// failure of the harness (its cpu reference failed too, or hwcov built
	// wrong inputs) is not the platform's. Empty when the head has no
	// result.
	Outcome outcome.Class `json:"outcome,omitempty"`
	// ErrorCategory and Error describe the head's failure (for a flaky test,
	// its first failing attempt); for a fixed test, the base's.
	ErrorCategory string `json:"error_category,omitempty"`
	Error         string `json:"error,omitempty"`
	GeneratedFile string `json:"generated_file,omitempty"`
	TemplateChain string `json:"template_chain,omitempty"`
	// EnvNote names what differs between the base's and the head's recorded
	// environments ("torch 2.3.0 → 2.4.0"), so a reader can tell a change the
	// pull request made from one the runner made.
	EnvNote string `json:"env_note,omitempty"`
}

// Metric is what a Perf compares.
type Metric string

// Metrics.
const (
	Latency Metric = "latency_ms" // median of the timed samples, milliseconds
	Memory  Metric = "memory_mb"  // median peak memory over runs, MB
)

// Verdict is what Compare concluded about one metric of one test.
type Verdict string

// Verdicts.
const (
	Regression  Verdict = "regression"  // over the threshold and significant: worse
	Improvement Verdict = "improvement" // over the threshold and significant: better
	// NotSignificant: over the threshold, but the test does not confirm it.
	NotSignificant Verdict = "not_significant"
	// InsufficientData: over the threshold, but too few samples to test.
	InsufficientData Verdict = "insufficient_data"
	// EnvironmentDiffers: no base run shares the head's environment, so the
	// numbers are not compared (Delta is shown for information only).
	EnvironmentDiffers Verdict = "environment_differs"
)

// Perf is the comparison of one metric of one test whose median moved by at
// least the threshold.
type Perf struct {
	TestID       string `json:"test_id"`
	Architecture string `json:"architecture"`
	Hardware     string `json:"hardware"`
	Category     string `json:"category,omitempty"`
	Metric       Metric `json:"metric"`
	// BaseN and HeadN are how many values each side had.
	BaseN int `json:"base_n"`
	HeadN int `json:"head_n"`
	// Base and Head are the medians.
	Base float64 `json:"base"`
	Head float64 `json:"head"`
	// Delta is (Head-Base)/Base: +0.25 is 25% slower or larger.
	Delta float64 `json:"delta"`
	// Test is the statistical test that ran ("" when none could) and P its
	// two-sided p-value.
	Test    string  `json:"test,omitempty"`
	P       float64 `json:"p"`
	Verdict Verdict `json:"verdict"`
	// Note says why there was no verdict: too few samples, or what differs
	// in the environment.
	Note string `json:"note,omitempty"`
	// GeneratedFile and TemplateChain are the head's, for annotations.
	GeneratedFile string `json:"generated_file,omitempty"`
	TemplateChain string `json:"template_chain,omitempty"`
}

// EnvChange is one environment key that differs between base and head, and
// for how many tests.
type EnvChange struct {
	Key   string `json:"key"`
	Base  string `json:"base"`
	Head  string `json:"head"`
	Tests int    `json:"tests"`
}

// Side counts one side's tests.
type Side struct {
	Runs    int `json:"runs"`    // distinct run ids
	Results int `json:"results"` // rows, every attempt
	Tests   int `json:"tests"`   // distinct test ids
	Passed  int `json:"passed"`  // newest run's last attempt passed
	Failing int `json:"failing"` // fail, crash or timeout
	Other   int `json:"other"`   // skipped, not buildable, not run
	// Infra counts infra_error tests (the runner was not set up); they are
	// in neither Failing nor Other.
	Infra int `json:"infra,omitempty"`
	// Harness counts the Failing tests that are the harness's
	// (outcome.Harness), not the platform's.
	Harness int `json:"harness,omitempty"`
}

// PerfCounts counts the performance comparisons.
type PerfCounts struct {
	// Compared is how many (test, metric) pairs had values on both sides.
	Compared int `json:"compared"`
	// Within is how many moved less than the threshold.
	Within int `json:"within_threshold"`
	// Confirmed is how many regressions and improvements were significant.
	Confirmed int `json:"confirmed"`
	// NotSignificant, Insufficient and EnvRefused count the pairs over the
	// threshold that were not confirmed, for each reason.
	NotSignificant int `json:"not_significant"`
	Insufficient   int `json:"insufficient_data"`
	EnvRefused     int `json:"environment_differs"`
}

// Report is the comparison of a head with a base.
type Report struct {
	Options Options `json:"options"`
	Base    Side    `json:"base"`
	Head    Side    `json:"head"`
	// NewFailures passed in the base and fail, crash or time out in the head.
	NewFailures []Change `json:"new_failures"`
	// Fixed failed in the base and pass in the head at the first attempt.
	Fixed []Change `json:"fixed"`
	// StillFailing fail on both sides.
	StillFailing []Change `json:"still_failing"`
	// Flaky failed at the head's first attempt and passed on a rerun.
	Flaky []Change `json:"flaky"`
	// NotRun ran in the base but has no result in the head, or was skipped
	// or not run there (a lost shard).
	NotRun []Change `json:"not_run"`
	// NewTests have no result in the base (or did not run there).
	NewTests []Change `json:"new_tests"`
	// NotComparedInfra are "not compared: infrastructure": tests whose head
	// or base result is infra_error (the runner was not set up). They are
	// never new failures, fixes or regressions.
	NotComparedInfra []Change `json:"not_compared_infra,omitempty"`
	// Regressions and Improvements are confirmed by threshold and test,
	// largest change first.
	Regressions  []Perf `json:"regressions"`
	Improvements []Perf `json:"improvements"`
	// Unconfirmed moved by at least the threshold but were not confirmed:
	// not significant, insufficient data, or environment differs.
	Unconfirmed []Perf     `json:"unconfirmed"`
	Perf        PerfCounts `json:"perf"`
	// Environment lists what differs between the environments, over every
	// test compared.
	Environment []EnvChange `json:"environment,omitempty"`
}

// HarnessNewFailures counts the new failures that are the harness's, not
// the platform's.
func (r Report) HarnessNewFailures() int {
	n := 0
	for _, c := range r.NewFailures {
		if c.Outcome == outcome.Harness {
			n++
		}
	}
	return n
}

// NewTestsFailing counts the new tests that fail.
func (r Report) NewTestsFailing() int {
	n := 0
	for _, c := range r.NewTests {
		if failing(c.Head) {
			n++
		}
	}
	return n
}

// Compare compares head with base. Both are every attempt of every test (as
// store.AllResults returns them), in any order; each side's newest run of a
// test is the one compared. It fails only on invalid options.
func Compare(base, head []results.Result, opts Options) (Report, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Report{}, err
	}
	c := &comparer{opts: opts, base: base, head: head, envs: newEnvReader(opts), envCount: map[EnvChange]int{},
		classes: outcome.NewClassifier(newestRun(head), opts.Declared)}
	return c.run(), nil
}

type comparer struct {
	opts       Options
	base, head []results.Result
	envs       *envReader
	envCount   map[EnvChange]int
	rep        Report
	// classes classes the head's results.
	classes *outcome.Classifier
}

func (c *comparer) run() Report {
	c.rep = Report{Options: c.opts}
	c.rep.Options.BaseRuns, c.rep.Options.HeadRuns, c.rep.Options.Declared = nil, nil, nil
	baseGroups, baseIDs := group(c.base)
	headGroups, headIDs := group(c.head)
	c.rep.Base = sideCounts(c.base, baseIDs)
	c.rep.Head = sideCounts(c.head, headIDs)

	ids := make([]string, 0, len(baseIDs)+len(headIDs))
	ids = append(ids, headIDs...)
	for _, id := range baseIDs {
		if _, ok := headGroups[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		c.compareTest(id, headGroups[id], baseGroups[id])
	}

	slices.SortFunc(c.rep.Regressions, func(a, b Perf) int {
		return cmp.Or(cmp.Compare(b.Delta, a.Delta), cmp.Compare(a.TestID, b.TestID), cmp.Compare(a.Metric, b.Metric))
	})
	slices.SortFunc(c.rep.Improvements, func(a, b Perf) int {
		return cmp.Or(cmp.Compare(a.Delta, b.Delta), cmp.Compare(a.TestID, b.TestID), cmp.Compare(a.Metric, b.Metric))
	})
	slices.SortFunc(c.rep.Unconfirmed, func(a, b Perf) int {
		return cmp.Or(cmp.Compare(math.Abs(b.Delta), math.Abs(a.Delta)), cmp.Compare(a.TestID, b.TestID), cmp.Compare(a.Metric, b.Metric))
	})
	for k, n := range c.envCount {
		k.Tests = n
		c.rep.Environment = append(c.rep.Environment, k)
	}
	slices.SortFunc(c.rep.Environment, func(a, b EnvChange) int {
		return cmp.Or(cmp.Compare(b.Tests, a.Tests), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Base, b.Base), cmp.Compare(a.Head, b.Head))
	})
	for _, l := range []*[]Change{&c.rep.NewFailures, &c.rep.Fixed, &c.rep.StillFailing, &c.rep.Flaky, &c.rep.NotRun, &c.rep.NewTests} {
		if *l == nil {
			*l = []Change{}
		}
	}
	for _, l := range []*[]Perf{&c.rep.Regressions, &c.rep.Improvements, &c.rep.Unconfirmed} {
		if *l == nil {
			*l = []Perf{}
		}
	}
	return c.rep
}

// selection is one side's view of one test: the attempts of its newest run,
// and the attempts of its newest Window runs (newest first) for samples.
type selection struct {
	current []int   // attempts of the newest run, by attempt number
	window  [][]int // newest runs first; window[0] is current
}

func (s selection) ok() bool { return len(s.current) > 0 }

// compareTest classifies one test id.
func (c *comparer) compareTest(id string, headIdx, baseIdx []int) {
	h := selectRuns(c.head, headIdx, 1)
	b := selectRuns(c.base, baseIdx, c.opts.Window)

	var headFinal, baseFinal results.Status
	if h.ok() {
		headFinal = c.head[h.current[len(h.current)-1]].Status
	}
	if b.ok() {
		baseFinal = c.base[b.current[len(b.current)-1]].Status
	}
	count(&c.rep.Head, h.ok(), headFinal)
	count(&c.rep.Base, b.ok(), baseFinal)
	if h.ok() && failing(headFinal) && c.classes.Classify(c.head[h.current[len(h.current)-1]]).Class == outcome.Harness {
		c.rep.Head.Harness++
	}
	if headFinal.Infra() || baseFinal.Infra() {
		c.rep.NotComparedInfra = append(c.rep.NotComparedInfra, c.change(id, h, b))
		return
	}
	baseRan := b.ok() && !neutral(baseFinal)
	headRan := h.ok() && !neutral(headFinal)

	switch {
	case !headRan && !baseRan:
		if h.ok() && !b.ok() {
			c.rep.NewTests = append(c.rep.NewTests, c.change(id, h, b))
		}
		return
	case !headRan:
		c.rep.NotRun = append(c.rep.NotRun, c.change(id, h, b))
		return
	case !baseRan:
		c.rep.NewTests = append(c.rep.NewTests, c.change(id, h, b))
		return
	}

	flaky := false
	if headFinal.Passed() {
		for _, i := range h.current[:len(h.current)-1] {
			if failing(c.head[i].Status) {
				flaky = true
			}
		}
	}
	switch {
	case flaky:
		c.rep.Flaky = append(c.rep.Flaky, c.change(id, h, b))
	case baseFinal.Passed() && failing(headFinal):
		c.rep.NewFailures = append(c.rep.NewFailures, c.change(id, h, b))
	case failing(baseFinal) && headFinal.Passed():
		c.rep.Fixed = append(c.rep.Fixed, c.change(id, h, b))
	case failing(baseFinal) && failing(headFinal):
		c.rep.StillFailing = append(c.rep.StillFailing, c.change(id, h, b))
	}
	if baseFinal.Passed() && headFinal.Passed() {
		c.comparePerf(id, h, b)
	}
}

// change describes test id for a status list.
func (c *comparer) change(id string, h, b selection) Change {
	ch := Change{TestID: id}
	var final *results.Result
	if h.ok() {
		final = &c.head[h.current[len(h.current)-1]]
		ch.Head = final.Status
		ch.Outcome = c.classes.Classify(*final).Class
		if len(h.current) > 1 {
			for _, i := range h.current {
				ch.Attempts = append(ch.Attempts, c.head[i].Status)
			}
		}
	}
	var baseFinal *results.Result
	if b.ok() {
		baseFinal = &c.base[b.current[len(b.current)-1]]
		ch.Base = baseFinal.Status
	}
	desc := final
	if desc == nil {
		desc = baseFinal
	}
	ch.Architecture, ch.Category, ch.Hardware = desc.Architecture, desc.Category, desc.Hardware
	if ch.Architecture == "" || ch.Hardware == "" {
		if tid, err := testid.Parse(id); err == nil {
			ch.Architecture, ch.Hardware = cmp.Or(ch.Architecture, tid.Model), cmp.Or(ch.Hardware, tid.Hardware)
		}
	}
	if ch.Category == "" && baseFinal != nil {
		ch.Category = baseFinal.Category
	}
	// The error to show: the head's final failure, else its first failing
	// attempt (flaky), else why it did not run, else the base's (fixed).
	var errFrom *results.Result
	switch {
	case final != nil && (failing(final.Status) || (!final.Status.Passed() && final.ErrorMessage != "")):
		errFrom = final
	case final != nil:
		for _, i := range h.current {
			if r := &c.head[i]; failing(r.Status) {
				errFrom = r
				break
			}
		}
	}
	if errFrom == nil && baseFinal != nil && (failing(baseFinal.Status) || baseFinal.Status.Infra()) {
		errFrom = baseFinal
	}
	if errFrom != nil {
		ch.ErrorCategory, ch.Error = errFrom.ErrorCategory, FirstLine(errFrom.ErrorMessage)
	}
	ch.GeneratedFile, ch.TemplateChain = desc.GeneratedFile, desc.TemplateChain
	if final != nil && baseFinal != nil {
		ch.EnvNote = describeDiff(c.envs.diff(c.envs.of(*baseFinal), c.envs.of(*final)))
	}
	return ch
}

// group indexes results by test id; ids are in first-seen order.
func group(rs []results.Result) (map[string][]int, []string) {
	g := make(map[string][]int)
	var ids []string
	for i := range rs {
		id := rs[i].TestID
		if id == "" {
			continue
		}
		l, ok := g[id]
		if !ok {
			ids = append(ids, id)
		}
		g[id] = append(l, i)
	}
	return g, ids
}

// stamp is when a result happened: its finish, else its start.
func stamp(r *results.Result) int64 {
	if !r.FinishedAt.IsZero() {
		return r.FinishedAt.UnixNano()
	}
	if !r.StartedAt.IsZero() {
		return r.StartedAt.UnixNano()
	}
	return math.MinInt64
}

// selectRuns picks a test's newest run and its newest window runs. Newer is
// a later time stamp; equal stamps fall back on the order of rs (store
// results come in run order).
func selectRuns(rs []results.Result, idx []int, window int) selection {
	if len(idx) == 0 {
		return selection{}
	}
	order := slices.Clone(idx)
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(stamp(&rs[b]), stamp(&rs[a])), cmp.Compare(b, a))
	})
	var runs []string
	for _, i := range order {
		if id := rs[i].RunID; !slices.Contains(runs, id) {
			runs = append(runs, id)
			if len(runs) == window {
				break
			}
		}
	}
	sel := selection{window: make([][]int, len(runs))}
	for _, i := range idx {
		if k := slices.Index(runs, rs[i].RunID); k >= 0 {
			sel.window[k] = append(sel.window[k], i)
		}
	}
	for _, w := range sel.window {
		slices.SortStableFunc(w, func(a, b int) int { return cmp.Compare(rs[a].Attempt, rs[b].Attempt) })
	}
	sel.current = sel.window[0]
	return sel
}

func sideCounts(rs []results.Result, ids []string) Side {
	s := Side{Results: len(rs), Tests: len(ids)}
	runs := map[string]bool{}
	for i := range rs {
		if rs[i].RunID != "" {
			runs[rs[i].RunID] = true
		}
	}
	s.Runs = len(runs)
	return s
}

// count adds a test's final status to a side's counts.
func count(s *Side, ok bool, st results.Status) {
	switch {
	case !ok:
	case st.Passed():
		s.Passed++
	case st.Infra():
		s.Infra++
	case failing(st):
		s.Failing++
	default:
		s.Other++
	}
}

// failing reports whether a status is a failure: fail, crash, timeout, or a
// status this build does not know.
func failing(s results.Status) bool {
	return s != "" && !s.Passed() && !neutral(s)
}

// neutral statuses say the test did not run to an outcome.
func neutral(s results.Status) bool {
	switch s {
	case results.StatusSkip, results.StatusNotBuildable, results.StatusNotRun, results.StatusIncompatible,
		results.StatusInfraError:
		return true
	}
	return false
}

// FirstLine returns the first non-empty line of s, trimmed, at most 300
// characters.
func FirstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if r := []rune(l); len(r) > 300 {
				l = string(r[:299]) + "…"
			}
			return l
		}
	}
	return ""
}

// newestRun keeps, of every test, the attempts of its newest run: what the
// head's outcome classes are read from.
func newestRun(rs []results.Result) []results.Result {
	g, ids := group(rs)
	out := make([]results.Result, 0, len(ids))
	for _, id := range ids {
		for _, i := range selectRuns(rs, g[id], 1).current {
			out = append(out, rs[i])
		}
	}
	return out
}
