package planner

import (
	"container/heap"
	"math"
	"sort"
)

// job is one test to place: its position in priority order and its estimate.
type job struct {
	idx int
	sec float64
}

// sortLongestFirst orders jobs by descending estimate, ties by priority order.
func sortLongestFirst(jobs []job) {
	sort.Slice(jobs, func(i, j int) bool {
		if jobs[i].sec != jobs[j].sec {
			return jobs[i].sec > jobs[j].sec
		}
		return jobs[i].idx < jobs[j].idx
	})
}

// lpt places jobs (already sorted longest first) onto n bins, each job onto the
// least-loaded bin (ties: the lowest bin), the longest-processing-time-first
// rule. Bins list job positions in priority order. It is deterministic.
func lpt(jobs []job, n int) (bins [][]int, loads []float64) {
	bins = make([][]int, n)
	loads = make([]float64, n)
	h := make(binHeap, n)
	for i := range h {
		h[i] = bin{i: i}
	}
	// h is a valid heap already: all loads are zero and indexes ascend.
	for _, j := range jobs {
		b := &h[0]
		bins[b.i] = append(bins[b.i], j.idx)
		b.load += j.sec
		loads[b.i] = b.load
		heap.Fix(&h, 0)
	}
	for _, b := range bins {
		sort.Ints(b)
	}
	return bins, loads
}

type bin struct {
	load float64
	i    int
}

type binHeap []bin

func (h binHeap) Len() int { return len(h) }
func (h binHeap) Less(a, b int) bool {
	if h[a].load != h[b].load {
		return h[a].load < h[b].load
	}
	return h[a].i < h[b].i
}
func (h binHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *binHeap) Push(x any)   { *h = append(*h, x.(bin)) }
func (h *binHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}

// shardsForBudget returns the fewest shards for which LPT keeps every shard at
// or under budget seconds. A job longer than the budget cannot fit anywhere;
// the budget then stretches to that job (it runs in a shard of its own) and
// over is true.
func shardsForBudget(jobs []job, budget float64) (n int, over bool) {
	if len(jobs) == 0 {
		return 0, false
	}
	total, longest, halfOver := 0.0, 0.0, 0
	for _, j := range jobs {
		total += j.sec
		longest = math.Max(longest, j.sec)
	}
	if longest > budget {
		budget, over = longest, true
	}
	for _, j := range jobs {
		if j.sec > budget/2 {
			halfOver++ // no two of these share a shard
		}
	}
	fits := func(n int) bool {
		_, loads := lpt(jobs, n)
		return maxOf(loads) <= budget*(1+1e-9)
	}
	lo := max(1, int(math.Ceil(total/budget*(1-1e-12))), halfOver)
	lo = min(lo, len(jobs))
	// LPT is within 4/3 of optimal, so a few steps up from the lower bound
	// nearly always suffice; past that, search by halves.
	for n = lo; n < len(jobs) && n < lo+16; n++ {
		if fits(n) {
			return n, over
		}
	}
	if n >= len(jobs) {
		return len(jobs), over
	}
	hi := len(jobs) // one job per shard always fits
	for n < hi {
		mid := n + (hi-n)/2
		if fits(mid) {
			hi = mid
		} else {
			n = mid + 1
		}
	}
	return hi, over
}
