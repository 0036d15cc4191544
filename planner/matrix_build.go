package planner

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
)

// DefaultSeqLen is the sequence length of the smoke test, used when no
// sequence lengths are given.
const DefaultSeqLen = 128

// BenchmarkCells returns the guide's benchmark batch sizes (1, 2, 4, 8) and
// sequence lengths (128, 256, 512), for callers that want the full sweep
// rather than the smoke test.
func BenchmarkCells() (batchSizes, seqLens []int) {
	return []int{1, 2, 4, 8}, []int{128, 256, 512}
}

// MatrixOptions says which cells the matrix has.
type MatrixOptions struct {
	Architectures []catalog.Architecture
	Platforms     []hardware.Platform
	// BatchSizes to test; nil means each platform's DefaultBatchSize (1 when
	// unset). Sizes above a memory-constrained platform's cap are skipped.
	BatchSizes []int
	// SeqLens to test; nil means [DefaultSeqLen].
	SeqLens []int
	// Precision for every test; "" means each platform's PreferredPrecision.
	// A platform that does not support it is skipped with the reason.
	Precision string
}

// Test is one cell of the matrix.
type Test struct {
	ID         testid.ID
	Name       string // ID.String(): "bert@cpu/fp32/b1/s128"
	Category   string // the architecture's category
	Tier       string // catalog.PriorityKey, PriorityHigh or PriorityNormal
	Popularity int    // the architecture's PopularityRank; 0 = unknown
	Score      int64  // see [Score]; higher runs first
}

// Skip is a test, or a whole (architecture, hardware) pair, left out of the
// matrix, and why.
type Skip struct {
	// Test is a test id, or "model@hardware" when every cell of the pair is
	// skipped (an incompatible pair).
	Test   string `json:"test"`
	Reason string `json:"reason"`
}

// Matrix is the list of tests to run, in priority order, and what was left out.
type Matrix struct {
	Tests     []Test
	Skipped   []Skip
	Notes     []string
	Platforms []hardware.Platform // the platforms asked for, in the caller's order

	categoryOf map[string]string // every architecture asked for -> its category
}

// Tier weights in [Score].
const (
	tierKey    = 3
	tierHigh   = 2
	tierNormal = 1
)

const field24 = 1<<24 - 1

// Score is a test's priority, the guide's calculate_priority; tests run in
// descending order of it. It packs three keys, most significant first:
//
//	bits 48-49: tier: key 3, high 2, normal (or anything else) 1
//	bits 24-47: 2^24-1 - batch*seq: smaller cells first (clamped)
//	bits  0-23: 2^24-1 - popularity rank: rank 1 first; unknown (0) last
//
// Equal scores are ordered by test id, so the order is total.
func Score(a catalog.Architecture, batch, seq int) int64 {
	tier := int64(tierNormal)
	switch a.Priority {
	case catalog.PriorityKey:
		tier = tierKey
	case catalog.PriorityHigh:
		tier = tierHigh
	}
	cell := int64(batch) * int64(seq)
	if cell < 0 || cell > field24 {
		cell = field24
	}
	rank := int64(a.PopularityRank)
	if rank <= 0 || rank > field24 {
		rank = field24
	}
	return tier<<48 | (field24-cell)<<24 | (field24 - rank)
}

func tierOf(a catalog.Architecture) string {
	switch a.Priority {
	case catalog.PriorityKey, catalog.PriorityHigh:
		return a.Priority
	}
	return catalog.PriorityNormal
}

