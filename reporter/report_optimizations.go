package reporter

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hwcov/hwcov/internal/results"
)

// NoisyCV is the coefficient of variation above which timings are called noisy.
const NoisyCV = 0.2

// OptimizationsTable finds optimization opportunities in benchmark data (guide:
// --identify-optimizations): for every passing test, the platform's
// optimizations that were not applied (available lists each platform's, from
// its hardware JSON), a faster platform that passed the same cell, and noisy
// timings. Tests with no opportunity are left out and counted in a note.
func OptimizationsTable(rs []results.Result, available map[string][]string) Table {
	t := Table{Title: "Optimization opportunities", Header: []string{"test", "median ms", "cv", "applied", "not applied", "opportunity"}}
	type cellKey struct{ model, cell, precision string }
	type best struct {
		hw     string
		median float64
	}
	fastest := map[cellKey]best{}
	stats := map[string]Stats{}
	for _, r := range rs {
		if r.Status != results.StatusPass || len(r.SamplesMS) == 0 {
			continue
		}
		s := SampleStats(r.SamplesMS)
		stats[r.TestID] = s
		k := cellKey{r.Architecture, cellOf(r), r.Precision}
		if b, ok := fastest[k]; !ok || s.Median < b.median {
			fastest[k] = best{r.Hardware, s.Median}
		}
	}
	list := append([]results.Result(nil), rs...)
	sort.Slice(list, func(i, j int) bool { return list[i].TestID < list[j].TestID })
	none := 0
	for _, r := range list {
		s, ok := stats[r.TestID]
		if !ok {
			continue
		}
		applied := appliedOptimizations(r.Extra)
		var missing []string
		for _, o := range available[r.Hardware] {
			if !slices.Contains(applied, o) {
				missing = append(missing, o)
			}
		}
		var ops []string
		if len(missing) > 0 {
			ops = append(ops, "apply "+strings.Join(missing, ", ")+" (run without --optimizations none, or implement them in the hardware template)")
		}
		if b := fastest[cellKey{r.Architecture, cellOf(r), r.Precision}]; b.hw != r.Hardware && b.median > 0 && s.Median/b.median >= 1.2 {
			ops = append(ops, fmt.Sprintf("%.1fx faster on %s", s.Median/b.median, b.hw))
		}
		if s.CV > NoisyCV {
			ops = append(ops, fmt.Sprintf("noisy timings (cv %.0f%%): raise --iterations, pin threads or run on an idle runner", s.CV*100))
		}
		if len(ops) == 0 {
			none++
			continue
		}
		t.Rows = append(t.Rows, []string{r.TestID, fmt.Sprintf("%.3f", s.Median), fmt.Sprintf("%.0f%%", s.CV*100),
			dash(strings.Join(applied, ", ")), dash(strings.Join(missing, ", ")), strings.Join(ops, "; ")})
	}
	t.Notes = append(t.Notes, fmt.Sprintf("%d passing tests show no opportunity; a faster platform is named when it is at least 1.2x faster on the same cell.", none))
	return t
}

// appliedOptimizations reads extra.optimizations_applied (what the hardware
// template did), falling back on extra.optimizations (what it offered).
func appliedOptimizations(extra string) []string {
	var e struct {
		Applied []string `json:"optimizations_applied"`
		Offered []string `json:"optimizations"`
	}
	if extra == "" || json.Unmarshal([]byte(extra), &e) != nil {
		return nil
	}
	if e.Applied != nil {
		return e.Applied
	}
	return e.Offered
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
