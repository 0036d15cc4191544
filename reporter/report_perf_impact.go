package reporter

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/results"
)

// ---------------------------------------------------------------- optimization impact

// MannWhitneyP is the two-sided p-value of the Mann-Whitney U test of a and b
// (normal approximation with tie correction); 1 when either is empty.
func MannWhitneyP(a, b []float64) float64 {
	n1, n2 := len(a), len(b)
	if n1 == 0 || n2 == 0 {
		return 1
	}
	type obs struct {
		v float64
		g int
	}
	all := make([]obs, 0, n1+n2)
	for _, x := range a {
		all = append(all, obs{x, 0})
	}
	for _, x := range b {
		all = append(all, obs{x, 1})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	n := float64(n1 + n2)
	r1, ties := 0.0, 0.0
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			if all[k].g == 0 {
				r1 += rank
			}
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}
	u := r1 - float64(n1*(n1+1))/2
	mu := float64(n1*n2) / 2
	sigma := math.Sqrt(float64(n1*n2) / 12 * ((n + 1) - ties/(n*(n-1))))
	if sigma == 0 {
		return 1
	}
	z := (math.Abs(u-mu) - 0.5) / sigma
	if z < 0 {
		z = 0
	}
	return math.Erfc(z / math.Sqrt2)
}

// OptimizationImpactTable compares a baseline run with an optimized one, test
// by test, with the stored samples: medians, change, speed-up, Mann-Whitney
// p-value, and the optimizations each side applied (guide:
// --optimization-impact). Its notes say why tests were not compared: a
// platform both runs skipped is named with its reason, never shown as "0
// tests compared".
func OptimizationImpactTable(base, head []results.Result, alpha float64) Table {
	t := Table{Title: "Optimization impact (head vs base)", Header: []string{"test", "base median ms", "head median ms", "change", "speed-up", "p-value", "verdict", "base optimizations", "head optimizations"}}
	byID := map[string]results.Result{}
	for _, r := range base {
		byID[r.TestID] = r
	}
	sorted := append([]results.Result(nil), head...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].TestID < sorted[j].TestID })
	faster, slower := 0, 0
	for _, h := range sorted {
		b, ok := byID[h.TestID]
		if !ok || !impactComparable(b, h) {
			continue
		}
		sb, sh := SampleStats(b.SamplesMS), SampleStats(h.SamplesMS)
		change := (sh.Median - sb.Median) / sb.Median
		speedup := "–"
		if sh.Median > 0 {
			speedup = fmt.Sprintf("%.2fx", sb.Median/sh.Median)
		}
		p := MannWhitneyP(b.SamplesMS, h.SamplesMS)
		verdict := "no significant change"
		if p < alpha {
			if change < 0 {
				verdict, faster = "faster", faster+1
			} else {
				verdict, slower = "slower", slower+1
			}
		}
		t.Rows = append(t.Rows, []string{h.TestID, ms(sb.Median), ms(sh.Median), fmt.Sprintf("%+.1f%%", 100*change), speedup, fmt.Sprintf("%.3g", p), verdict,
			optList(ParseExtra(b.Extra)), optList(ParseExtra(h.Extra))})
	}
	if len(t.Rows) > 0 {
		t.Notes = []string{fmt.Sprintf("%s compared: %d faster, %d slower at p < %g (Mann-Whitney U on the stored samples); speed-up is base median / head median.",
			countOf(len(t.Rows), "test", "tests"), faster, slower, alpha)}
	}
	if why := impactNotCompared(base, head, len(t.Rows) == 0); why != "" {
		t.Notes = append(t.Notes, why)
	}
	return t
}

// impactComparable reports whether a test's base and head results can be
// compared: both passed, both with timed samples.
func impactComparable(b, h results.Result) bool {
	return b.Status == results.StatusPass && h.Status == results.StatusPass && len(b.SamplesMS) > 0 && len(h.SamplesMS) > 0
}

// impactNotCompared says why tests of the two runs were not compared: "no
// comparison: every test in both runs was skipped (cuda: CUDA is not
// available ...)" when none was, "2 tests not compared: ..." when some were
// not; "" when every test was.
func impactNotCompared(base, head []results.Result, none bool) string {
	last := func(rs []results.Result) map[string]results.Result {
		m := map[string]results.Result{}
		for _, r := range rs {
			m[r.TestID] = r
		}
		return m
	}
	bs, hs := last(base), last(head)
	ids := make([]string, 0, len(bs)+len(hs))
	for id := range bs {
		ids = append(ids, id)
	}
	for id := range hs {
		if _, ok := bs[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)

	var skipped, bothSkipped, failing, oneRun, noSamples int
	var skips []results.Result
	for _, id := range ids {
		b, inBase := bs[id]
		h, inHead := hs[id]
		switch {
		case !inBase || !inHead:
			oneRun++
		case b.Status == results.StatusSkip || h.Status == results.StatusSkip:
			skipped++
			if b.Status == h.Status {
				bothSkipped++
			}
			skips = append(skips, h, b)
		case b.Status != results.StatusPass || h.Status != results.StatusPass:
			failing++
		case !impactComparable(b, h):
			noSamples++
		}
	}
	skipNote := skipReasons(skips)

	if none && len(ids) > 0 && bothSkipped == len(ids) {
		return "no comparison: every test in both runs was skipped (" + skipNote + ")."
	}
	var parts []string
	if skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped (%s)", skipped, skipNote))
	}
	if failing > 0 {
		parts = append(parts, fmt.Sprintf("%d did not pass in both runs", failing))
	}
	if noSamples > 0 {
		parts = append(parts, fmt.Sprintf("%d without timed samples", noSamples))
	}
	if oneRun > 0 {
		parts = append(parts, fmt.Sprintf("%d in only one of the runs", oneRun))
	}
	switch {
	case none && len(ids) == 0:
		return "no comparison: neither run has results."
	case none:
		return "no comparison: no test passed with timed samples in both runs: " + strings.Join(parts, ", ") + "."
	case len(parts) > 0:
		return fmt.Sprintf("%s not compared: %s.", countOf(skipped+failing+noSamples+oneRun, "test", "tests"), strings.Join(parts, ", "))
	}
	return ""
}

