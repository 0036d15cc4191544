package reporter

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/results"
)

// TrendMetrics are the metrics a trends report follows.
var TrendMetrics = []string{"pass-rate", "latency", "memory"}

// TrendInput is what BuildTrends reads.
type TrendInput struct {
	// Results are every attempt of every run (store AllResults).
	Results []results.Result
	// Runs are the runs' records; runs of one workflow run (its shards) are
	// one point of the trend.
	Runs []results.Run
	// Metric is one of TrendMetrics.
	Metric string
	// Last keeps the newest Last points; 0 keeps all.
	Last int
	// Options are the statistics that mark regressions: compare's, with the
	// previous Options.Window points pooled as the base.
	Options compare.Options
}

// Trends follows a metric per platform and category over the runs of a
// history database. Its JSON field names are stable.
type Trends struct {
	Metric string `json:"metric"`
	// Unit of Value: "fraction" (pass rate), "ms" or "MB".
	Unit       string          `json:"unit"`
	Points     []TrendPoint    `json:"points"`
	ByPlatform []TrendSeries   `json:"by_platform"`
	ByCategory []TrendSeries   `json:"by_category"`
	Marked     []TrendEvent    `json:"regressions"`
	Statistics compare.Options `json:"statistics"`
}

// TrendPoint is one run of the whole matrix: a workflow run (all its shards)
// or a local run.
type TrendPoint struct {
	ID      string    `json:"id"`
	Runs    []string  `json:"runs"`
	Started time.Time `json:"started"`
	GitSHA  string    `json:"git_sha,omitempty"`
}

// TrendSeries is one platform's or category's values, one per point.
type TrendSeries struct {
	Name   string       `json:"name"`
	Values []TrendValue `json:"values"`
}

// TrendValue is a series at one point.
type TrendValue struct {
	// Value is the pass rate (passes / tests that ran), or the geometric mean
	// over passing tests of each test's median latency or memory; nil when
	// the point has nothing to measure.
	Value *float64 `json:"value"`
	// Tests behind Value.
	Tests int `json:"tests"`
	// Change from the previous point: the difference of the pass rates, or
	// the geometric mean of the per-test ratios minus 1 over the tests
	// measured at both points; nil when not comparable.
	Change *float64 `json:"change,omitempty"`
	// Regressions are new failures (pass-rate) or confirmed slow-downs or
	// growths; Improvements fixed tests or confirmed speed-ups.
	Regressions  int `json:"regressions"`
	Improvements int `json:"improvements"`
}

// TrendEvent is one marked regression.
type TrendEvent struct {
	Point    string `json:"point"`
	TestID   string `json:"test_id"`
	Hardware string `json:"hardware"`
	Category string `json:"category,omitempty"`
	Detail   string `json:"detail"`
}

// BuildTrends builds the trend of in.Metric.
func BuildTrends(in TrendInput) (Trends, error) {
	if !slices.Contains(TrendMetrics, in.Metric) {
		return Trends{}, fmt.Errorf("metric %q: want one of %s", in.Metric, strings.Join(TrendMetrics, ", "))
	}
	opts, d := in.Options, compare.DefaultOptions()
	opts.Threshold, opts.Alpha, opts.Test = cmp.Or(opts.Threshold, d.Threshold), cmp.Or(opts.Alpha, d.Alpha), cmp.Or(opts.Test, d.Test)
	opts.MinSamples, opts.Window = cmp.Or(opts.MinSamples, d.MinSamples), cmp.Or(opts.Window, d.Window)
	t := Trends{Metric: in.Metric, Unit: map[string]string{"pass-rate": "fraction", "latency": "ms", "memory": "MB"}[in.Metric],
		Statistics: opts, Marked: []TrendEvent{}}
	points, byPoint := trendPoints(in.Results, in.Runs)
	if in.Last > 0 && len(points) > in.Last {
		points, byPoint = points[len(points)-in.Last:], byPoint[len(byPoint)-in.Last:]
	}
	t.Points = points
	plat, cat := map[string][]TrendValue{}, map[string][]TrendValue{}
	for k := range points {
		finals := finalResults(byPoint[k])
		var prev []results.Result
		if k > 0 {
			prev = finalResults(byPoint[k-1])
		}
		reg, imp, err := t.marks(byPoint, k, opts)
		if err != nil {
			return Trends{}, err
		}
		for _, dim := range []struct {
			m   map[string][]TrendValue
			key func(r results.Result) string
		}{{plat, func(r results.Result) string { return r.Hardware }}, {cat, func(r results.Result) string { return r.Category }}} {
			cur, before := splitBy(finals, dim.key), splitBy(prev, dim.key)
			for name, rs := range cur {
				v := t.value(rs, before[name])
				v.Regressions, v.Improvements = countBy(reg, dim.key, name), countBy(imp, dim.key, name)
				vals := dim.m[name]
				for len(vals) < k {
					vals = append(vals, TrendValue{})
				}
				dim.m[name] = append(vals, v)
			}
		}
	}
	t.ByPlatform, t.ByCategory = seriesOf(plat, len(points)), seriesOf(cat, len(points))
	return t, nil
}

