package planner

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
)

// synthMatrix makes n tests on each platform, in priority order.
func synthMatrix(t testing.TB, n int, keys ...string) *Matrix {
	archs := make([]catalog.Architecture, n)
	for i := range archs {
		archs[i] = catalog.Architecture{Name: fmt.Sprintf("m%03d", i), Category: catalog.Categories[i%4], Priority: catalog.PriorityNormal, PopularityRank: i + 1}
	}
	ps := make([]hardware.Platform, len(keys))
	for i, k := range keys {
		ps[i] = customPlatform(t, k)
	}
	return mustMatrix(t, MatrixOptions{Architectures: archs, Platforms: ps})
}

func loads(p *Plan) []float64 {
	out := make([]float64, len(p.Shards))
	for i, s := range p.Shards {
		out[i] = s.EstSeconds
	}
	return out
}

func TestLPTKnownCase(t *testing.T) {
	// 7 5 4 3 3 2 2 1 = 27 over 3 shards: LPT gives 9 9 9.
	secs := []float64{7, 5, 4, 3, 3, 2, 2, 1}
	jobs := make([]job, len(secs))
	for i, s := range secs {
		jobs[i] = job{idx: i, sec: s}
	}
	sortLongestFirst(jobs)
	bins, ld := lpt(jobs, 3)
	if want := []float64{9, 9, 9}; !reflect.DeepEqual(ld, want) {
		t.Errorf("loads = %v, want %v (bins %v)", ld, want, bins)
	}
	seen := map[int]bool{}
	for _, b := range bins {
		for k, idx := range b {
			if seen[idx] {
				t.Fatalf("job %d placed twice", idx)
			}
			seen[idx] = true
			if k > 0 && b[k-1] > idx {
				t.Errorf("bin %v is not in priority order", b)
			}
		}
	}
	if len(seen) != len(secs) {
		t.Errorf("placed %d of %d jobs", len(seen), len(secs))
	}
}

