package planner

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// DefaultTestSeconds is a test's estimated duration when there is no history
// at all; every test then weighs the same and shards balance by count.
const DefaultTestSeconds = 60.0

// Where an estimate came from.
const (
	fromHistory = iota
	fromCategory
	fromGlobal
	fromDefault
	nSources
)

// estimator guesses each test's duration from the history of earlier runs:
// its own duration when known, else the median of its category's known
// durations, else the median of all known durations, else a constant.
type estimator struct {
	known      map[string]float64
	byCategory map[string]float64
	global     float64 // 0 = no history
	fallback   float64
	counts     [nSources]int
}

// newEstimator reads durations (seconds per test id). categoryOf maps a model
// name to its category, for the category medians; history for models it does
// not know still counts towards the global median. Durations that are not
// positive finite numbers are ignored.
func newEstimator(durations map[string]float64, categoryOf map[string]string, fallback float64) *estimator {
	if !valid(fallback) {
		fallback = DefaultTestSeconds
	}
	e := &estimator{known: durations, byCategory: map[string]float64{}, fallback: fallback}
	perCat := map[string][]float64{}
	all := make([]float64, 0, len(durations))
	for id, sec := range durations {
		if !valid(sec) {
			continue
		}
		all = append(all, sec)
		model, _, _ := strings.Cut(id, "@")
		if cat, ok := categoryOf[model]; ok {
			perCat[cat] = append(perCat[cat], sec)
		}
	}
	e.global = median(all)
	for cat, xs := range perCat {
		e.byCategory[cat] = median(xs)
	}
	return e
}

// estimate returns t's estimated seconds and counts where it came from.
func (e *estimator) estimate(t Test) float64 {
	if sec, ok := e.known[t.Name]; ok && valid(sec) {
		e.counts[fromHistory]++
		return sec
	}
	if sec, ok := e.byCategory[t.Category]; ok {
		e.counts[fromCategory]++
		return sec
	}
	if e.global > 0 {
		e.counts[fromGlobal]++
		return e.global
	}
	e.counts[fromDefault]++
	return e.fallback
}

// note summarises where the estimates came from.
func (e *estimator) note() string {
	c := e.counts
	if c[fromHistory]+c[fromCategory]+c[fromGlobal] == 0 {
		return fmt.Sprintf("no duration history: every test estimated at %gs, shards balanced by count", e.fallback)
	}
	return fmt.Sprintf("durations: %d tests from history, %d from their category's median, %d from the global median, %d at the default %gs",
		c[fromHistory], c[fromCategory], c[fromGlobal], c[fromDefault], e.fallback)
}

// valid reports whether sec is a usable duration: positive and finite.
func valid(sec float64) bool { return sec > 0 && !math.IsInf(sec, 0) }

// median of xs (sorted in place); 0 for none.
func median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	sort.Float64s(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// categories maps each architecture name seen in tests to its category.
func categories(tests []Test) map[string]string {
	out := map[string]string{}
	for _, t := range tests {
		out[t.ID.Model] = t.Category
	}
	return out
}