// trendPoints groups results into points: the runs of one workflow run
// attempt, else one run, ordered by start.
func trendPoints(rs []results.Result, runs []results.Run) ([]TrendPoint, [][]results.Result) {
	pointOf := map[string]string{}
	info := map[string]*TrendPoint{}
	add := func(runID, point, sha string, at time.Time) {
		pointOf[runID] = point
		p := info[point]
		if p == nil {
			p = &TrendPoint{ID: point, Started: at, GitSHA: sha}
			info[point] = p
		}
		if !slices.Contains(p.Runs, runID) {
			p.Runs = append(p.Runs, runID)
		}
		if !at.IsZero() && (p.Started.IsZero() || at.Before(p.Started)) {
			p.Started = at
		}
	}
	for _, r := range runs {
		point := r.RunID
		if r.WorkflowRunID != 0 {
			point = fmt.Sprintf("gh-%d-%d", r.WorkflowRunID, max(r.RunAttempt, 1))
		}
		add(r.RunID, point, r.GitSHA, r.StartedAt)
	}
	grouped := map[string][]results.Result{}
	for _, r := range rs {
		if _, ok := pointOf[r.RunID]; !ok {
			add(r.RunID, r.RunID, "", r.StartedAt)
		}
		grouped[pointOf[r.RunID]] = append(grouped[pointOf[r.RunID]], r)
	}
	var points []TrendPoint
	for id, p := range info {
		if len(grouped[id]) > 0 {
			slices.Sort(p.Runs)
			points = append(points, *p)
		}
	}
	slices.SortFunc(points, func(a, b TrendPoint) int { return cmp.Or(a.Started.Compare(b.Started), cmp.Compare(a.ID, b.ID)) })
	by := make([][]results.Result, len(points))
	for i, p := range points {
		by[i] = grouped[p.ID]
	}
	return points, by
}

// finalResults keeps each test's last attempt (the newest when a point ran
// a test twice).
func finalResults(rs []results.Result) []results.Result {
	idx := map[string]int{}
	var out []results.Result
	for _, r := range rs {
		i, ok := idx[r.TestID]
		if !ok {
			idx[r.TestID] = len(out)
			out = append(out, r)
			continue
		}
		o := out[i]
		if r.FinishedAt.After(o.FinishedAt) || (r.FinishedAt.Equal(o.FinishedAt) && r.Attempt > o.Attempt) {
			out[i] = r
		}
	}
	return out
}

func splitBy(rs []results.Result, key func(results.Result) string) map[string][]results.Result {
	m := map[string][]results.Result{}
	for _, r := range rs {
		if k := key(r); k != "" {
			m[k] = append(m[k], r)
		}
	}
	return m
}

func countBy(rs []results.Result, key func(results.Result) string, name string) int {
	n := 0
	for _, r := range rs {
		if key(r) == name {
			n++
		}
	}
	return n
}

