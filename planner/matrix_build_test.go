package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/catalog"
)

func names(ts []Test) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

func skipReason(m *Matrix, test string) string {
	for _, s := range m.Skipped {
		if s.Test == test {
			return s.Reason
		}
	}
	return ""
}

func TestBuildMatrixRules(t *testing.T) {
	bench, seqs := BenchmarkCells()
	tests := []struct {
		name        string
		opts        MatrixOptions
		wantTests   int
		has         []string          // test ids that must be in the matrix
		skipped     map[string]string // skipped test or pair -> substring of its reason
		notInMatrix []string
	}{
		{
			name:      "smoke test defaults: platform batch size, seq 128",
			opts:      MatrixOptions{Architectures: fixtureArchs(), Platforms: platforms(t, "cpu", "cuda", "webnn")},
			wantTests: 7 + 7 + 5, // webnn: no llama (memory), no videomae (category)
			has:       []string{"bert@cpu/fp32/b1/s128", "bert@cuda/fp16/b1/s128", "tiny_pos@webnn/fp32/b1/s128"},
			skipped: map[string]string{
				"llama@webnn":    "exceeds webnn's 4096 MB",
				"videomae@webnn": "not video",
			},
		},
		{
			name: "benchmark cells: batch cap on memory-constrained platforms, seq past max_positions",
			opts: MatrixOptions{Architectures: fixtureArchs(), Platforms: platforms(t, "cpu", "webnn"), BatchSizes: bench, SeqLens: seqs},
			// cpu: 7 archs x 4 batches x 3 seqs = 84, less tiny_pos s256/s512 (8) and whisper s512 (4) = 72
			// webnn: 5 archs x 3 batches (no b8) x 3 seqs = 45, less tiny_pos (6) and whisper s512 (3) = 36
			wantTests: 72 + 36,
			has:       []string{"bert@cpu/fp32/b8/s512", "bert@webnn/fp32/b4/s512", "tiny_pos@cpu/fp32/b8/s128"},
			skipped: map[string]string{
				"bert@webnn/fp32/b8/s128":     "batch size 8 is above webnn's cap of 4",
				"whisper@cpu/fp32/b1/s512":    "sequence length 512 is past whisper's max_positions 448",
				"tiny_pos@cpu/fp32/b2/s256":   "past tiny_pos's max_positions 128",
				"tiny_pos@webnn/fp32/b8/s512": "batch size 8",
			},
			notInMatrix: []string{"bert@webnn/fp32/b8/s128", "whisper@webnn/fp32/b1/s512"},
		},
		{
			name:      "a given precision replaces the preferred one; platforms without it are skipped",
			opts:      MatrixOptions{Architectures: fixtureArchs()[:1], Platforms: platforms(t, "cpu", "cuda"), Precision: "fp16"},
			wantTests: 1,
			has:       []string{"bert@cuda/fp16/b1/s128"},
			skipped:   map[string]string{"bert@cpu": "cpu does not support fp16"},
		},
		{
			name:      "duplicate and unsorted sizes are cleaned",
			opts:      MatrixOptions{Architectures: fixtureArchs()[:1], Platforms: platforms(t, "cpu"), BatchSizes: []int{4, 1, 4}, SeqLens: []int{256, 128, 256}},
			wantTests: 4,
			has:       []string{"bert@cpu/fp32/b4/s256", "bert@cpu/fp32/b1/s128"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustMatrix(t, tt.opts)
			if len(m.Tests) != tt.wantTests {
				t.Errorf("got %d tests, want %d:\n%s", len(m.Tests), tt.wantTests, strings.Join(names(m.Tests), "\n"))
			}
			in := map[string]bool{}
			for _, x := range m.Tests {
				in[x.Name] = true
			}
			for _, h := range tt.has {
				if !in[h] {
					t.Errorf("matrix lacks %s", h)
				}
			}
			for _, h := range tt.notInMatrix {
				if in[h] {
					t.Errorf("matrix has %s", h)
				}
			}
			for test, want := range tt.skipped {
				got := skipReason(m, test)
				if !strings.Contains(got, want) {
					t.Errorf("skip reason for %s = %q, want it to contain %q", test, got, want)
				}
			}
		})
	}
}

