package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/store"
	"github.com/hwcov/hwcov/reporter"
)

// ReportPerfOptions are the options of `hwcov report validation|hardware|optimal-hardware|optimization-impact|profile`.
type ReportPerfOptions struct {
	F      *Factory
	Kind   string
	DB     string
	Format string
	Models []string
	RunID  string
	Base   string
	Head   string
	Test   string
	Top    int
	Alpha  float64
	Out    string
}

var perfReports = map[string]struct{ short, long, example string }{
	"validation": {
		"Outputs compared with the CPU reference: max abs/rel diff, tolerance, verdict (guide: --validation-report)",
		"One row per test that was compared with a CPU reference (live, or stored by `hwcov reference generate`).",
		"  hwcov report validation\n  hwcov report validation --models bert,vit --format markdown --out validation.md",
	},
	"hardware": {
		"Latency per model and platform: mean, median, CV, speed-up vs cpu (guide: --compare-hardware-performance)",
		"Reads the newest result of every test (or --run) and compares the platforms cell by cell.",
		"  hwcov report hardware --models bert,t5,vit\n  hwcov report hardware --format markdown --out hardware.md",
	},
	"optimal-hardware": {
		"The fastest compatible platform per architecture and per category (guide: --optimal-hardware-analysis)",
		"Over the cells every passing platform ran, the platform with the lowest geometric-mean median latency wins.",
		"  hwcov report optimal-hardware\n  hwcov report optimal-hardware --models bert,vit --format json",
	},
	"optimization-impact": {
		"Compare a baseline run with an optimized one using the stored samples (guide: --optimization-impact)",
		"Matches tests by id; medians, change, Mann-Whitney U p-value and the optimizations each run applied.",
		"  hwcov run --benchmark --models bert --hardware cpu --optimizations none --run-id base\n  hwcov run --benchmark --models bert --hardware cpu --run-id head\n  hwcov report optimization-impact --base base --head head",
	},
	"optimizations": {
		"Optimization opportunities in benchmark data: unapplied platform optimizations, faster platforms, noisy timings (guide: --identify-optimizations)",
		"For every passing test: the platform's optimizations (hardware JSON) it did not apply, a platform at least 1.2x faster on the same cell, and timings with a CV above 20%.",
		"  hwcov run --benchmark --models bert,vit --hardware cpu,openvino,onnxruntime\n  hwcov report optimizations",
	},
	"profile": {
		"A test's layer or memory profile (from hwcov run --profile layers|memory)",
		"Per-module time and top operators (layers) or peak and growth per iteration (memory) of the newest profiled result of --test.",
		"  hwcov run --models bert --hardware cpu --profile layers\n  hwcov report profile --test bert@cpu/fp32/b1/s128",
	},
}

// NewCmdReportPerf builds one of the performance reports.
func NewCmdReportPerf(f *Factory, kind string) *cobra.Command {
	opts := &ReportPerfOptions{F: f, Kind: kind}
	doc := perfReports[kind]
	cmd := &cobra.Command{
		Use: kind, Short: doc.short, Long: doc.long, Example: doc.example, Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runReportPerf(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addDBFlags(fl, &opts.DB, &opts.Format, &opts.Out, formatUsage("table", reporter.PerfFormats...))
	switch kind {
	case "optimization-impact":
		fl.StringVar(&opts.Base, "base", "", "run id of the baseline (e.g. run with --optimizations none)")
		fl.StringVar(&opts.Head, "head", "", "run id of the optimized run")
		fl.Float64Var(&opts.Alpha, "alpha", 0.05, "significance level")
	case "profile":
		fl.StringVar(&opts.Test, "test", "", "test id, e.g. bert@cpu/fp32/b1/s128")
		fl.IntVar(&opts.Top, "top", 15, "rows per table")
		fl.StringVar(&opts.RunID, "run", "", "the result of this run id (default: the newest profiled result)")
	default:
		fl.StringSliceVar(&opts.Models, "models", nil, "only these architectures")
		fl.StringSliceVar(&opts.Models, "model", nil, "alias of --models")
		fl.StringVar(&opts.RunID, "run", "", "only this run id (default: the newest result of every test)")
	}
	return cmd
}

func runReportPerf(ctx context.Context, opts *ReportPerfOptions) error {
	f := opts.F
	if ctx == nil {
		ctx = context.Background()
	}
	format, err := outputFormat(opts.Format, opts.Out, "table", reporter.PerfFormats...)
	if err != nil {
		return err
	}
	if opts.Kind == "optimization-impact" && (opts.Base == "" || opts.Head == "") {
		return usagef("hwcov report optimization-impact --base RUN_ID --head RUN_ID", "--base and --head are required")
	}
	if opts.Kind == "profile" && opts.Test == "" {
		return usagef("hwcov report profile --test bert@cpu/fp32/b1/s128", "--test is required")
	}
	db, err := openDB(f, opts.DB, true)
	if err != nil {
		return err
	}
	defer db.Close()
	tables, err := opts.tables(ctx, db)
	if err != nil {
		return err
	}
	return writeOutput(f, opts.Out, func(b *strings.Builder) error { return reporter.RenderTables(b, tables, format) })
}

// tables reads the results the report of opts.Kind is made of and builds
// its tables.
func (opts *ReportPerfOptions) tables(ctx context.Context, db *store.DB) (tables []reporter.Table, err error) {
	in := reporter.PerfInput{BaseID: opts.Base, HeadID: opts.Head, Test: opts.Test, Top: opts.Top, Alpha: opts.Alpha, Models: opts.Models}
	if opts.Kind == "optimization-impact" {
		if in.Base, err = db.Results(ctx, opts.Base); err == nil {
			in.Head, err = db.Results(ctx, opts.Head)
		}
	} else {
		in.Results, err = db.Results(ctx, opts.RunID)
	}
	if err != nil {
		return nil, err
	}
	if opts.Kind == "optimizations" {
		reg, err := opts.F.Hardware()
		if err != nil {
			return nil, err
		}
		in.Available = reg.Optimizations()
	}
	return reporter.PerfTables(opts.Kind, in)
}
