package reporter

import (
	"fmt"
	"strings"

	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/results"
)

// PerfInput is what a performance report is made of: a run's results (or,
// for optimization-impact, a base and a head run's), and its options.
type PerfInput struct {
	Results    []results.Result
	Base, Head []results.Result // optimization-impact
	BaseID     string
	HeadID     string
	Test       string   // profile: the test id
	Top        int      // profile: operators shown
	Alpha      float64  // optimization-impact: significance level
	Models     []string // only these architectures
	// Available are the optimizations each platform offers, by key.
	Available map[string][]string
}

// PerfTables builds the tables of the report kind: optimization-impact,
// profile, validation, hardware, optimal-hardware or optimizations.
func PerfTables(kind string, in PerfInput) ([]Table, error) {
	switch kind {
	case "optimization-impact":
		if len(in.Base) == 0 || len(in.Head) == 0 {
			id := in.HeadID
			if len(in.Base) == 0 {
				id = in.BaseID
			}
			return nil, hwerr.Usagef("hwcov report optimization-impact --base RUN_ID --head RUN_ID (run ids: hwcov report matrix --format json)", "no results for run %q", id)
		}
		return []Table{OptimizationImpactTable(in.Base, in.Head, in.Alpha)}, nil
	case "profile":
		var found *results.Result
		for i := range in.Results {
			if in.Results[i].TestID == in.Test && strings.Contains(in.Results[i].Extra, `"profile"`) {
				found = &in.Results[i]
			}
		}
		if found == nil {
			return nil, hwerr.Usagef("hwcov run --models MODEL --hardware HW --profile layers", "no profiled result for test %q", in.Test)
		}
		return ProfileTables(*found, in.Top)
	}
	rs := filterModels(in.Results, in.Models)
	switch kind {
	case "validation":
		return []Table{ValidationTable(rs)}, nil
	case "hardware":
		return []Table{HardwareTable(rs, nil)}, nil
	case "optimal-hardware":
		return OptimalHardware(rs), nil
	case "optimizations":
		return []Table{OptimizationsTable(rs, in.Available)}, nil
	}
	return nil, fmt.Errorf("report %q: unknown", kind)
}

// filterModels keeps the results of the architectures named in models (all
// when it is empty).
func filterModels(rs []results.Result, models []string) []results.Result {
	if len(models) == 0 {
		return rs
	}
	keep := map[string]bool{}
	for _, m := range models {
		keep[strings.TrimSpace(m)] = true
	}
	var out []results.Result
	for _, r := range rs {
		if keep[r.Architecture] {
			out = append(out, r)
		}
	}
	return out
}