// marks compares point k with the Window points before it the way `hwcov
// compare` does, records the regressions in t.Marked, and returns the tests
// regressed and improved (as results carrying test id, platform, category).
func (t *Trends) marks(byPoint [][]results.Result, k int, opts compare.Options) (reg, imp []results.Result, err error) {
	if k == 0 {
		return nil, nil, nil
	}
	var base []results.Result
	for _, rs := range byPoint[max(0, k-max(opts.Window, 1)):k] {
		base = append(base, rs...)
	}
	rep, err := compare.Compare(base, byPoint[k], opts)
	if err != nil {
		return nil, nil, err
	}
	point := t.Points[k].ID
	asResult := func(id, hw, cat string) results.Result {
		return results.Result{TestID: id, Hardware: hw, Category: cat}
	}
	if t.Metric == "pass-rate" {
		for _, c := range rep.NewFailures {
			reg = append(reg, asResult(c.TestID, c.Hardware, c.Category))
			t.Marked = append(t.Marked, TrendEvent{point, c.TestID, c.Hardware, c.Category,
				fmt.Sprintf("%s → %s: %s", c.Base, c.Head, dash(clip(c.Error, 100)))})
		}
		for _, c := range rep.Fixed {
			imp = append(imp, asResult(c.TestID, c.Hardware, c.Category))
		}
		return reg, imp, nil
	}
	metric := map[string]compare.Metric{"latency": compare.Latency, "memory": compare.Memory}[t.Metric]
	for _, p := range rep.Regressions {
		if p.Metric == metric {
			reg = append(reg, asResult(p.TestID, p.Hardware, p.Category))
			t.Marked = append(t.Marked, TrendEvent{point, p.TestID, p.Hardware, p.Category,
				fmt.Sprintf("median %s → %s %s (%s), %s p = %s", sigFigs(p.Base), sigFigs(p.Head), t.Unit, signedPct(p.Delta), p.Test, pValue(p.P))})
		}
	}
	for _, p := range rep.Improvements {
		if p.Metric == metric {
			imp = append(imp, asResult(p.TestID, p.Hardware, p.Category))
		}
	}
	return reg, imp, nil
}

// value is a series' value at a point from its final results rs, and its
// change from prev, the same series' final results at the point before.
func (t *Trends) value(rs, prev []results.Result) TrendValue {
	var v TrendValue
	if t.Metric == "pass-rate" {
		rate := func(rs []results.Result) (float64, int) {
			var c Counts
			for _, r := range rs {
				c.add(r.Status)
			}
			r := rateOf("", c)
			return r.Rate, r.Ran
		}
		now, n := rate(rs)
		if n == 0 {
			return v
		}
		v.Value, v.Tests = &now, n
		if before, m := rate(prev); m > 0 {
			d := now - before
			v.Change = &d
		}
		return v
	}
	cur, before := t.measures(rs), t.measures(prev)
	var logs, ratios []float64
	for id, x := range cur {
		logs = append(logs, math.Log(x))
		if y, ok := before[id]; ok {
			ratios = append(ratios, math.Log(x/y))
		}
	}
	if len(logs) == 0 {
		return v
	}
	g := math.Exp(meanOf(logs))
	v.Value, v.Tests = &g, len(logs)
	if len(ratios) > 0 {
		d := math.Exp(meanOf(ratios)) - 1
		v.Change = &d
	}
	return v
}

// measures are the passing tests' median latency or memory, by test id.
func (t *Trends) measures(rs []results.Result) map[string]float64 {
	out := map[string]float64{}
	for _, r := range rs {
		if !r.Status.Passed() {
			continue
		}
		x := r.MemoryMB
		if t.Metric == "latency" {
			x = compare.Median(r.SamplesMS)
		}
		if x > 0 && !math.IsNaN(x) {
			out[r.TestID] = x
		}
	}
	return out
}

