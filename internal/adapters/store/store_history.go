package store

import (
	"context"
	"sort"
	"time"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

// NewestRun returns the id of the newest run of shard (by start time), for
// a resumed shard to continue; ok is false when the database has none.
func (d *DB) NewestRun(ctx context.Context, shard string) (runID string, ok bool, err error) {
	runs, err := d.Runs(ctx)
	if err != nil {
		return "", false, err
	}
	best, bestAt := "", time.Time{}
	for _, r := range runs {
		if r.Shard == shard && (best == "" || r.StartedAt.After(bestAt)) {
			best, bestAt = r.RunID, r.StartedAt
		}
	}
	return best, best != "", nil
}

// LostShard is a planned shard none of whose tests has a result: its job
// never ran, or died before its first test ended.
type LostShard struct {
	ID    string
	Tests int // planned tests
}

// LostShards lists the planned shards none of whose tests has a result,
// sorted by id.
func (d *DB) LostShards(ctx context.Context) ([]LostShard, error) {
	planned, err := d.PlannedTests(ctx)
	if err != nil || len(planned) == 0 {
		return nil, err
	}
	rs, err := d.Results(ctx, "")
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, r := range rs {
		have[r.TestID] = true
	}
	total, done := map[string]int{}, map[string]int{}
	for _, p := range planned {
		total[p.ShardID]++
		if have[p.TestID] {
			done[p.ShardID]++
		}
	}
	var out []LostShard
	for id, n := range total {
		if done[id] == 0 {
			out = append(out, LostShard{ID: id, Tests: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// History is what a planner needs from past runs.
type History struct {
	Durations map[string]float64 // mean wall seconds per test id
	Failed    []string           // tests that failed at their first attempt in the newest run
}

// History reads the mean duration of every test and the failures of the
// newest run (by finish time).
func (d *DB) History(ctx context.Context) (History, error) {
	all, err := d.AllResults(ctx)
	if err != nil {
		return History{}, err
	}
	sum, n := map[string]float64{}, map[string]int{}
	newestRun, newestAt := "", time.Time{}
	for _, r := range all {
		if r.WallMS > 0 {
			sum[r.TestID] += r.WallMS / 1000
			n[r.TestID]++
		}
		if r.FinishedAt.After(newestAt) {
			newestRun, newestAt = r.RunID, r.FinishedAt
		}
	}
	h := History{Durations: map[string]float64{}}
	for id, s := range sum {
		h.Durations[id] = s / float64(n[id])
	}
	for _, r := range all {
		if r.RunID == newestRun && !r.Status.Passed() && r.Status != results.StatusSkip && r.Attempt <= 1 {
			h.Failed = append(h.Failed, r.TestID)
		}
	}
	return h, nil
}

// NewestPerTest keeps each test's last attempt of its newest run, as the
// matrix shows it.
func NewestPerTest(rs []results.Result) []results.Result {
	idx := map[string]int{}
	var out []results.Result
	newer := func(a, b results.Result) bool {
		ta, tb := a.FinishedAt, b.FinishedAt
		if ta.IsZero() {
			ta = a.StartedAt
		}
		if tb.IsZero() {
			tb = b.StartedAt
		}
		if !ta.Equal(tb) {
			return ta.After(tb)
		}
		return a.Attempt > b.Attempt
	}
	for _, r := range rs {
		if i, ok := idx[r.TestID]; ok {
			if newer(r, out[i]) || (r.RunID == out[i].RunID && r.Attempt > out[i].Attempt) {
				out[i] = r
			}
			continue
		}
		idx[r.TestID] = len(out)
		out = append(out, r)
	}
	return out
}

// WithLostShards adds a not-run result for every planned test that has no
// result, naming its shard, so that a lost shard is visible, never missing.
func (d *DB) WithLostShards(ctx context.Context, rs []results.Result) ([]results.Result, error) {
	planned, err := d.PlannedTests(ctx)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(rs))
	for _, r := range rs {
		have[r.TestID] = true
	}
	for _, p := range planned {
		if have[p.TestID] {
			continue
		}
		id, err := testid.Parse(p.TestID)
		if err != nil {
			continue
		}
		rs = append(rs, results.Result{TestID: p.TestID, Architecture: id.Model, Hardware: id.Hardware, Precision: id.Precision,
			BatchSize: id.Batch, SeqLen: id.Seq, Status: results.StatusNotRun, ErrorMessage: "not run (shard " + p.ShardID + " lost)"})
	}
	return rs, nil
}
