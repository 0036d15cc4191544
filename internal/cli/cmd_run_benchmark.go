package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/planner"
)

// Profiles are the values of `hwcov run --profile`.
var Profiles = []string{"layers", "memory"}

// OptimizationModes are the values of `hwcov run --optimizations`.
var OptimizationModes = []string{"default", "none"}

func (opts *RunOptions) registerBenchmarkFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&opts.Benchmark, "benchmark", false, "sweep batch sizes x sequence lengths (default 1,2,4,8 x 128,256,512), skipping cells past memory or position limits (guide: --benchmark-all)")
	fl.IntSliceVar(&opts.BatchSizes, "batch-sizes", nil, "batch sizes of the sweep (implies --benchmark)")
	fl.IntSliceVar(&opts.SeqLens, "seq-lengths", nil, "sequence lengths of the sweep (implies --benchmark)")
	fl.StringVar(&opts.Profile, "profile", "", "after timing, profile each test: layers (per-module time, top operators) or memory (peak and growth per iteration)")
	fl.StringVar(&opts.Optimizations, "optimizations", "default", "default applies each platform's optimizations; none runs the baseline (guide: --benchmark-baseline)")
}

func (opts *RunOptions) checkBenchmarkFlags() error {
	if opts.Profile != "" && !slices.Contains(Profiles, opts.Profile) {
		return usagef("--profile layers", "--profile %q: want %s", opts.Profile, strings.Join(Profiles, " or "))
	}
	if opts.Optimizations != "" && !slices.Contains(OptimizationModes, opts.Optimizations) {
		return usagef("--optimizations none", "--optimizations %q: want %s", opts.Optimizations, strings.Join(OptimizationModes, " or "))
	}
	if opts.sweeping() && (opts.Plan != "" || opts.TestsDir != "") {
		return usagef("hwcov run --benchmark --models bert --hardware cpu", "--benchmark sweeps generated tests: drop --plan/--tests")
	}
	for _, n := range append(append([]int{}, opts.BatchSizes...), opts.SeqLens...) {
		if n < 1 {
			return usagef("--batch-sizes 1,2,4,8 --seq-lengths 128,256", "--batch-sizes and --seq-lengths must be at least 1, got %d", n)
		}
	}
	return nil
}

// sweeping says whether this run sweeps batch x sequence cells.
func (opts *RunOptions) sweeping() bool {
	return opts.Benchmark || len(opts.BatchSizes) > 0 || len(opts.SeqLens) > 0
}

// sweepCells is the benchmark matrix of the generated tests' pairs: the
// planner's cells (planner.BenchmarkCells unless --batch-sizes/--seq-lengths),
// minus what memory caps or max positions rule out, grouped by pair so a
// worker converts each model once per shape.
func (opts *RunOptions) sweepCells(tests []testFile) ([]testid.ID, error) {
	bs, ss := planner.BenchmarkCells()
	if len(opts.BatchSizes) > 0 {
		bs = opts.BatchSizes
	}
	if len(opts.SeqLens) > 0 {
		ss = opts.SeqLens
	}
	var archs []catalog.Architecture
	var platforms []hardware.Platform
	seenA, seenP, pairs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, t := range tests {
		pairs[t.ID.Pair()] = true
		if !seenA[t.Arch.Name] {
			seenA[t.Arch.Name] = true
			archs = append(archs, t.Arch)
		}
		if !seenP[t.HW.PlatformKey] {
			seenP[t.HW.PlatformKey] = true
			platforms = append(platforms, t.HW)
		}
	}
	if len(tests) == 0 {
		return nil, nil
	}
	m, err := planner.BuildMatrix(planner.MatrixOptions{Architectures: archs, Platforms: platforms, BatchSizes: bs, SeqLens: ss, Precision: opts.Precision})
	if err != nil {
		return nil, plannerError(err)
	}
	var cells []testid.ID
	for _, t := range m.Tests {
		if pairs[t.ID.Pair()] {
			cells = append(cells, t.ID)
		}
	}
	sort.Slice(cells, func(i, j int) bool {
		a, b := cells[i], cells[j]
		if a.Pair() != b.Pair() {
			return a.Pair() < b.Pair()
		}
		if a.Seq != b.Seq {
			return a.Seq < b.Seq
		}
		return a.Batch < b.Batch
	})
	skipped := 0
	for _, s := range m.Skipped {
		if strings.Contains(s.Test, "/") {
			skipped++
		}
	}
	fmt.Fprintf(opts.F.Err, "hwcov: benchmark sweep: %d cells (batch %s x seq %s), %d skipped by memory or position limits\n",
		len(cells), joinInts(bs), joinInts(ss), skipped)
	return cells, nil
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ",")
}

// jobParams are the params of the job for cell c: the cell itself, the timing,
// and the benchmark options.
func (opts *RunOptions) jobParams(c testid.ID) map[string]any {
	p := map[string]any{"warmup": opts.Warmup, "iterations": opts.Iterations}
	if c.Batch > 0 {
		p["batch_size"] = c.Batch
	}
	if c.Seq > 0 {
		p["seq_len"] = c.Seq
	}
	if c.Precision != "" {
		p["precision"] = c.Precision
	}
	if opts.Profile != "" {
		p["profile"] = opts.Profile
	}
	if opts.Optimizations != "" {
		p["optimizations"] = opts.Optimizations
	}
	if opts.sweeping() {
		p["benchmark"] = true
	}
	for k, v := range opts.Params {
		p[k] = v
	}
	return p
}

// runEnvironment adds the benchmark options to the run's environment JSON.
func (opts *RunOptions) runEnvironment(env string) string {
	m := map[string]any{}
	_ = json.Unmarshal([]byte(env), &m)
	if opts.sweeping() {
		m["benchmark"] = true
	}
	if opts.Profile != "" {
		m["profile"] = opts.Profile
	}
	if opts.Optimizations != "" {
		m["optimizations"] = opts.Optimizations
	}
	b, err := json.Marshal(m)
	if err != nil {
		return env
	}
	return string(b)
}