// skipReasons names each platform with a skipped result in rs, with the
// first reason given for it: "cuda: CUDA is not available on this machine
// (...); qualcomm: no runner for this platform".
func skipReasons(rs []results.Result) string {
	var hws []string
	why := map[string]string{}
	for _, r := range rs {
		if r.Status != results.StatusSkip {
			continue
		}
		hw := hardwareOf(r)
		if _, seen := why[hw]; !seen {
			hws = append(hws, hw)
			why[hw] = ""
		}
		if why[hw] == "" {
			why[hw] = truncateRunes(firstLineOf(r.ErrorMessage), 160)
		}
	}
	parts := make([]string, len(hws))
	for i, hw := range hws {
		parts[i] = hw
		if why[hw] != "" {
			parts[i] += ": " + why[hw]
		}
	}
	return strings.Join(parts, "; ")
}

// firstLineOf is the first non-empty line of s, trimmed.
func firstLineOf(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

func optList(e Extra) string {
	xs := e.Applied
	if xs == nil {
		xs = e.Optimizations
	}
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// ---------------------------------------------------------------- profiles

type layerProfile struct {
	Kind    string  `json:"kind"`
	TotalMS float64 `json:"total_ms"`
	Note    string  `json:"note"`
	Error   string  `json:"error"`
	Modules []struct {
		Module  string  `json:"module"`
		Type    string  `json:"type"`
		MS      float64 `json:"ms"`
		Calls   int     `json:"calls"`
		Percent float64 `json:"percent"`
	} `json:"modules"`
	Ops []struct {
		Op      string  `json:"op"`
		SelfMS  float64 `json:"self_cpu_ms"`
		TotalMS float64 `json:"cpu_total_ms"`
		Calls   int     `json:"calls"`
	} `json:"ops"`
	Source     string  `json:"source"`
	PeakMB     float64 `json:"peak_mb"`
	GrowthMB   float64 `json:"growth_mb_per_iteration"`
	Iterations []struct {
		Iteration int     `json:"iteration"`
		PeakMB    float64 `json:"peak_mb"`
		InUseMB   float64 `json:"in_use_mb"`
		GrowthMB  float64 `json:"growth_mb"`
	} `json:"iterations"`
}

// ProfileTables renders the profile stored in r's extra.profile: per-module
// times and top operators (layers), or peak and growth per iteration (memory).
func ProfileTables(r results.Result, top int) ([]Table, error) {
	e := ParseExtra(r.Extra)
	if len(e.Profile) == 0 {
		return nil, fmt.Errorf("test %s has no profile (run it with hwcov run --profile layers or --profile memory)", r.TestID)
	}
	var p layerProfile
	if err := json.Unmarshal(e.Profile, &p); err != nil {
		return nil, fmt.Errorf("profile of %s: %w", r.TestID, err)
	}
	if p.Error != "" {
		return nil, fmt.Errorf("profile of %s: %s", r.TestID, p.Error)
	}
	switch p.Kind {
	case "layers":
		mt := Table{Title: fmt.Sprintf("Layers of %s (one forward pass, %.3f ms)", r.TestID, p.TotalMS), Header: []string{"module", "type", "ms", "% of pass", "calls"}}
		for i, m := range p.Modules {
			if top > 0 && i >= top {
				break
			}
			mt.Rows = append(mt.Rows, []string{m.Module, m.Type, ms(m.MS), fmt.Sprintf("%.1f", m.Percent), strconv.Itoa(m.Calls)})
		}
		mt.Notes = []string{"inclusive wall time per module (a parent includes its children)."}
		if p.Note != "" {
			mt.Notes = append(mt.Notes, p.Note)
		}
		ot := Table{Title: "Top operators (torch.profiler, self CPU time)", Header: []string{"operator", "self ms", "total ms", "calls"}}
		for i, o := range p.Ops {
			if top > 0 && i >= top {
				break
			}
			ot.Rows = append(ot.Rows, []string{o.Op, ms(o.SelfMS), ms(o.TotalMS), strconv.Itoa(o.Calls)})
		}
		return []Table{mt, ot}, nil
	case "memory":
		t := Table{Title: fmt.Sprintf("Memory of %s per iteration (%s)", r.TestID, p.Source), Header: []string{"iteration", "peak MiB", "in use MiB", "growth MiB"}}
		for _, it := range p.Iterations {
			t.Rows = append(t.Rows, []string{strconv.Itoa(it.Iteration), ms(it.PeakMB), ms(it.InUseMB), ms(it.GrowthMB)})
		}
		t.Notes = []string{fmt.Sprintf("peak %.3f MiB; growth %.3f MiB per iteration after the first (steady growth is a leak).", p.PeakMB, p.GrowthMB)}
		return []Table{t}, nil
	}
	return nil, fmt.Errorf("profile of %s: unknown kind %q", r.TestID, p.Kind)
}
