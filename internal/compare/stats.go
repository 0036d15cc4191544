package compare

import (
	"math"
	"slices"
	"sync"
)

// MannWhitneyU tests whether samples x and y come from the same distribution
// (two-sided) the way SciPy's mannwhitneyu(x, y, alternative="two-sided")
// does by default (method="auto"): with the exact distribution of U when the
// smaller sample has at most 8 values and no value is tied, otherwise with the
// normal approximation, the tie correction and the continuity correction.
// The exact test matters for the harness's default of 5 timed iterations: 5
// values against 5 that do not overlap give p = 2/252 = 0.0079, where the
// normal approximation cannot go below 0.012.
//
// u is x's U statistic (the number of (x, y) pairs where x is larger, ties
// counting one half). p is 1 when either sample is empty or every value is
// tied.
func MannWhitneyU(x, y []float64) (u, p float64) {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return 0, 1
	}
	type obs struct {
		v     float64
		fromX bool
	}
	all := make([]obs, 0, n1+n2)
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	n := float64(n1 + n2)
	var rankX, tieTerm float64
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		// Positions i..j-1 (0-based) share the mean of ranks i+1..j.
		rank := float64(i+1+j) / 2
		for k := i; k < j; k++ {
			if all[k].fromX {
				rankX += rank
			}
		}
		if t := float64(j - i); t > 1 {
			tieTerm += t*t*t - t
		}
		i = j
	}
	fn1, fn2 := float64(n1), float64(n2)
	u1 := rankX - fn1*(fn1+1)/2
	u2 := fn1*fn2 - u1
	if tieTerm == 0 && min(n1, n2) <= exactMaxN {
		return u1, math.Min(1, 2*exactUTail(n1, n2, int(math.Round(math.Max(u1, u2)))))
	}
	mu := fn1 * fn2 / 2
	sigma := math.Sqrt(fn1 * fn2 / 12 * ((n + 1) - tieTerm/(n*(n-1))))
	if sigma == 0 || math.IsNaN(sigma) {
		return u1, 1
	}
	z := (math.Max(u1, u2) - mu - 0.5) / sigma
	return u1, math.Min(1, 2*normalSF(z))
}

// MannWhitneyMinP is the smallest two-sided p-value MannWhitneyU can give
// for samples of n1 and n2 values without ties (complete separation). When
// it is not below alpha, no amount of difference can be significant.
func MannWhitneyMinP(n1, n2 int) float64 {
	if n1 == 0 || n2 == 0 {
		return 1
	}
	if min(n1, n2) <= exactMaxN {
		return math.Min(1, 2*exactUTail(n1, n2, n1*n2))
	}
	fn1, fn2 := float64(n1), float64(n2)
	sigma := math.Sqrt(fn1 * fn2 * (fn1 + fn2 + 1) / 12)
	z := (fn1*fn2/2 - 0.5) / sigma
	return math.Min(1, 2*normalSF(z))
}

// exactMaxN is the largest smaller-sample size for which MannWhitneyU uses
// the exact distribution (SciPy's method="auto" threshold).
const exactMaxN = 8

var (
	exactMu    sync.Mutex
	exactCache = map[[2]int][]float64{}
)

// exactUTail is P(U >= u) under the null hypothesis for samples of n1 and n2
// values without ties. The distribution of U depends only on the sizes, so
// each one is computed once: a comparison asks for the same few sizes
// thousands of times.
func exactUTail(n1, n2, u int) float64 {
	m, n := min(n1, n2), max(n1, n2)
	if u <= 0 {
		return 1
	}
	if u > m*n {
		return 0
	}
	exactMu.Lock()
	tail, ok := exactCache[[2]int{m, n}]
	if !ok {
		tail = uTail(m, n)
		exactCache[[2]int{m, n}] = tail
	}
	exactMu.Unlock()
	return tail[u]
}

