package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners"
)

// ReferenceManifest is reference/manifest.json: one entry per stored test output.
type ReferenceManifest struct {
	Format       int              `json:"format"`
	HwcovVersion string           `json:"hwcov_version"`
	GeneratedAt  time.Time        `json:"generated_at"`
	RunID        string           `json:"run_id"`
	Tests        []ReferenceEntry `json:"tests"`
}

// ReferenceEntry is one stored reference: what hwcov_harness/reference.py save() returns.
type ReferenceEntry struct {
	Key     string                     `json:"key"` // model/b1/s128
	TestID  string                     `json:"test_id"`
	File    string                     `json:"file"`
	SHA256  string                     `json:"sha256"`
	Seed    int                        `json:"seed"`
	Outputs map[string]json.RawMessage `json:"outputs"`
	Inputs  json.RawMessage            `json:"inputs,omitempty"`
}

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
	opts.Models.register(cmd.Flags())
	fl := cmd.Flags()
	fl.StringVar(&opts.Dir, dirFlag, "reference", "reference folder (npz files and manifest.json)")
	fl.StringVar(&opts.DB, "db", "", "DuckDB file (default db in hwcov.yaml, ./benchmark_db.duckdb)")
	fl.IntSliceVar(&opts.BatchSizes, "batch-sizes", nil, "batch sizes (default: the platform's default batch)")
	fl.IntSliceVar(&opts.SeqLens, "seq-lengths", nil, "sequence lengths (default 128)")
	fl.IntVar(&opts.Workers, "workers", 1, "parallel worker processes")
	fl.IntVar(&opts.Iterations, "iterations", 1, "timed iterations per test")
}

func (opts *ReferenceOptions) run(ctx context.Context, hardware []string, precision, runSuffix string, params map[string]any) (string, error) {
	f := opts.F
	run := runners.NewRun(f.Getenv, f.Now(), version(), "1/1", hardware)
	ro := &RunOptions{
		F: f, Models: opts.Models, Hardware: hardware, TestsOut: ".hwcov/generated", DB: opts.DB,
		Workers: opts.Workers, Warmup: 0, Iterations: opts.Iterations, Precision: precision,
		BatchSizes: opts.BatchSizes, SeqLens: opts.SeqLens, Optimizations: "default",
		RunID: run.RunID + "-" + runSuffix, Params: params,
	}
	if len(opts.SeqLens) > 0 && len(opts.BatchSizes) == 0 {
		ro.BatchSizes = []int{1}
	} else if len(opts.BatchSizes) > 0 && len(opts.SeqLens) == 0 {
		ro.SeqLens = []int{128}
	}
	return ro.RunID, runRun(ctx, ro)
}

func runReferenceGenerate(ctx context.Context, opts *ReferenceOptions) error {
	f := opts.F
	if ctx == nil {
		ctx = context.Background()
	}
	if !opts.Models.given() {
		return usagef("hwcov reference generate --models bert,vit --out reference/", "choose the models (--models, --category, --priority ...)")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	runID, err := opts.run(ctx, []string{"cpu"}, "fp32", "reference", map[string]any{"reference_out": dir})
	if err != nil {
		return err
	}
	rs, err := opts.results(ctx, runID)
	if err != nil {
		return err
	}
	m := readManifest(dir)
	byKey := map[string]ReferenceEntry{}
	for _, e := range m.Tests {
		byKey[e.Key] = e
	}
	stored, failed := 0, []string{}
	for _, r := range rs {
		var extra struct {
			Reference *ReferenceEntry `json:"reference"`
		}
		_ = json.Unmarshal([]byte(r.Extra), &extra)
		if r.Status != results.StatusPass || extra.Reference == nil {
			failed = append(failed, fmt.Sprintf("%s (%s: %s)", r.TestID, r.Status, r.ErrorMessage))
			continue
		}
		byKey[extra.Reference.Key] = *extra.Reference
		stored++
	}
	m.Tests = m.Tests[:0]
	for _, e := range byKey {
		m.Tests = append(m.Tests, e)
	}
	sort.Slice(m.Tests, func(i, j int) bool { return m.Tests[i].Key < m.Tests[j].Key })
	m.Format, m.HwcovVersion, m.GeneratedAt, m.RunID = 1, version(), f.Now().UTC(), runID
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write reference manifest: %w", err)
	}
	fmt.Fprintf(f.Out, "stored %d reference outputs in %s (manifest lists %d)\n", stored, opts.Dir, len(m.Tests))
	for _, s := range failed {
		fmt.Fprintf(f.Out, "  no reference: %s\n", s)
	}
	return nil
}

func readManifest(dir string) ReferenceManifest {
	var m ReferenceManifest
	if b, err := os.ReadFile(filepath.Join(dir, "manifest.json")); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
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
	if !opts.Models.given() {
		return usagef("hwcov reference validate --models bert --hardware openvino --reference reference/", "choose the models (--models, --category, --priority ...)")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); errors.Is(err, os.ErrNotExist) {
		return usagef("hwcov reference generate --models ... --out "+opts.Dir, "no reference manifest in %q", opts.Dir)
	}
	runID, err := opts.run(ctx, opts.Hardware, "", "validate", map[string]any{"reference_dir": dir})
	if err != nil {
		return err
	}
	rs, err := opts.results(ctx, runID)
	if err != nil {
		return err
	}
	t := reporter.ValidationTable(rs)
	for _, r := range rs {
		if r.Status != results.StatusPass && !strings.Contains(r.Extra, `"validation"`) {
			t.Notes = append(t.Notes, fmt.Sprintf("%s: %s %s", r.TestID, r.Status, r.ErrorMessage))
		}
	}
	return writeOutput(f, "", func(b *strings.Builder) error { return reporter.RenderTables(b, []reporter.Table{t}, opts.Format) })
}
