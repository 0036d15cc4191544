package reference

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/runners/shard"
)

// Request is `hwcov reference generate` (Validate false: run on the cpu
// in fp32 and store the outputs in Dir) or `hwcov reference validate`
// (compare the platforms' outputs with those in Dir).
type Request struct {
	Validate   bool
	Models     catalog.Choice
	Hardware   []string // validate: the platforms
	Dir        string
	DB         string
	BatchSizes []int
	SeqLens    []int
	Workers    int
	Iterations int
}

// Shard checks the request and returns the one-shard run that generates
// or validates the references, its id runID's for the platforms with a
// suffix, and Dir made absolute.
func (r Request) Shard(runID func(hardware []string) string) (shard.Request, string, error) {
	if !r.Models.Given() {
		hint := "hwcov reference generate --models bert,vit --out reference/"
		if r.Validate {
			hint = "hwcov reference validate --models bert --hardware openvino --reference reference/"
		}
		return shard.Request{}, "", hwerr.Usagef(hint, "choose the models (--models, --category, --priority ...)")
	}
	dir, err := filepath.Abs(r.Dir)
	if err != nil {
		return shard.Request{}, "", err
	}
	hardware, precision, suffix, params := []string{"cpu"}, "fp32", "reference", map[string]any{"reference_out": dir}
	if r.Validate {
		if _, err := os.Stat(ManifestPath(dir)); errors.Is(err, os.ErrNotExist) {
			return shard.Request{}, "", hwerr.Usagef("hwcov reference generate --models ... --out "+r.Dir, "no reference manifest in %q", r.Dir)
		}
		hardware, precision, suffix, params = r.Hardware, "", "validate", map[string]any{"reference_dir": dir}
	}
	s := shard.Request{
		Models: r.Models, Hardware: hardware, TestsOut: ".hwcov/generated", DB: r.DB, Precision: precision,
		Options: shard.Options{Workers: r.Workers, Iterations: r.Iterations, Optimizations: "default",
			Benchmark: true, RunID: runID(hardware) + "-" + suffix, Params: params},
	}
	if s.Sweep = planner.PartialSweep(r.BatchSizes, r.SeqLens); s.Sweep == nil {
		s.Options.Benchmark = false
	}
	return s, dir, nil
}