// uTail returns P(U >= u) for u = 0..m*n. It counts the arrangements of m
// x-values among n y-values with U = u by the recurrence
// c(j, k, u) = c(j-1, k, u-k) + c(j, k-1, u) (the largest value is an x above
// all k y-values, or a y), which only adds, so the counts stay exact in
// float64 up to 2^53 and close beyond.
func uTail(m, n int) []float64 {
	// row[j] is c(j, k, .) for the current k, a polynomial of degree j*k.
	row := make([][]float64, m+1)
	for j := range row {
		row[j] = []float64{1} // k = 0: one arrangement, U = 0
	}
	for k := 1; k <= n; k++ {
		for j := 1; j <= m; j++ {
			next := make([]float64, j*k+1)
			copy(next, row[j]) // the largest value is a y: c(j, k-1, u)
			for u, c := range row[j-1] {
				next[u+k] += c // an x above all k y-values: c(j-1, k, u-k)
			}
			row[j] = next
		}
	}
	counts := row[m]
	var total float64
	for _, c := range counts {
		total += c
	}
	tail := make([]float64, len(counts)+1)
	for u := len(counts) - 1; u >= 0; u-- {
		tail[u] = tail[u+1] + counts[u]/total
	}
	return tail[:len(counts)]
}

// WelchT is Welch's unequal-variances t-test of the means of x and y,
// two-sided: SciPy's ttest_ind(x, y, equal_var=False). It needs two values
// on each side; with fewer, p is 1. When both variances are zero, p is 0 if
// the means differ (t is ±Inf) and 1 if they are equal.
func WelchT(x, y []float64) (t, df, p float64) {
	n1, n2 := float64(len(x)), float64(len(y))
	if n1 < 2 || n2 < 2 {
		return 0, 0, 1
	}
	m1, v1 := meanVar(x)
	m2, v2 := meanVar(y)
	se2 := v1/n1 + v2/n2
	if se2 == 0 {
		if m1 == m2 {
			return 0, n1 + n2 - 2, 1
		}
		return math.Copysign(math.Inf(1), m1-m2), n1 + n2 - 2, 0
	}
	t = (m1 - m2) / math.Sqrt(se2)
	df = se2 * se2 / ((v1/n1)*(v1/n1)/(n1-1) + (v2/n2)*(v2/n2)/(n2-1))
	return t, df, StudentTTwoSided(t, df)
}

// PredictionT tests whether one new observation x belongs with the sample
// base (two-sided), assuming normality: t = (x - mean) / (s * sqrt(1 + 1/n))
// with n-1 degrees of freedom, the prediction-interval test. It is the test
// for a metric recorded once per run (peak memory) when the head has one run.
// It needs two base values; with fewer, p is 1. When base has no spread, p is
// 0 if x differs from it and 1 if not.
func PredictionT(base []float64, x float64) (t, df, p float64) {
	n := float64(len(base))
	if n < 2 {
		return 0, 0, 1
	}
	m, v := meanVar(base)
	df = n - 1
	if v == 0 {
		if x == m {
			return 0, df, 1
		}
		return math.Copysign(math.Inf(1), x-m), df, 0
	}
	t = (x - m) / (math.Sqrt(v) * math.Sqrt(1+1/n))
	return t, df, StudentTTwoSided(t, df)
}

// StudentTTwoSided is P(|T| >= |t|) for Student's t distribution with df
// degrees of freedom.
func StudentTTwoSided(t, df float64) float64 {
	if math.IsNaN(t) || df <= 0 {
		return 1
	}
	if math.IsInf(t, 0) {
		return 0
	}
	return RegIncBeta(df/2, 0.5, df/(df+t*t))
}

// RegIncBeta is the regularized incomplete beta function I_x(a, b), by the
// continued fraction of Numerical Recipes (betacf) with Lentz's method.
func RegIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

func betaCF(a, b, x float64) float64 {
	const (
		maxIter = 300
		eps     = 1e-15
		tiny    = 1e-300
	)
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// normalSF is the standard normal survival function P(Z > z).
func normalSF(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// meanVar returns the mean and the unbiased (n-1) variance of xs, by
// Welford's method.
func meanVar(xs []float64) (mean, variance float64) {
	var m, s float64
	for i, x := range xs {
		d := x - m
		m += d / float64(i+1)
		s += d * (x - m)
	}
	if len(xs) < 2 {
		return m, 0
	}
	return m, s / float64(len(xs)-1)
}

// Median returns the median of xs (the mean of the middle two for an even
// count), 0 for none. xs is not modified.
func Median(xs []float64) float64 {
	switch len(xs) {
	case 0:
		return 0
	case 1:
		return xs[0]
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	h := len(s) / 2
	if len(s)%2 == 1 {
		return s[h]
	}
	return (s[h-1] + s[h]) / 2
}
