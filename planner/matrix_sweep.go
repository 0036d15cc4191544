package planner

import (
	"sort"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
)

// Sweep is a benchmark sweep over batch sizes x sequence lengths.
type Sweep struct {
	BatchSizes []int // nil: BenchmarkCells' batch sizes
	SeqLens    []int // nil: BenchmarkCells' sequence lengths
	Precision  string
}

// PartialSweep is the sweep over the batch sizes and sequence lengths
// given, the missing one taken from the smoke test (batch 1,
// DefaultSeqLen); nil when neither is given (no sweep: the smoke cells).
func PartialSweep(batchSizes, seqLens []int) *Sweep {
	switch {
	case len(batchSizes) == 0 && len(seqLens) == 0:
		return nil
	case len(batchSizes) == 0:
		batchSizes = []int{1}
	case len(seqLens) == 0:
		seqLens = []int{DefaultSeqLen}
	}
	return &Sweep{BatchSizes: batchSizes, SeqLens: seqLens}
}

// SweepResult is the cells of a sweep and how many were left out by memory
// caps or maximum positions.
type SweepResult struct {
	Cells      []testid.ID
	BatchSizes []int
	SeqLens    []int
	Skipped    int
}

// SweepCells is the benchmark matrix of the given (architecture, hardware)
// pairs, minus what memory caps or max positions rule out, grouped by pair
// (then sequence length, then batch) so a worker converts each model once per
// shape.
func SweepCells(pairs []testid.ID, archs []catalog.Architecture, platforms []hardware.Platform, s Sweep) (SweepResult, error) {
	bs, ss := BenchmarkCells()
	if len(s.BatchSizes) > 0 {
		bs = s.BatchSizes
	}
	if len(s.SeqLens) > 0 {
		ss = s.SeqLens
	}
	out := SweepResult{BatchSizes: bs, SeqLens: ss}
	if len(pairs) == 0 {
		return out, nil
	}
	want := map[string]bool{}
	for _, p := range pairs {
		want[p.Pair()] = true
	}
	m, err := BuildMatrix(MatrixOptions{Architectures: archs, Platforms: platforms, BatchSizes: bs, SeqLens: ss, Precision: s.Precision})
	if err != nil {
		return out, err
	}
	for _, t := range m.Tests {
		if want[t.ID.Pair()] {
			out.Cells = append(out.Cells, t.ID)
		}
	}
	sort.Slice(out.Cells, func(i, j int) bool {
		a, b := out.Cells[i], out.Cells[j]
		if a.Pair() != b.Pair() {
			return a.Pair() < b.Pair()
		}
		if a.Seq != b.Seq {
			return a.Seq < b.Seq
		}
		return a.Batch < b.Batch
	})
	for _, sk := range m.Skipped {
		if strings.Contains(sk.Test, "/") {
			out.Skipped++
		}
	}
	return out, nil
}
