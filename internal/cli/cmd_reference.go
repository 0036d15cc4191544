package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/planner"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners"
	"github.com/hwcov/hwcov/runners/reference"
	"github.com/hwcov/hwcov/runners/shard"
)

// ReferenceOptions are the options of `hwcov reference generate|validate`.
type ReferenceOptions struct {
	F          *Factory
	Models     ModelFlags
	Hardware   []string
	Dir        string
	DB         string
	BatchSizes []int
	SeqLens    []int
	Workers    int
	Format     string
	Iterations int
}

// NewCmdReference builds `hwcov reference`.
func NewCmdReference(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reference",
		Short: "Store CPU reference outputs and validate platforms against them",
	}
	cmd.AddCommand(newCmdReferenceGenerate(f), newCmdReferenceValidate(f))
	return cmd
}

func newCmdReferenceGenerate(f *Factory) *cobra.Command {
	opts := &ReferenceOptions{F: f}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Run the models on the CPU in fp32 with seeded inputs and store their outputs (guide: --generate-reference-outputs)",
		Long: `Runs each model's cpu test in fp32 with fixed seeded weights and inputs, and
stores its outputs as DIR/<model>_b<batch>_s<seq>.npz with DIR/manifest.json
(test ids, output shapes and dtypes, sha256 of every file). Regenerating a model
replaces its entries and keeps the others.`,
		Example: "  hwcov reference generate --models bert,vit,t5 --out reference/\n  hwcov reference generate --priority key --out reference/ --seq-lengths 128,256",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runReferenceGenerate(c.Context(), opts)
		},
	}
	opts.register(cmd, "out")
	return cmd
}

func newCmdReferenceValidate(f *Factory) *cobra.Command {
	opts := &ReferenceOptions{F: f}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Run platforms and compare their outputs with the stored CPU reference (guide: --validate-against-reference)",
		Long: `Runs the models on --hardware with the same seeded weights and inputs and
compares every output with the stored reference at the platform's tolerance
(cuda 1e-5, mps 1e-3, webgpu 1e-2, others 1e-4; wider for fp16/bf16). The max
absolute and relative differences are stored in the results database (extra
validation) and printed; hwcov report validation shows them again.`,
		Example: "  hwcov reference validate --models bert,vit --hardware openvino,onnxruntime --reference reference/",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runReferenceValidate(c.Context(), opts)
		},
	}
	opts.register(cmd, "reference")
	cmd.Flags().StringSliceVar(&opts.Hardware, "hardware", []string{"cpu"}, "platforms to validate, comma-separated")
	cmd.Flags().StringVar(&opts.Format, "format", "table", strings.Join(reporter.PerfFormats, ", "))
	return cmd
}

func (opts *ReferenceOptions) register(cmd *cobra.Command, dirFlag string) {
	addModelFlags(cmd.Flags(), &opts.Models)
	fl := cmd.Flags()
	fl.StringVar(&opts.Dir, dirFlag, "reference", "reference folder (npz files and manifest.json)")
	fl.StringVar(&opts.DB, "db", "", "DuckDB file (default db in hwcov.yaml, ./benchmark_db.duckdb)")
	fl.IntSliceVar(&opts.BatchSizes, "batch-sizes", nil, "batch sizes (default: the platform's default batch)")
	fl.IntSliceVar(&opts.SeqLens, "seq-lengths", nil, "sequence lengths (default 128)")
	fl.IntVar(&opts.Workers, "workers", 1, "parallel worker processes")
	fl.IntVar(&opts.Iterations, "iterations", 1, "timed iterations per test")
}

// run runs the models on hardware as a one-shard run whose id ends in
// runSuffix, and returns its results.
func (opts *ReferenceOptions) run(ctx context.Context, hardware []string, precision, runSuffix string, params map[string]any) (shard.Result, []results.Result, error) {
	f := opts.F
	run := runners.NewRun(f.Getenv, f.Now(), version(), "1/1", hardware)
	s := shard.Request{
		Models: opts.Models, Hardware: hardware, TestsOut: ".hwcov/generated", DB: opts.DB, Precision: precision,
		Options: shard.Options{Workers: opts.Workers, Iterations: opts.Iterations, Optimizations: "default",
			Benchmark: true, RunID: run.RunID + "-" + runSuffix, Params: params},
	}
	if s.Sweep = planner.PartialSweep(opts.BatchSizes, opts.SeqLens); s.Sweep == nil {
		s.Options.Benchmark = false
	}
	res, err := f.runShard(ctx, s, false, false)
	if err != nil {
		return res, nil, err
	}
	rs, err := opts.results(ctx, res.Run.RunID)
	return res, rs, err
}

func runReferenceGenerate(ctx context.Context, opts *ReferenceOptions) error {
	f := opts.F
	if ctx == nil {
		ctx = context.Background()
	}
	if !opts.Models.Given() {
		return usagef("hwcov reference generate --models bert,vit --out reference/", "choose the models (--models, --category, --priority ...)")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	res, rs, err := opts.run(ctx, []string{"cpu"}, "fp32", "reference", map[string]any{"reference_out": dir})
	if err != nil {
		return err
	}
	st, err := reference.Store(dir, rs, res.Run.RunID, version(), f.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(f.Out, "stored %d reference outputs in %s (manifest lists %d)\n", st.Stored, opts.Dir, st.Listed)
	for _, s := range st.NoOutput {
		fmt.Fprintf(f.Out, "  no reference: %s\n", s)
	}
	return nil
}

func (opts *ReferenceOptions) results(ctx context.Context, runID string) ([]results.Result, error) {
	db, err := openDB(opts.F, opts.DB, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.Results(ctx, runID)
}

func runReferenceValidate(ctx context.Context, opts *ReferenceOptions) error {
	f := opts.F
	if ctx == nil {
		ctx = context.Background()
	}
	if err := checkFormat("format", opts.Format, reporter.PerfFormats...); err != nil {
		return err
	}
	if !opts.Models.Given() {
		return usagef("hwcov reference validate --models bert --hardware openvino --reference reference/", "choose the models (--models, --category, --priority ...)")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(reference.ManifestPath(dir)); errors.Is(err, os.ErrNotExist) {
		return usagef("hwcov reference generate --models ... --out "+opts.Dir, "no reference manifest in %q", opts.Dir)
	}
	_, rs, err := opts.run(ctx, opts.Hardware, "", "validate", map[string]any{"reference_dir": dir})
	if err != nil {
		return err
	}
	t := reporter.ValidationTable(rs)
	t.Notes = append(t.Notes, reference.Unvalidated(rs)...)
	return writeOutput(f, "", func(b *strings.Builder) error { return reporter.RenderTables(b, []reporter.Table{t}, opts.Format) })
}
