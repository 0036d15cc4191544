package cli

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners"
	"github.com/hwcov/hwcov/runners/reference"
	"github.com/hwcov/hwcov/runners/shard"
)

// ReferenceOptions are the options of `hwcov reference generate|validate`.
type ReferenceOptions struct {
	F      *Factory
	Req    reference.Request
	Format string
}

// NewCmdReference builds `hwcov reference`.
func NewCmdReference(f *Factory) *cobra.Command {
	return group("reference", "Store CPU reference outputs and validate platforms against them",
		newCmdReferenceGenerate(f), newCmdReferenceValidate(f))
}

func newCmdReferenceGenerate(f *Factory) *cobra.Command {
	opts := &ReferenceOptions{F: f}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Run the models on the CPU in fp32 with seeded inputs and store their outputs (guide: --generate-reference-outputs)",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runReferenceGenerate(c.Context(), opts) },
	}
	opts.register(cmd, "out")
	return cmd
}

func newCmdReferenceValidate(f *Factory) *cobra.Command {
	opts := &ReferenceOptions{F: f, Req: reference.Request{Validate: true}}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Run platforms and compare their outputs with the stored CPU reference (guide: --validate-against-reference)",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runReferenceValidate(c.Context(), opts) },
	}
	opts.register(cmd, "reference")
	cmd.Flags().StringSliceVar(&opts.Req.Hardware, "hardware", []string{"cpu"}, "platforms to validate, comma-separated")
	cmd.Flags().StringVar(&opts.Format, "format", "table", strings.Join(reporter.PerfFormats, ", "))
	return cmd
}

func (opts *ReferenceOptions) register(cmd *cobra.Command, dirFlag string) {
	fl, r := cmd.Flags(), &opts.Req
	addModelFlags(fl, &r.Models)
	fl.StringVar(&r.Dir, dirFlag, "reference", "reference folder (npz files and manifest.json)")
	fl.StringVar(&r.DB, "db", "", "DuckDB file (default db in hwcov.yaml, ./benchmark_db.duckdb)")
	fl.IntSliceVar(&r.BatchSizes, "batch-sizes", nil, "batch sizes (default: the platform's default batch)")
	fl.IntSliceVar(&r.SeqLens, "seq-lengths", nil, "sequence lengths (default 128)")
	fl.IntVar(&r.Workers, "workers", 1, "parallel worker processes")
	fl.IntVar(&r.Iterations, "iterations", 1, "timed iterations per test")
}

// run runs the one-shard run of the request and returns its results and
// the reference folder.
func (opts *ReferenceOptions) run(ctx context.Context) (shard.Result, []results.Result, string, error) {
	f := opts.F
	s, dir, err := opts.Req.Shard(func(hw []string) string { return runners.NewRun(f.Getenv, f.Now(), version(), "1/1", hw).RunID })
	if err != nil {
		return shard.Result{}, nil, "", err
	}
	res, err := f.runShard(ctx, s, false, false)
	if err != nil {
		return res, nil, dir, err
	}
	db, err := openDB(f, opts.Req.DB, true)
	if err != nil {
		return res, nil, dir, err
	}
	defer db.Close()
	rs, err := db.Results(ctx, res.Run.RunID)
	return res, rs, dir, err
}

func runReferenceGenerate(ctx context.Context, opts *ReferenceOptions) error {
	f := opts.F
	res, rs, dir, err := opts.run(cmp.Or(ctx, context.Background()))
	if err != nil {
		return err
	}
	st, err := reference.Store(dir, rs, res.Run.RunID, version(), f.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(f.Out, "stored %d reference outputs in %s (manifest lists %d)\n", st.Stored, opts.Req.Dir, st.Listed)
	for _, s := range st.NoOutput {
		fmt.Fprintf(f.Out, "  no reference: %s\n", s)
	}
	return nil
}

func runReferenceValidate(ctx context.Context, opts *ReferenceOptions) error {
	if err := checkFormat("format", opts.Format, reporter.PerfFormats...); err != nil {
		return err
	}
	_, rs, _, err := opts.run(cmp.Or(ctx, context.Background()))
	if err != nil {
		return err
	}
	t := reporter.ValidationTable(rs)
	t.Notes = append(t.Notes, reference.Unvalidated(rs)...)
	return writeOutput(opts.F, "", func(b *strings.Builder) error { return reporter.RenderTables(b, []reporter.Table{t}, opts.Format) })
}
