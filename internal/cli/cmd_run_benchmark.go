package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
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
