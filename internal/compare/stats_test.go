package compare

import (
	"math"
	"testing"
)

// Reference values: SciPy's documented mannwhitneyu example (males/females,
// method="exact": p = 0.1111111111111111); the rest computed with mpmath
// at 30 digits by testdata/stats_reference.py from the textbook formulas, with
// Student's t tail by numerical integration of its density, independently of
// RegIncBeta.
var (
	docsX = []float64{19, 22, 16, 29, 24}
	docsY = []float64{20, 11, 17, 12}
	tiesX = []float64{1, 2, 2, 3, 3, 3, 4}
	tiesY = []float64{3, 4, 4, 5, 5, 6}
	sepX  = []float64{10.1, 10.3, 10.2, 10.4, 10.0, 10.2, 10.3, 10.1}
	sepY  = []float64{12.0, 12.4, 12.1, 12.3, 12.2, 12.5, 12.2, 12.6}
)

func close(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > rel*math.Max(math.Abs(want), 1e-300) {
		t.Errorf("%s = %.17g, want %.17g (relative tolerance %g)", what, got, want, rel)
	}
}

func TestMannWhitneyU(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y []float64
		u, p float64
	}{
		// no ties and a sample of at most 8: the exact distribution
		{"scipy docs, exact", docsX, docsY, 17, 0.11111111111111111},
		{"5 vs 5 apart", []float64{10, 11, 12, 13, 14}, []float64{20, 21, 22, 23, 24}, 0, 0.0079365079365079365},
		{"5 vs 5 one swap", []float64{10, 11, 12, 13, 21}, []float64{14, 20, 22, 23, 24}, 2, 0.031746031746031746},
		{"3 vs 12", []float64{5.5, 7.5, 9.5}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 21, 0.73406593406593407},
		// ties: the normal approximation
		{"ties", tiesX, tiesY, 3.5, 0.012999854364387313},
		{"separated", sepX, sepY, 0, 0.00090685675099235061},
		{"all tied", []float64{1, 1, 1}, []float64{1, 1}, 3, 1},
		{"empty", nil, []float64{1}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, p := MannWhitneyU(tc.x, tc.y)
			close(t, "U", u, tc.u, 1e-12)
			close(t, "p", p, tc.p, 1e-9)
		})
	}
	// Symmetry: swapping the samples gives n1*n2-U and the same p.
	u1, p1 := MannWhitneyU(tiesX, tiesY)
	u2, p2 := MannWhitneyU(tiesY, tiesX)
	close(t, "U swapped", u2, float64(len(tiesX)*len(tiesY))-u1, 1e-12)
	close(t, "p swapped", p2, p1, 1e-12)
}

func TestMannWhitneyMinP(t *testing.T) {
	// 5 vs 5 samples (the harness default) reach 0.01 with the exact test
	// (2/252); 4 vs 4 cannot (2/70).
	close(t, "min p 5 vs 5", MannWhitneyMinP(5, 5), 2.0/252, 1e-12)
	if p := MannWhitneyMinP(4, 4); p < 0.01 {
		t.Errorf("min p for 4 vs 4 = %g, want >= 0.01", p)
	}
	for _, n := range []int{3, 8, 9, 12} { // exact and asymptotic
		x, y := make([]float64, n), make([]float64, n+2)
		for i := range x {
			x[i] = float64(i)
		}
		for i := range y {
			y[i] = float64(100 + i)
		}
		_, p := MannWhitneyU(x, y)
		close(t, "min p = p at separation", MannWhitneyMinP(n, n+2), p, 1e-12)
	}
}

