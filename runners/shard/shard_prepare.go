package shard

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/schedule"
	"github.com/hwcov/hwcov/planner"
)

// Profiles are the values of `hwcov run --profile`.
var Profiles = []string{"layers", "memory"}

// OptimizationModes are the values of `hwcov run --optimizations`.
var OptimizationModes = []string{"default", "none"}

// RunRequest is `hwcov run`: a shard request as its flags give it, with
// the schedule entry and the benchmark sweep still to resolve (Prepare).
type RunRequest struct {
	Request
	Schedule, Which     string // run the schedule's entry that is due (or Which)
	Benchmark           bool
	BatchSizes, SeqLens []int
	FailOnError         bool
}

// Prepare checks the request and resolves it: the shard i/n, the schedule
// entry due at now (said on log) and the sweep.
func (r *RunRequest) Prepare(now time.Time, log io.Writer) error {
	r.Index, r.Count = 1, 1
	if r.Shard != "" {
		var err error
		if r.Index, r.Count, err = ParseShard(r.Shard); err != nil {
			return err
		}
	}
	o := r.Options
	if o.Workers < 1 || o.Iterations < 1 || o.Warmup < 0 || o.RerunFailed < 0 {
		return hwerr.Usagef("--workers 1 --iterations 5 --warmup 1", "--workers and --iterations must be at least 1, --warmup and --rerun-failed at least 0")
	}
	if r.TestsDir != "" && r.Models.Given() {
		return hwerr.Usagef("drop --models/--category/... or --tests", "--tests runs the files in a folder; it does not go with a model selection")
	}
	if err := r.checkBenchmark(); err != nil {
		return err
	}
	if r.Which != "" && r.Schedule == "" {
		return hwerr.Usagef("hwcov run --schedule schedule.json --which daily", "--which goes with --schedule")
	}
	if r.Schedule != "" {
		if r.Plan != "" || r.TestsDir != "" {
			return hwerr.Usagef("hwcov run --schedule schedule.json --which daily", "--schedule picks the tests: drop --plan/--tests")
		}
		if _, err := ApplySchedule(&r.Models, &r.Hardware, r.Schedule, r.Which, now, log); err != nil {
			return err
		}
	}
	if (r.Plan == "") != (r.ShardID == "") {
		return hwerr.Usagef("hwcov run --plan plan.json --shard-id cpu-1of2", "--plan and --shard-id go together")
	}
	if r.Plan != "" && (r.Models.Given() || r.TestsDir != "" || r.Shard != "") {
		return hwerr.Usagef("hwcov run --plan plan.json --shard-id ID", "--plan picks the tests: drop --models/--category/--tests/--shard")
	}
	r.Options.Benchmark = r.sweeping()
	if r.sweeping() {
		r.Sweep = &planner.Sweep{BatchSizes: r.BatchSizes, SeqLens: r.SeqLens}
	}
	return nil
}

func (r *RunRequest) checkBenchmark() error {
	o := r.Options
	if o.Profile != "" && !slices.Contains(Profiles, o.Profile) {
		return hwerr.Usagef("--profile layers", "--profile %q: want %s", o.Profile, strings.Join(Profiles, " or "))
	}
	if o.Optimizations != "" && !slices.Contains(OptimizationModes, o.Optimizations) {
		return hwerr.Usagef("--optimizations none", "--optimizations %q: want %s", o.Optimizations, strings.Join(OptimizationModes, " or "))
	}
	if r.sweeping() && (r.Plan != "" || r.TestsDir != "") {
		return hwerr.Usagef("hwcov run --benchmark --models bert --hardware cpu", "--benchmark sweeps generated tests: drop --plan/--tests")
	}
	for _, n := range append(append([]int{}, r.BatchSizes...), r.SeqLens...) {
		if n < 1 {
			return hwerr.Usagef("--batch-sizes 1,2,4,8 --seq-lengths 128,256", "--batch-sizes and --seq-lengths must be at least 1, got %d", n)
		}
	}
	return nil
}

// sweeping says whether this run sweeps batch x sequence cells.
func (r *RunRequest) sweeping() bool {
	return r.Benchmark || len(r.BatchSizes) > 0 || len(r.SeqLens) > 0
}

// ParseShard reads "i/n" with 1 <= i <= n.
func ParseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, hwerr.Usagef("--shard 1/4 (shards count from 1)", "--shard %q: want i/n with 1 <= i <= n", s)
	}
	return i, n, nil
}

// ApplySchedule reads the schedule file at path, picks the entry which
// names or the entry due at now (UTC, within schedule.DefaultWindow of its
// run time), and sets the model choice and hardware from it, saying so on
// log. It refuses a model choice given beside it. The caller prints or
// records the entry (e.g. runs the report when entry.GenerateReport).
// (guide: --run-scheduled-tests)
func ApplySchedule(models *catalog.Choice, hardware *[]string, path, which string, now time.Time, log io.Writer) (schedule.Entry, error) {
	if models.Given() {
		return schedule.Entry{}, hwerr.Usagef("hwcov run --schedule "+path+" --which daily", "--schedule picks the models: drop --models/--category/--priority/...")
	}
	s, err := schedule.ReadFile(path)
	if err != nil {
		return schedule.Entry{}, err
	}
	e, err := s.Select(which, now)
	var nd *schedule.NotDueError
	var ue *schedule.UnknownEntryError
	switch {
	case errors.As(err, &nd):
		return e, hwerr.Usagef("name the entry: --which "+nd.Next.Short(), "%v", err)
	case errors.As(err, &ue):
		return e, hwerr.Usagef("--which "+strings.Join(ue.Known, "|"), "%v", err)
	case err != nil:
		return e, err
	}
	if err := setSubset(models, e.ModelSubset); err != nil {
		return e, hwerr.Usagef("fix "+e.Name+".model_subset in "+path, "schedule: field %q: %v", e.Name+".model_subset", err)
	}
	*hardware = []string{e.HardwareArg()}
	if !e.AllHardware {
		*hardware = append([]string{}, e.Hardware...)
	}
	fmt.Fprintf(log, "hwcov: schedule entry %s (%s): %s\n", e.Name, e.When, strings.Join(e.Flags(), " "))
	return e, nil
}

// setSubset sets the model choice for a schedule model_subset.
func setSubset(m *catalog.Choice, subset string) error {
	flags, err := schedule.SubsetFlags(subset)
	if err != nil {
		return err
	}
	switch flags[0] {
	case "--all-models":
		m.AllModels = true
	case "--priority":
		m.Priority = flags[1]
	case "--category":
		m.Category = flags[1]
	case "--models":
		m.Models = strings.Split(flags[1], ",")
	case "--models-file":
		m.ModelsFile = flags[1]
	case "--top":
		m.Top, _ = strconv.Atoi(flags[1])
	default:
		return fmt.Errorf("%q is not a model subset", subset)
	}
	return nil
}