func meanOf(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func seriesOf(m map[string][]TrendValue, n int) []TrendSeries {
	out := []TrendSeries{}
	for name, vals := range m {
		for len(vals) < n {
			vals = append(vals, TrendValue{})
		}
		out = append(out, TrendSeries{Name: name, Values: vals})
	}
	slices.SortFunc(out, func(a, b TrendSeries) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// cellText renders a value: "83.3% (-16.7) ✗1" or "12.3 ms (+20.1%) ✗2".
func (t Trends) cellText(v TrendValue) string {
	if v.Value == nil {
		return "–"
	}
	var s string
	switch t.Metric {
	case "pass-rate":
		s = fmt.Sprintf("%.1f%%", 100**v.Value)
		if v.Change != nil {
			s += fmt.Sprintf(" (%+.1f)", 100**v.Change)
		}
	default:
		s = sigFigs(*v.Value) + " " + t.Unit
		if v.Change != nil {
			s += " (" + signedPct(*v.Change) + ")"
		}
	}
	if v.Regressions > 0 {
		s += fmt.Sprintf(" ✗%d", v.Regressions)
	}
	if v.Improvements > 0 {
		s += fmt.Sprintf(" ✓%d", v.Improvements)
	}
	return s
}

// Tables are the report as tables: one row per point, one column per
// platform (then per category), and the marked regressions.
func (t Trends) Tables() []Table {
	what := map[string]string{
		"pass-rate": "Pass rate: passes / tests that ran, at each run's last attempt. (±x): change in percentage points from the previous run. ✗N: N tests that passed before fail now; ✓N: N fixed.",
		"latency":   "Latency: geometric mean over passing tests of each test's median latency. (±x%): change from the previous run over the tests measured in both.",
		"memory":    "Memory: geometric mean over passing tests of each test's peak memory. (±x%): change from the previous run over the tests measured in both.",
	}[t.Metric]
	o := t.Statistics
	stats := fmt.Sprintf("✗N: N tests %s by at least %s and significant (%s, p < %g, at least %d values a side, the previous %d runs pooled), as `hwcov compare` decides; ✓N: as many improved the same way.",
		map[string]string{"latency": "slower", "memory": "larger"}[t.Metric], percentText(o.Threshold), o.Test, o.Alpha, o.MinSamples, o.Window)
	notes := []string{what}
	if t.Metric != "pass-rate" {
		notes = append(notes, stats)
	}
	table := func(title, dim string, ss []TrendSeries) Table {
		tb := Table{Title: title, Header: []string{"run", "started", "commit"}, Rows: [][]string{}, Notes: notes}
		for _, s := range ss {
			tb.Header = append(tb.Header, s.Name)
		}
		for i, p := range t.Points {
			row := []string{p.ID, p.Started.UTC().Format("2006-01-02 15:04"), dash(shortSHA(p.GitSHA))}
			for _, s := range ss {
				row = append(row, t.cellText(s.Values[i]))
			}
			tb.Rows = append(tb.Rows, row)
		}
		if len(t.Points) == 0 {
			tb.Notes = []string{"No runs in the database."}
		}
		return tb
	}
	name := map[string]string{"pass-rate": "Pass rate", "latency": "Latency", "memory": "Memory"}[t.Metric]
	marked := Table{Title: "Regressions marked", Header: []string{"run", "test", "platform", "what changed"}, Rows: [][]string{}}
	for _, e := range t.Marked {
		marked.Rows = append(marked.Rows, []string{e.Point, e.TestID, e.Hardware, e.Detail})
	}
	if len(t.Marked) == 0 {
		marked.Notes = []string{"None: no run regressed against the runs before it."}
	}
	return []Table{table(name+" per platform over runs", "platform", t.ByPlatform),
		table(name+" per category over runs", "category", t.ByCategory), marked}
}

func shortSHA(s string) string { return s[:min(len(s), 12)] }

// WriteTrends renders t in format (table, markdown or json).
func WriteTrends(w io.Writer, t Trends, format string) error {
	if format == "json" {
		return writeIndentedJSON(w, t)
	}
	return renderAnalysis(w, t.Tables(), format)
}