func TestWelchT(t *testing.T) {
	for _, tc := range []struct {
		name     string
		x, y     []float64
		t, df, p float64
	}{
		{"docs", docsX, docsY, 2.2831482556870477, 6.9288374828465007, 0.056750925921875729},
		{"ties", tiesX, tiesY, -3.412530939367521, 10.401226679291549, 0.0062708451787809738},
		{"separated", sepX, sepY, -24.433833764186513, 11.961311664029929, 1.4117884311233812e-11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt, df, p := WelchT(tc.x, tc.y)
			close(t, "t", tt, tc.t, 1e-12)
			close(t, "df", df, tc.df, 1e-12)
			close(t, "p", p, tc.p, 1e-8)
		})
	}
	if _, _, p := WelchT([]float64{1}, []float64{1, 2}); p != 1 {
		t.Errorf("one value: p = %g, want 1", p)
	}
	if _, _, p := WelchT([]float64{2, 2, 2}, []float64{3, 3, 3}); p != 0 {
		t.Errorf("constant, different: p = %g, want 0", p)
	}
	if _, _, p := WelchT([]float64{2, 2, 2}, []float64{2, 2}); p != 1 {
		t.Errorf("constant, equal: p = %g, want 1", p)
	}
}

func TestPredictionT(t *testing.T) {
	tt, df, p := PredictionT([]float64{100, 102, 99, 101, 100, 103}, 110)
	close(t, "t", tt, 5.7655666019705506, 1e-12)
	close(t, "df", df, 5, 0)
	close(t, "p", p, 0.0022049571909125151, 1e-8)
	if _, _, p := PredictionT([]float64{5, 5, 5}, 5); p != 1 {
		t.Errorf("constant base, same value: p = %g, want 1", p)
	}
	if _, _, p := PredictionT([]float64{5, 5, 5}, 6); p != 0 {
		t.Errorf("constant base, other value: p = %g, want 0", p)
	}
	if _, _, p := PredictionT([]float64{5}, 6); p != 1 {
		t.Errorf("one base value: p = %g, want 1", p)
	}
}

func TestStudentTTwoSided(t *testing.T) {
	for _, tc := range []struct{ t, df, p float64 }{
		{2.0, 5, 0.10193947882985836},
		{1.0, 1, 0.5},
		{3.5, 12.5, 0.0041351410457612798},
		{0.3, 30, 0.76624610528435282},
		{-2.0, 5, 0.10193947882985836},
		{0, 7, 1},
	} {
		close(t, "P(|T|>=t)", StudentTTwoSided(tc.t, tc.df), tc.p, 1e-9)
	}
}

func TestRegIncBeta(t *testing.T) {
	for _, tc := range []struct{ a, b, x, want float64 }{
		{2, 3, 0.4, 0.5248},
		{0.5, 0.5, 0.9, 0.79516723530086657},
		{10, 0.5, 0.95, 0.31715157546554506},
		{2.5, 0.5, 0.2, 0.0065662718275630071},
		{3, 4, 0, 0},
		{3, 4, 1, 1},
	} {
		close(t, "I_x(a,b)", RegIncBeta(tc.a, tc.b, tc.x), tc.want, 1e-10)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := Median(tc.xs); got != tc.want {
			t.Errorf("Median(%v) = %g, want %g", tc.xs, got, tc.want)
		}
	}
}

// TestExactUTailSums checks the exact distribution against what it must be:
// probabilities summing to 1, symmetric about m*n/2, with the arrangement
// count C(m+n, m) behind the smallest tail.
func TestExactUTailSums(t *testing.T) {
	for _, mn := range [][2]int{{1, 1}, {2, 3}, {5, 5}, {8, 8}, {8, 40}, {3, 200}} {
		m, n := mn[0], mn[1]
		tail := uTail(m, n)
		close(t, "P(U >= 0)", tail[0], 1, 1e-12)
		binom := 1.0
		for i := 1; i <= m; i++ {
			binom = binom * float64(n+i) / float64(i)
		}
		close(t, "P(U = m*n)", tail[m*n], 1/binom, 1e-9)
		for u := 0; u <= m*n; u++ {
			// P(U >= u) = P(U <= m*n - u) = 1 - P(U >= m*n - u + 1)
			var upper float64
			if v := m*n - u + 1; v <= m*n {
				upper = tail[v]
			}
			if math.Abs(tail[u]-(1-upper)) > 1e-9 {
				t.Fatalf("%d vs %d: P(U >= %d) = %g, symmetric counterpart %g", m, n, u, tail[u], 1-upper)
			}
		}
	}
}