// BuildMatrix generates the test matrix: every architecture on every platform
// at every batch size and sequence length, less what cannot run (see the
// package documentation), sorted by [Score].
func BuildMatrix(opts MatrixOptions) (*Matrix, error) {
	if len(opts.Platforms) == 0 {
		return nil, optionsErr("hardware", "--hardware cpu,cuda or --hardware all", "no platforms given")
	}
	if len(opts.Architectures) == 0 {
		return nil, optionsErr("models", "--models bert,vit or --all-models", "no architectures given")
	}
	batches, err := cleanSizes("batch sizes", opts.BatchSizes)
	if err != nil {
		return nil, err
	}
	seqs, err := cleanSizes("sequence lengths", opts.SeqLens)
	if err != nil {
		return nil, err
	}
	smoke := seqs == nil
	seenP := map[string]bool{}
	for _, p := range opts.Platforms {
		if p.PlatformKey == "" {
			return nil, optionsErr("hardware", "give every custom platform a platform_key", "a platform has no key")
		}
		if seenP[p.PlatformKey] {
			return nil, optionsErr("hardware", "name each platform once", "platform %q given twice", p.PlatformKey)
		}
		seenP[p.PlatformKey] = true
	}
	seenA := map[string]bool{}
	for _, a := range opts.Architectures {
		if a.Name == "" || strings.ContainsAny(a.Name, "@/ ") {
			return nil, optionsErr("models", "use the catalog's model_type names", "architecture name %q cannot be part of a test id", a.Name)
		}
		if seenA[a.Name] {
			return nil, optionsErr("models", "name each architecture once", "architecture %q given twice", a.Name)
		}
		seenA[a.Name] = true
	}

	nb := len(batches)
	if nb == 0 {
		nb = 1
	}
	m := &Matrix{Tests: make([]Test, 0, len(opts.Architectures)*len(opts.Platforms)*nb*len(seqs)), Platforms: append([]hardware.Platform(nil), opts.Platforms...), categoryOf: categoryMap(opts.Architectures)}
	var pairs, overCap, pastMax int
	for _, a := range opts.Architectures {
		for _, p := range opts.Platforms {
			prec := Precision(p, opts.Precision)
			if ok, reason := hardware.Compatible(a, p, prec); !ok {
				m.Skipped = append(m.Skipped, Skip{Test: a.Name + "@" + p.PlatformKey, Reason: reason})
				pairs++
				continue
			}
			bs := batches
			if bs == nil {
				bs = []int{defaultBatch(p)}
			}
			ss := seqs
			if smoke {
				ss = []int{SmokeSeqLen(a)}
			}
			for _, b := range bs {
				for _, s := range ss {
					id := testid.ID{Model: a.Name, Hardware: p.PlatformKey, Precision: prec, Batch: b, Seq: s}
					if reason, capped := cellRule(a, p, b, s); reason != "" {
						m.Skipped = append(m.Skipped, Skip{Test: id.String(), Reason: reason})
						if capped {
							overCap++
						} else {
							pastMax++
						}
						continue
					}
					m.Tests = append(m.Tests, newTest(a, id))
				}
			}
		}
	}
	sortTests(m.Tests)
	slices.SortStableFunc(m.Skipped, func(a, b Skip) int { return strings.Compare(a.Test, b.Test) })
	if pairs+overCap+pastMax > 0 {
		m.Notes = append(m.Notes, fmt.Sprintf("skipped %d incompatible pairs, %d cells above a batch-size cap, %d cells past max_positions",
			pairs, overCap, pastMax))
	}
	return m, nil
}

// SmokeSeqLen is the sequence length of an architecture's smoke test:
// DefaultSeqLen, or its max_positions when that is shorter (clip's text tower
// takes 77 tokens), so that every architecture has a smoke test.
func SmokeSeqLen(a catalog.Architecture) int {
	if a.MaxPositions > 0 && a.MaxPositions < DefaultSeqLen {
		return a.MaxPositions
	}
	return DefaultSeqLen
}

// cellRule says why one (batch, seq) cell of a compatible pair cannot run, or
// "" when it can; capped is true when the batch-size cap is the reason.
func cellRule(a catalog.Architecture, p hardware.Platform, batch, seq int) (reason string, capped bool) {
	if max := p.MaxBatch(); max > 0 && batch > max {
		return fmt.Sprintf("batch size %d is above %s's cap of %d (memory-constrained platform)", batch, p.PlatformKey, max), true
	}
	if a.MaxPositions > 0 && seq > a.MaxPositions {
		return fmt.Sprintf("sequence length %d is past %s's max_positions %d", seq, a.Name, a.MaxPositions), false
	}
	return "", false
}

func categoryMap(as []catalog.Architecture) map[string]string {
	out := make(map[string]string, len(as))
	for _, a := range as {
		out[a.Name] = a.Category
	}
	return out
}

func newTest(a catalog.Architecture, id testid.ID) Test {
	return Test{
		ID:         id,
		Name:       idString(id),
		Category:   a.Category,
		Tier:       tierOf(a),
		Popularity: a.PopularityRank,
		Score:      Score(a, id.Batch, id.Seq),
	}
}

// idString is id.String() without fmt, for the hot loop of BuildMatrix.
func idString(id testid.ID) string {
	var b strings.Builder
	b.Grow(len(id.Model) + len(id.Hardware) + len(id.Precision) + 16)
	b.WriteString(id.Model)
	b.WriteByte('@')
	b.WriteString(id.Hardware)
	b.WriteByte('/')
	b.WriteString(id.Precision)
	b.WriteString("/b")
	b.WriteString(strconv.Itoa(id.Batch))
	b.WriteString("/s")
	b.WriteString(strconv.Itoa(id.Seq))
	return b.String()
}

// sortTests orders tests by descending score, then by id. It sorts small
// keys and permutes once, rather than swapping whole tests.
func sortTests(ts []Test) {
	type key struct {
		score int64
		name  string
		i     int
	}
	keys := make([]key, len(ts))
	for i, t := range ts {
		keys[i] = key{t.Score, t.Name, i}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return strings.Compare(a.name, b.name)
	})
	sorted := make([]Test, len(ts))
	for k, key := range keys {
		sorted[k] = ts[key.i]
	}
	copy(ts, sorted)
}

// cleanSizes checks a list of batch sizes or sequence lengths and returns it
// sorted without duplicates; nil stays nil (the default).
func cleanSizes(field string, xs []int) ([]int, error) {
	if xs == nil {
		return nil, nil
	}
	if len(xs) == 0 {
		return nil, optionsErr(field, "leave it out for the default, or give e.g. 1,2,4,8", "empty list")
	}
	out := make([]int, 0, len(xs))
	seen := map[int]bool{}
	for _, x := range xs {
		if x < 1 {
			return nil, optionsErr(field, "use positive numbers such as 1,2,4,8 or 128,256,512", "%d is not a positive number", x)
		}
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Ints(out)
	return out, nil
}