func TestShardBalance(t *testing.T) {
	m := synthMatrix(t, 400, "cpu")
	history := logNormalHistory(m.Tests, 1.0, 7)
	tests := []struct {
		name      string
		opts      ShardOptions
		wantN     int
		maxRatio  float64 // slowest / mean
		maxSecond float64 // every shard at or under this many seconds; 0 = no check
	}{
		{"count mode, skewed history", ShardOptions{Shards: 8, Durations: history}, 8, 1.10, 0},
		{"count mode, no history: by count", ShardOptions{Shards: 7}, 7, 1.02, 0},
		{"budget mode", ShardOptions{MaxShardMinutes: 20, Durations: history}, 0, 0, 20 * 60},
		{"no mode: one shard", ShardOptions{Durations: history}, 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlan(t, m, tt.opts)
			if tt.wantN > 0 && len(p.Shards) != tt.wantN {
				t.Fatalf("got %d shards, want %d", len(p.Shards), tt.wantN)
			}
			if r := maxOverMean(loads(p)); tt.maxRatio > 0 && r > tt.maxRatio {
				t.Errorf("slowest/mean = %.3f, want <= %.2f (loads %v)", r, tt.maxRatio, loads(p))
			}
			for _, s := range p.Shards {
				if tt.maxSecond > 0 && s.EstSeconds > tt.maxSecond {
					t.Errorf("%s: %.0fs over the %.0fs budget", s.ID, s.EstSeconds, tt.maxSecond)
				}
			}
			if p.TestCount() != len(m.Tests) {
				t.Errorf("plan has %d tests, matrix %d", p.TestCount(), len(m.Tests))
			}
			again := mustPlan(t, m, tt.opts)
			if !reflect.DeepEqual(p, again) {
				t.Error("two plans from the same input differ")
			}
			if err := p.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestShardBudgetIsTight(t *testing.T) {
	m := synthMatrix(t, 300, "cpu")
	history := logNormalHistory(m.Tests, 1.0, 11)
	p := mustPlan(t, m, ShardOptions{MaxShardMinutes: 15, Durations: history})
	n := len(p.Shards)
	// One shard fewer must break the budget for LPT, or the count was not the fewest.
	jobs := make([]job, len(m.Tests))
	for i, x := range m.Tests {
		jobs[i] = job{idx: i, sec: history[x.Name]}
	}
	sortLongestFirst(jobs)
	if _, ld := lpt(jobs, n-1); maxOf(ld) <= 15*60 {
		t.Errorf("%d shards fit the budget, plan made %d", n-1, n)
	}
}

func TestShardTestOverBudget(t *testing.T) {
	m := synthMatrix(t, 10, "cpu")
	history := map[string]float64{}
	for _, x := range m.Tests {
		history[x.Name] = 60
	}
	history[m.Tests[3].Name] = 1800 // 30 min against a 5 min budget
	p := mustPlan(t, m, ShardOptions{MaxShardMinutes: 5, Durations: history})
	var alone bool
	for _, s := range p.Shards {
		if len(s.Tests) == 1 && s.Tests[0] == m.Tests[3].Name {
			alone = true
		}
	}
	if !alone {
		t.Errorf("the 30-minute test does not run alone: %+v", p.Shards)
	}
	if !containsSub(p.Notes, "over the 5.0 min shard budget") {
		t.Errorf("notes lack the over-budget test: %q", p.Notes)
	}
}

func TestEstimates(t *testing.T) {
	// Categories cycle text-encoder, text-decoder, encoder-decoder, vision.
	m := synthMatrix(t, 8, "cpu")
	byName := map[string]Test{}
	for _, x := range m.Tests {
		byName[x.ID.Model] = x
	}
	history := map[string]float64{
		byName["m000"].Name: 10, byName["m004"].Name: 30, // text-encoder: median 20
		byName["m001"].Name:     100,  // text-decoder: 100
		"gone@cpu/fp32/b1/s128": 1000, // unknown model: global median only
		"bad@cpu/fp32/b1/s128":  -5,   // ignored
		byName["m006"].Name:     -1,   // ignored: m006 is estimated like m002
	}
	est := newEstimator(history, m.categoryOf, 0)
	tests := []struct {
		model string
		want  float64
	}{
		{"m000", 10},  // its own history
		{"m004", 30},  // its own history
		{"m001", 100}, // its own history
		{"m005", 100}, // text-decoder median
		{"m002", 65},  // encoder-decoder: no history, global median of 10 30 100 1000
		{"m003", 65},  // vision: same
		{"m006", 65},  // encoder-decoder, with an invalid duration of its own
	}
	for _, tt := range tests {
		if got := est.estimate(byName[tt.model]); got != tt.want {
			t.Errorf("%s: estimate %v, want %v", tt.model, got, tt.want)
		}
	}
	byName["m008"] = Test{Name: "m008@cpu/fp32/b1/s128", Category: catalog.TextEncoder}
	if got := est.estimate(byName["m008"]); got != 20 {
		t.Errorf("text-encoder median = %v, want 20", got)
	}
	if got := newEstimator(nil, nil, 0).estimate(byName["m000"]); got != DefaultTestSeconds {
		t.Errorf("no history: %v, want %v", got, DefaultTestSeconds)
	}
	if got := newEstimator(nil, nil, 12).estimate(byName["m000"]); got != 12 {
		t.Errorf("no history with a default: %v, want 12", got)
	}
}

func TestNewPlanCounts(t *testing.T) {
	m := synthMatrix(t, 5, "cpu", "cuda")
	p := mustPlan(t, m, ShardOptions{Shards: 8})
	if len(p.Shards) != 10 {
		t.Fatalf("got %d shards, want 5 per platform", len(p.Shards))
	}
	if p.Shards[0].ID != "cpu-1of5" || p.Shards[9].ID != "cuda-5of5" {
		t.Errorf("ids %s .. %s", p.Shards[0].ID, p.Shards[9].ID)
	}
	if !containsSub(p.Notes, "cpu: 5 tests, so 5 shards rather than 8") {
		t.Errorf("notes: %q", p.Notes)
	}
}

func TestNewPlanErrors(t *testing.T) {
	m := synthMatrix(t, 3, "cpu")
	for _, tt := range []struct {
		name string
		opts ShardOptions
	}{
		{"both modes", ShardOptions{Shards: 2, MaxShardMinutes: 10}},
		{"negative shards", ShardOptions{Shards: -1}},
		{"negative budget", ShardOptions{MaxShardMinutes: -1}},
	} {
		var oe *OptionsError
		if _, err := NewPlan(m, tt.opts); !errors.As(err, &oe) {
			t.Errorf("%s: err = %v, want *OptionsError", tt.name, err)
		}
	}
	for _, labels := range [][]string{{"self-hosted", "gpu box"}, {"self-hosted,gpu"}, {""}} {
		bad := synthMatrix(t, 3, "cpu", "npu")
		bad.Platforms[1].RunnerLabels = labels
		_, err := NewPlan(bad, ShardOptions{})
		var le *LabelError
		if !errors.As(err, &le) || le.Platform != "npu" || !strings.Contains(err.Error(), `"npu"`) {
			t.Errorf("labels %q: err = %v, want a *LabelError naming npu", labels, err)
		}
	}
}

func TestMerge256(t *testing.T) {
	m := synthMatrix(t, 120, "p1", "p2", "p3")
	p := mustPlan(t, m, ShardOptions{Shards: 100})
	if len(p.Shards) != MaxJobs {
		t.Fatalf("got %d shards, want %d", len(p.Shards), MaxJobs)
	}
	per := map[string]int{}
	for _, s := range p.Shards {
		per[s.Hardware]++
	}
	if want := map[string]int{"p1": 86, "p2": 85, "p3": 85}; !reflect.DeepEqual(per, want) {
		t.Errorf("per platform %v, want %v", per, want)
	}
	if !containsSub(p.Notes, "merged 300 shards into 256 jobs") {
		t.Errorf("notes: %q", p.Notes)
	}
	if p.TestCount() != len(m.Tests) {
		t.Errorf("merge lost tests: %d of %d", p.TestCount(), len(m.Tests))
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
	gm, err := p.GitHubMatrix()
	if err != nil || len(gm.Include) != MaxJobs {
		t.Fatalf("GitHubMatrix: %d entries, %v", len(gm.Include), err)
	}
}

func TestMergeBudgetNote(t *testing.T) {
	m := synthMatrix(t, 300, "p1")
	p := mustPlan(t, m, ShardOptions{MaxShardMinutes: 0.5}) // 60 s tests: one per shard, 300 shards
	if len(p.Shards) != MaxJobs || !containsSub(p.Notes, "over the 0.5 min budget") {
		t.Errorf("%d shards, notes %q", len(p.Shards), p.Notes)
	}
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		want  []int
		limit int
		got   []int
	}{
		{[]int{100, 100, 100}, 256, []int{86, 85, 85}},
		{[]int{500, 1, 1}, 256, []int{254, 1, 1}},
		{[]int{300, 0, 10}, 256, []int{248, 0, 8}},
		{[]int{1, 1, 1, 1}, 2, nil}, // not called: more platforms than the limit
		{[]int{257, 257}, 256, []int{128, 128}},
	}
	for _, tt := range tests {
		if tt.got == nil {
			continue
		}
		got := allocate(tt.want, tt.limit)
		if !reflect.DeepEqual(got, tt.got) {
			t.Errorf("allocate(%v, %d) = %v, want %v", tt.want, tt.limit, got, tt.got)
		}
		if sum(got) > tt.limit {
			t.Errorf("allocate(%v) sums to %d", tt.want, sum(got))
		}
	}
}

func TestTooManyPlatforms(t *testing.T) {
	keys := make([]string, MaxJobs+1)
	for i := range keys {
		keys[i] = fmt.Sprintf("p%03d", i)
	}
	m := synthMatrix(t, 1, keys...)
	var oe *OptionsError
	if _, err := NewPlan(m, ShardOptions{}); !errors.As(err, &oe) || !strings.Contains(err.Error(), "257 platforms") {
		t.Errorf("err = %v, want an *OptionsError about 257 platforms", err)
	}
}

func maxOverMean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	total := 0.0
	for _, x := range xs {
		total += x
	}
	return maxOf(xs) / (total / float64(len(xs)))
}

func containsSub(xs []string, sub string) bool {
	for _, x := range xs {
		if strings.Contains(x, sub) {
			return true
		}
	}
	return false
}

// TestWholeCatalogShards: a whole-catalog plan (--all-models) without
// --shards or --max-shard-minutes is split by DefaultMaxShardMinutes of
// estimated duration per platform, not one shard per platform; given
// options are kept.
func TestWholeCatalogShards(t *testing.T) {
	const n = 774 // the catalog's size
	m := synthMatrix(t, n, "cpu", "cuda")
	fast := map[string]float64{}
	for _, tc := range m.Tests {
		fast[tc.Name] = 10 // seconds: 180 tests fit in 30 minutes
	}
	for _, tt := range []struct {
		name        string
		opts        ShardOptions
		perPlatform int
		maxMinutes  float64 // largest shard estimate allowed
	}{
		{"no history: 60 s a test, 30 a shard", ShardOptions{}, 26, DefaultMaxShardMinutes},
		{"history: 10 s a test", ShardOptions{Durations: fast}, 5, DefaultMaxShardMinutes},
		{"--shards kept", ShardOptions{Shards: 2}, 2, n},
		{"--max-shard-minutes kept", ShardOptions{MaxShardMinutes: 120}, 7, 120},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlan(t, m, tt.opts.WholeCatalog())
			if len(p.Shards) != 2*tt.perPlatform {
				t.Errorf("%d shards, want %d per platform", len(p.Shards), tt.perPlatform)
			}
			tests := 0
			for _, s := range p.Shards {
				tests += len(s.Tests)
				if s.EstSeconds > tt.maxMinutes*60 {
					t.Errorf("shard %s estimated at %.0f s, over %.0f minutes", s.ID, s.EstSeconds, tt.maxMinutes)
				}
			}
			if tests != 2*n {
				t.Errorf("%d tests planned, want %d", tests, 2*n)
			}
		})
	}
}
