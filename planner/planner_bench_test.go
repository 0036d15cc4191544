package planner

import (
	"fmt"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
)

// embeddedOptions is every architecture of the embedded catalog on the nine
// built-in platforms at the guide's benchmark cells: the largest plan hwcov
// makes by default.
func embeddedOptions(tb testing.TB) MatrixOptions {
	tb.Helper()
	c, err := catalog.Embedded()
	if err != nil {
		tb.Fatal(err)
	}
	bs, seqs := BenchmarkCells()
	return MatrixOptions{Architectures: c.Architectures, Platforms: hardware.Builtin().All(), BatchSizes: bs, SeqLens: seqs}
}

// planEmbedded builds and shards the embedded matrix.
func planEmbedded(tb testing.TB, opts MatrixOptions, shards ShardOptions) *Plan {
	m, err := BuildMatrix(opts)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := NewPlan(m, shards)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func BenchmarkPlanEmbedded(b *testing.B) {
	opts := embeddedOptions(b)
	m := mustMatrix(b, opts)
	history := logNormalHistory(m.Tests, 1.0, 1)
	for _, bc := range []struct {
		name   string
		shards ShardOptions
	}{
		{"shards=8/no-history", ShardOptions{Shards: 8}},
		{"shards=8/history", ShardOptions{Shards: 8, Durations: history}},
		{"budget=30min/history", ShardOptions{MaxShardMinutes: 30, Durations: history}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				planEmbedded(b, opts, bc.shards)
			}
		})
	}
}

// roundRobin deals tests in priority order onto n shards, the plain way.
func roundRobin(secs []float64, n int) []float64 {
	loads := make([]float64, n)
	for i, s := range secs {
		loads[i%n] += s
	}
	return loads
}

// balanceCase is one synthetic history for comparing LPT with round-robin.
type balanceCase struct {
	tests, shards int
	sigma         float64 // of the log-normal; 1.5 is very skewed
	seed          uint64
}

func (c balanceCase) String() string {
	return fmt.Sprintf("tests=%d/shards=%d/sigma=%.1f", c.tests, c.shards, c.sigma)
}

// ratios returns slowest/mean shard for LPT and round-robin on the same history.
func (c balanceCase) ratios(tb testing.TB) (lptRatio, rrRatio float64) {
	m := synthMatrix(tb, c.tests, "cpu")
	history := logNormalHistory(m.Tests, c.sigma, c.seed)
	p := mustPlan(tb, m, ShardOptions{Shards: c.shards, Durations: history})
	secs := make([]float64, len(m.Tests))
	for i, t := range m.Tests {
		secs[i] = history[t.Name]
	}
	return maxOverMean(loads(p)), maxOverMean(roundRobin(secs, c.shards))
}

var balanceCases = []balanceCase{
	{tests: 500, shards: 8, sigma: 1.0, seed: 1},
	{tests: 1000, shards: 32, sigma: 1.0, seed: 2},
	{tests: 1000, shards: 32, sigma: 1.5, seed: 3},
	{tests: 5000, shards: 64, sigma: 1.5, seed: 4},
}

func BenchmarkShardBalance(b *testing.B) {
	for _, c := range balanceCases {
		b.Run(c.String(), func(b *testing.B) {
			var l, r float64
			for b.Loop() {
				l, r = c.ratios(b)
			}
			b.ReportMetric(l, "lpt-max/mean")
			b.ReportMetric(r, "rr-max/mean")
		})
	}
}

// TestBenchmarkFigures logs the figures the benchmarks measure, so that an
// ordinary test run shows them: one plan of the embedded catalog (timed once,
// not asserted) and the shard balance of LPT against round-robin (asserted:
// LPT keeps the slowest shard within 10% of the mean).
func TestBenchmarkFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("plans the whole embedded catalog")
	}
	opts := embeddedOptions(t)
	m := mustMatrix(t, opts)
	history := logNormalHistory(m.Tests, 1.0, 1)
	start := time.Now()
	p := planEmbedded(t, opts, ShardOptions{MaxShardMinutes: 30, Durations: history})
	elapsed := time.Since(start)
	gm, err := p.GitHubMatrix()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("embedded catalog: %d architectures x %d platforms x 4 batch sizes x 3 sequence lengths -> %d tests, %d skipped entries, %d shards (%d matrix jobs) in %v",
		len(opts.Architectures), len(opts.Platforms), p.TestCount(), len(p.Skipped), len(p.Shards), len(gm.Include), elapsed.Round(time.Millisecond))
	for _, n := range p.Notes {
		t.Logf("  note: %s", n)
	}
	for _, c := range balanceCases {
		l, r := c.ratios(t)
		t.Logf("slowest/mean shard, %s: LPT %.4f, round-robin %.4f", c, l, r)
		if l > 1.10 {
			t.Errorf("%s: LPT slowest/mean %.4f > 1.10", c, l)
		}
	}
}
