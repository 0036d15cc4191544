package planner

import (
	"flag"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureArchs is a small catalog covering the matrix rules.
func fixtureArchs() []catalog.Architecture {
	return []catalog.Architecture{
		{Name: "bert", Category: catalog.TextEncoder, Priority: catalog.PriorityKey, PopularityRank: 1, MaxPositions: 512, DefaultParamsM: 110},
		{Name: "gpt2", Category: catalog.TextDecoder, Priority: catalog.PriorityHigh, PopularityRank: 3, MaxPositions: 1024, DefaultParamsM: 124},
		{Name: "llama", Category: catalog.TextDecoder, Priority: catalog.PriorityKey, PopularityRank: 2, MaxPositions: 2048, DefaultParamsM: 6700},
		{Name: "tiny_pos", Category: catalog.TextEncoder, Priority: catalog.PriorityNormal, MaxPositions: 128, DefaultParamsM: 5},
		{Name: "videomae", Category: catalog.Video, Priority: catalog.PriorityHigh, PopularityRank: 40, DefaultParamsM: 90},
		{Name: "vit", Category: catalog.Vision, Priority: catalog.PriorityKey, PopularityRank: 4, DefaultParamsM: 86},
		{Name: "whisper", Category: catalog.Audio, Priority: catalog.PriorityKey, PopularityRank: 5, MaxPositions: 448, DefaultParamsM: 39},
	}
}

// platforms returns built-in platforms by key.
func platforms(t testing.TB, keys ...string) []hardware.Platform {
	t.Helper()
	r := hardware.Builtin()
	out := make([]hardware.Platform, len(keys))
	for i, k := range keys {
		p, ok := r.Get(k)
		if !ok {
			t.Fatalf("no built-in platform %q", k)
		}
		out[i] = p
	}
	return out
}

// customPlatform is a copy of cpu under another key.
func customPlatform(t testing.TB, key string) hardware.Platform {
	p := platforms(t, "cpu")[0]
	p.PlatformKey = key
	p.PlatformName = key
	p.Builtin = false
	p.RunnerLabels = []string{"self-hosted", "linux", key}
	return p
}

// logNormalHistory gives every test a seeded log-normal duration with a
// median of 30 s: a few tests run for minutes, most for seconds.
func logNormalHistory(tests []Test, sigma float64, seed uint64) map[string]float64 {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make(map[string]float64, len(tests))
	for _, t := range tests {
		out[t.Name] = math.Round(30*math.Exp(sigma*rng.NormFloat64())*10) / 10
	}
	return out
}

func mustMatrix(t testing.TB, opts MatrixOptions) *Matrix {
	t.Helper()
	m, err := BuildMatrix(opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustPlan(t testing.TB, m *Matrix, opts ShardOptions) *Plan {
	t.Helper()
	p, err := NewPlan(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func golden(t *testing.T, got []byte) {
	t.Helper()
	testfs.Golden(t, got, *update)
}
