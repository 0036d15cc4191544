package compare

import (
	"fmt"
	"math"
)

// comparePerf compares latency and memory of a test that passed on both
// sides, pooling the base runs whose environment matches the head's.
func (c *comparer) comparePerf(id string, h, b selection) {
	headFinal := c.head[h.current[len(h.current)-1]]
	headEnv := c.envs.of(headFinal)
	var matched [][]int
	var firstDiff []envDiff
	for k, run := range b.window {
		d := c.envs.diff(c.envs.of(c.base[run[len(run)-1]]), headEnv)
		if k == 0 {
			firstDiff = d
		}
		if len(d) == 0 {
			matched = append(matched, run)
		}
	}
	for _, d := range firstDiff {
		c.envCount[EnvChange{Key: d.key, Base: d.base, Head: d.head}]++
	}
	envNote := ""
	pool := matched
	if len(matched) == 0 {
		envNote = "environment differs: " + describeDiff(firstDiff)
		pool = b.window[:1] // for the informational delta only
	}

	var headLat, headMem, baseLat, baseMem []float64
	for _, i := range h.current {
		if r := &c.head[i]; r.Status.Passed() {
			headLat = append(headLat, r.SamplesMS...)
			if r.MemoryMB > 0 {
				headMem = append(headMem, r.MemoryMB)
			}
		}
	}
	for _, run := range pool {
		for _, i := range run {
			if r := &c.base[i]; r.Status.Passed() {
				baseLat = append(baseLat, r.SamplesMS...)
				if r.MemoryMB > 0 {
					baseMem = append(baseMem, r.MemoryMB)
				}
			}
		}
	}
	p := Perf{TestID: id, Architecture: headFinal.Architecture, Hardware: headFinal.Hardware, Category: headFinal.Category,
		GeneratedFile: headFinal.GeneratedFile, TemplateChain: headFinal.TemplateChain}
	p.Metric = Latency
	c.metric(p, baseLat, headLat, envNote)
	p.Metric = Memory
	c.metric(p, baseMem, headMem, envNote)
}

// metric decides one metric and files it.
func (c *comparer) metric(p Perf, base, head []float64, envNote string) {
	if len(base) == 0 || len(head) == 0 {
		return
	}
	p.BaseN, p.HeadN = len(base), len(head)
	p.Base, p.Head = Median(base), Median(head)
	if p.Base <= 0 {
		return
	}
	c.rep.Perf.Compared++
	p.Delta = (p.Head - p.Base) / p.Base
	if math.Abs(p.Delta) < c.opts.Threshold {
		c.rep.Perf.Within++
		return
	}
	if envNote != "" {
		p.Verdict, p.Note = EnvironmentDiffers, envNote
		c.rep.Perf.EnvRefused++
		c.rep.Unconfirmed = append(c.rep.Unconfirmed, p)
		return
	}
	p.P, p.Test, p.Note = c.test(base, head)
	switch {
	case p.Test == "":
		p.Verdict = InsufficientData
		c.rep.Perf.Insufficient++
		c.rep.Unconfirmed = append(c.rep.Unconfirmed, p)
	case p.P < c.opts.Alpha && p.Delta > 0:
		p.Verdict = Regression
		c.rep.Perf.Confirmed++
		c.rep.Regressions = append(c.rep.Regressions, p)
	case p.P < c.opts.Alpha && p.Delta < 0:
		p.Verdict = Improvement
		c.rep.Perf.Confirmed++
		c.rep.Improvements = append(c.rep.Improvements, p)
	default:
		p.Verdict = NotSignificant
		c.rep.Perf.NotSignificant++
		c.rep.Unconfirmed = append(c.rep.Unconfirmed, p)
	}
}

// test runs the configured test on base and head values. It returns test ""
// and a note when there are too few values for any test to reach Alpha. A
// test whose direction disagrees with the medians' gives p = 1.
func (c *comparer) test(base, head []float64) (p float64, test, note string) {
	minN := c.opts.MinSamples
	alpha := c.opts.Alpha
	nb, nh := len(base), len(head)
	dir := Median(head) - Median(base)
	switch {
	case nh == 1 && nb >= minN:
		t, _, p := PredictionT(base, head[0])
		if t*dir < 0 {
			p = 1
		}
		return p, TestPrediction, ""
	case nb < minN || nh < minN:
		return 0, "", fmt.Sprintf("%d base and %d head values; a test needs %d on each side", nb, nh, minN)
	case c.opts.Test == TestWelch:
		t, _, p := WelchT(head, base)
		if t*dir < 0 {
			p = 1
		}
		return p, TestWelch, ""
	default:
		if minP := MannWhitneyMinP(nb, nh); minP >= alpha {
			return 0, "", fmt.Sprintf("%d base and %d head samples cannot reach p < %g with Mann-Whitney U (best p = %.3g); record more iterations or keep a history", nb, nh, alpha, minP)
		}
		u, p := MannWhitneyU(head, base)
		if (u-float64(nb*nh)/2)*dir < 0 {
			p = 1
		}
		return p, TestMannWhitney, ""
	}
}