func TestBuildMatrixOrder(t *testing.T) {
	bench, seqs := BenchmarkCells()
	m := mustMatrix(t, MatrixOptions{Architectures: fixtureArchs(), Platforms: platforms(t, "cpu", "cuda"), BatchSizes: bench, SeqLens: seqs})
	if got, want := m.Tests[0].Name, "bert@cpu/fp32/b1/s128"; got != want {
		t.Errorf("first test = %s, want %s (key tier, smallest cell, most popular, then id)", got, want)
	}
	rank := map[string]int{catalog.PriorityKey: 3, catalog.PriorityHigh: 2, catalog.PriorityNormal: 1}
	for i := 1; i < len(m.Tests); i++ {
		a, b := m.Tests[i-1], m.Tests[i]
		if rank[a.Tier] < rank[b.Tier] {
			t.Fatalf("%s (%s) before %s (%s)", a.Name, a.Tier, b.Name, b.Tier)
		}
		if a.Score < b.Score || (a.Score == b.Score && a.Name >= b.Name) {
			t.Fatalf("%s before %s breaks the order", a.Name, b.Name)
		}
	}
	again := mustMatrix(t, MatrixOptions{Architectures: fixtureArchs(), Platforms: platforms(t, "cpu", "cuda"), BatchSizes: bench, SeqLens: seqs})
	if strings.Join(names(m.Tests), ",") != strings.Join(names(again.Tests), ",") {
		t.Error("two builds differ")
	}
}

func TestScore(t *testing.T) {
	key := catalog.Architecture{Name: "k", Priority: catalog.PriorityKey, PopularityRank: 900}
	high := catalog.Architecture{Name: "h", Priority: catalog.PriorityHigh, PopularityRank: 1}
	normal := catalog.Architecture{Name: "n", Priority: catalog.PriorityNormal, PopularityRank: 1}
	unranked := catalog.Architecture{Name: "u", Priority: catalog.PriorityNormal}
	tests := []struct {
		name        string
		first, then int64
	}{
		{"key beats high even at a bigger cell", Score(key, 8, 512), Score(high, 1, 128)},
		{"high beats normal", Score(high, 8, 512), Score(normal, 1, 128)},
		{"smaller cell first within a tier", Score(normal, 1, 512), Score(normal, 2, 512)},
		{"smaller cell beats popularity", Score(unranked, 1, 128), Score(normal, 1, 256)},
		{"popular first at the same cell", Score(normal, 1, 128), Score(unranked, 1, 128)},
		{"an unknown tier counts as normal", Score(normal, 1, 128), Score(catalog.Architecture{Priority: "??", PopularityRank: 2}, 1, 128)},
		{"huge cells clamp", Score(normal, 1, 128), Score(normal, 1<<20, 1<<20)},
	}
	for _, tt := range tests {
		if tt.first <= tt.then {
			t.Errorf("%s: %d <= %d", tt.name, tt.first, tt.then)
		}
	}
}

func TestBuildMatrixErrors(t *testing.T) {
	archs, cpu := fixtureArchs(), platforms(t, "cpu")
	tests := []struct {
		name  string
		opts  MatrixOptions
		field string
	}{
		{"no platforms", MatrixOptions{Architectures: archs}, "hardware"},
		{"no architectures", MatrixOptions{Platforms: cpu}, "models"},
		{"batch size 0", MatrixOptions{Architectures: archs, Platforms: cpu, BatchSizes: []int{1, 0}}, "batch sizes"},
		{"empty seq list", MatrixOptions{Architectures: archs, Platforms: cpu, SeqLens: []int{}}, "sequence lengths"},
		{"platform twice", MatrixOptions{Architectures: archs, Platforms: platforms(t, "cpu", "cpu")}, "hardware"},
		{"architecture twice", MatrixOptions{Architectures: append(archs, archs[0]), Platforms: cpu}, "models"},
		{"id-breaking name", MatrixOptions{Architectures: []catalog.Architecture{{Name: "a/b"}}, Platforms: cpu}, "models"},
	}
	for _, tt := range tests {
		_, err := BuildMatrix(tt.opts)
		var oe *OptionsError
		if !errors.As(err, &oe) || oe.Field != tt.field || oe.Hint == "" {
			t.Errorf("%s: err = %v, want *OptionsError on %q with a hint", tt.name, err, tt.field)
		}
	}
}
