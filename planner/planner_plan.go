package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strings"

	"github.com/hwcov/hwcov/internal/testid"
)

// PlanVersion is the version of the plan document this package writes and reads.
const PlanVersion = 1

// MaxJobs is the most jobs one GitHub Actions matrix may hold.
//
// https://docs.github.com/en/actions/using-jobs/using-a-matrix-for-your-jobs
const MaxJobs = 256

// ShardOptions says how to split each platform's tests into shards. Give
// Shards or MaxShardMinutes, not both; with neither, each platform gets one
// shard.
type ShardOptions struct {
	// Shards is the number of shards per platform (fewer when a platform has
	// fewer tests).
	Shards int
	// MaxShardMinutes makes as many shards per platform as it takes to keep
	// each shard's estimated duration at or under this many minutes.
	MaxShardMinutes float64
	// Durations are seconds per test id from earlier runs.
	Durations map[string]float64
	// DefaultSeconds is the estimate for every test when Durations is empty;
	// 0 means DefaultTestSeconds.
	DefaultSeconds float64
}

// DefaultMaxShardMinutes is the shard budget of a whole-catalog plan
// (--all-models) given neither a shard count nor a budget: one shard per
// platform would be a job of hundreds of tests, hours long.
const DefaultMaxShardMinutes = 30.0

// WholeCatalog returns opts for a plan of the whole catalog: unchanged when
// it gives Shards or MaxShardMinutes, else split by DefaultMaxShardMinutes of
// estimated duration (history when there is some, else DefaultTestSeconds a
// test).
func (opts ShardOptions) WholeCatalog() ShardOptions {
	if opts.Shards == 0 && opts.MaxShardMinutes == 0 {
		opts.MaxShardMinutes = DefaultMaxShardMinutes
	}
	return opts
}

// Plan is the plan file: which tests each shard runs, on which runners. It is
// written by `hwcov plan` and read by `hwcov run --plan --shard-id`.
type Plan struct {
	Version int      `json:"version"`
	Shards  []Shard  `json:"shards"`
	Skipped []Skip   `json:"skipped"`
	Notes   []string `json:"notes,omitempty"`
}

// Shard is one job: some of one platform's tests.
type Shard struct {
	ID         string   `json:"id"`       // "cpu-1of3"
	Hardware   string   `json:"hardware"` // platform key
	RunsOn     []string `json:"runs-on"`  // runner labels
	Index      int      `json:"index"`    // 1-based
	Total      int      `json:"total"`    // shards of this platform
	EstSeconds float64  `json:"est_seconds"`
	Tests      []string `json:"tests"` // test ids, in priority order
}

// ShardID is the id of shard index (1-based) of total on hardware: "cpu-1of3".
func ShardID(hardware string, index, total int) string {
	return fmt.Sprintf("%s-%dof%d", hardware, index, total)
}

// NewPlan splits each platform's tests into shards (see [ShardOptions]),
// balanced by estimated duration with the longest-processing-time-first rule,
// and keeps the whole plan within [MaxJobs] shards. Tests keep the matrix's
// order inside each shard, so a shard that is cut short has run its most
// important tests. A platform whose runner labels cannot be runs-on labels is
// a *LabelError.
func NewPlan(m *Matrix, opts ShardOptions) (*Plan, error) {
	switch {
	case m == nil:
		return nil, optionsErr("matrix", "build one with BuildMatrix", "no matrix")
	case opts.Shards < 0:
		return nil, optionsErr("shards", "--shards 4", "%d is not a number of shards", opts.Shards)
	case opts.MaxShardMinutes < 0 || math.IsNaN(opts.MaxShardMinutes) || math.IsInf(opts.MaxShardMinutes, 0):
		return nil, optionsErr("max shard minutes", "--max-shard-minutes 30", "%v is not a number of minutes", opts.MaxShardMinutes)
	case opts.Shards > 0 && opts.MaxShardMinutes > 0:
		return nil, optionsErr("shards", "give --shards or --max-shard-minutes, not both", "both a shard count and a shard budget given")
	}
	byKey := map[string]int{}
	for i, p := range m.Platforms {
		if err := checkLabels(p.PlatformKey, p.Labels()); err != nil {
			return nil, err
		}
		byKey[p.PlatformKey] = i
	}

	catOf := m.categoryOf
	if catOf == nil {
		catOf = categories(m.Tests)
	}
	est := newEstimator(opts.Durations, catOf, opts.DefaultSeconds)
	perPlatform := make([][]job, len(m.Platforms))
	for i, t := range m.Tests {
		pi, ok := byKey[t.ID.Hardware]
		if !ok {
			return nil, optionsErr("matrix", "build the matrix with BuildMatrix", "test %q is on a platform the matrix does not list", t.Name)
		}
		perPlatform[pi] = append(perPlatform[pi], job{idx: i, sec: est.estimate(t)})
	}

	plan := &Plan{Version: PlanVersion, Skipped: append([]Skip{}, m.Skipped...)}
	plan.Notes = append(plan.Notes, m.Notes...)
	plan.Notes = append(plan.Notes, est.note())

	want := make([]int, len(m.Platforms))
	budget := opts.MaxShardMinutes * 60
	for pi, jobs := range perPlatform {
		key := m.Platforms[pi].PlatformKey
		if len(jobs) == 0 {
			plan.Notes = append(plan.Notes, fmt.Sprintf("%s: no tests to run", key))
			continue
		}
		sortLongestFirst(jobs)
		switch {
		case opts.Shards > 0:
			want[pi] = min(opts.Shards, len(jobs))
			if want[pi] < opts.Shards {
				plan.Notes = append(plan.Notes, fmt.Sprintf("%s: %d tests, so %d shards rather than %d", key, len(jobs), want[pi], opts.Shards))
			}
		case budget > 0:
			n, over := shardsForBudget(jobs, budget)
			want[pi] = n
			if over {
				plan.Notes = append(plan.Notes, fmt.Sprintf("%s: a test is estimated at %s, over the %s shard budget; it runs in a shard of its own",
					key, minutes(jobs[0].sec), minutes(budget)))
			}
		default:
			want[pi] = 1
		}
	}

	withTests := 0
	for _, n := range want {
		if n > 0 {
			withTests++
		}
	}
	if withTests > MaxJobs {
		return nil, optionsErr("hardware", "split the platforms over several workflows",
			"%d platforms need at least %d jobs; a GitHub matrix holds at most %d", withTests, withTests, MaxJobs)
	}
	got := want
	if total := sum(want); total > MaxJobs {
		got = allocate(want, MaxJobs)
		var parts []string
		for pi := range want {
			if want[pi] != got[pi] {
				parts = append(parts, fmt.Sprintf("%s %d→%d", m.Platforms[pi].PlatformKey, want[pi], got[pi]))
			}
		}
		plan.Notes = append(plan.Notes, fmt.Sprintf("merged %d shards into %d jobs (a GitHub matrix holds at most %d): %s",
			total, MaxJobs, MaxJobs, strings.Join(parts, ", ")))
	}

	longest := 0.0
	for pi, jobs := range perPlatform {
		n := got[pi]
		if n == 0 {
			continue
		}
		p := m.Platforms[pi]
		bins, loads := lpt(jobs, n)
		longest = math.Max(longest, maxOf(loads))
		for b := range bins {
			s := Shard{
				ID:         ShardID(p.PlatformKey, b+1, n),
				Hardware:   p.PlatformKey,
				RunsOn:     append([]string{}, p.Labels()...),
				Index:      b + 1,
				Total:      n,
				EstSeconds: round1(loads[b]),
				Tests:      make([]string, len(bins[b])),
			}
			for k, idx := range bins[b] {
				s.Tests[k] = m.Tests[idx].Name
			}
			plan.Shards = append(plan.Shards, s)
		}
	}
	if budget > 0 && longest > budget*(1+1e-9) {
		plan.Notes = append(plan.Notes, fmt.Sprintf("the longest shard is estimated at %s, over the %s budget", minutes(longest), minutes(budget)))
	}
	return plan, nil
}

// allocate shrinks per-platform shard counts want to at most limit in all,
// in proportion, keeping at least one shard for every platform that has any
// (largest-remainder rounding; ties go to the earlier platform). It needs
// limit >= the number of platforms with shards.
func allocate(want []int, limit int) []int {
	total := sum(want)
	got := make([]int, len(want))
	rem := make([]float64, len(want))
	for i, w := range want {
		if w == 0 {
			continue
		}
		exact := float64(w) * float64(limit) / float64(total)
		got[i] = max(1, int(math.Floor(exact)))
		rem[i] = exact - math.Floor(exact)
	}
	for sum(got) > limit { // the floor of one may have pushed it over
		big := -1
		for i, g := range got {
			if g > 1 && (big < 0 || g > got[big]) {
				big = i
			}
		}
		got[big]--
	}
	for sum(got) < limit {
		best := -1
		for i := range got {
			if got[i] > 0 && got[i] < want[i] && (best < 0 || rem[i] > rem[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		got[best]++
		rem[best] = -1
	}
	return got
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// minutes renders seconds as "12.5 min".
func minutes(sec float64) string {
	return fmt.Sprintf("%.1f min", sec/60)
}

// TestCount is the number of tests in all shards.
func (p *Plan) TestCount() int {
	n := 0
	for _, s := range p.Shards {
		n += len(s.Tests)
	}
	return n
}

// Shard returns the shard with id, or an *UnknownShardError listing the ids
// the plan has.
func (p *Plan) Shard(id string) (Shard, error) {
	for _, s := range p.Shards {
		if s.ID == id {
			return s, nil
		}
	}
	known := make([]string, len(p.Shards))
	for i, s := range p.Shards {
		known[i] = s.ID
	}
	return Shard{}, &UnknownShardError{ID: id, Known: known}
}

// TestIDs parses the shard's test ids.
func (s Shard) TestIDs() ([]testid.ID, error) {
	out := make([]testid.ID, len(s.Tests))
	for i, t := range s.Tests {
		id, err := testid.Parse(t)
		if err != nil {
			return nil, fmt.Errorf("shard %q: %w", s.ID, err)
		}
		out[i] = id
	}
	return out, nil
}

// Marshal writes the plan as indented JSON with a trailing newline. The
// output depends only on the plan.
func (p *Plan) Marshal() ([]byte, error) {
	q := *p
	if q.Shards == nil {
		q.Shards = []Shard{}
	}
	if q.Skipped == nil {
		q.Skipped = []Skip{}
	}
	b, err := json.MarshalIndent(q, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal plan: %w", err)
	}
	return append(b, '\n'), nil
}

// ReadPlanFile reads and parses the plan file at path: an error reading it
// is the *fs.PathError, one in its content a *PlanFileError naming path.
func ReadPlanFile(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	plan, err := ParsePlan(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return plan, nil
}

// ParsePlan reads a plan document strictly: the version must be PlanVersion,
// unknown fields and trailing data are errors, and the shards must be
// consistent (see [Plan.Validate]). Errors are *PlanFileError.
func ParsePlan(data []byte) (*Plan, error) {
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&probe); err != nil {
		return nil, planErr("not a plan (%v); write one with `hwcov plan --out plan.json`", strings.TrimPrefix(err.Error(), "json: "))
	}
	switch {
	case probe.Version == nil:
		return nil, planErr("no \"version\" field; write the plan with `hwcov plan --out plan.json`")
	case *probe.Version > PlanVersion:
		return nil, planErr("version %d is newer than this hwcov reads (%d); use the hwcov that wrote the plan", *probe.Version, PlanVersion)
	case *probe.Version != PlanVersion:
		return nil, planErr("version %d is not supported (want %d); write the plan again with this hwcov", *probe.Version, PlanVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, planErr("%v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, planErr("trailing data after the plan object")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

var shardIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Validate checks that the plan is one `hwcov run` can follow: the version is
// PlanVersion; shard ids are unique and safe in artifact names; each shard
// has a hardware key, valid runner labels and index in 1..total, with every
// platform's indexes exactly 1..total; every test id parses, is on its
// shard's hardware and appears once in the plan. Errors are *PlanFileError.
func (p *Plan) Validate() error {
	if p.Version != PlanVersion {
		return planErr("version %d, want %d", p.Version, PlanVersion)
	}
	ids := map[string]bool{}
	seen := map[string]string{} // test id -> shard id
	type platformShards struct {
		total   int
		indexes map[int]bool
	}
	byHW := map[string]*platformShards{}
	var order []string
	for i, s := range p.Shards {
		where := fmt.Sprintf("shard %d (%q)", i+1, s.ID)
		switch {
		case !shardIDRe.MatchString(s.ID):
			return planErr("%s: id must be letters, digits, '.', '_' or '-'", where)
		case ids[s.ID]:
			return planErr("%s: id appears twice", where)
		case s.Hardware == "":
			return planErr("%s: no hardware", where)
		case s.Total < 1 || s.Index < 1 || s.Index > s.Total:
			return planErr("%s: index %d of %d is out of range", where, s.Index, s.Total)
		case s.EstSeconds < 0 || math.IsNaN(s.EstSeconds):
			return planErr("%s: est_seconds %v is negative", where, s.EstSeconds)
		}
		ids[s.ID] = true
		if err := checkLabels(s.Hardware, s.RunsOn); err != nil {
			return planErr("%s: %v", where, err)
		}
		ps := byHW[s.Hardware]
		if ps == nil {
			ps = &platformShards{total: s.Total, indexes: map[int]bool{}}
			byHW[s.Hardware] = ps
			order = append(order, s.Hardware)
		}
		if ps.total != s.Total {
			return planErr("%s: total %d, but another %s shard says %d", where, s.Total, s.Hardware, ps.total)
		}
		if ps.indexes[s.Index] {
			return planErr("%s: index %d of %s appears twice", where, s.Index, s.Hardware)
		}
		ps.indexes[s.Index] = true
		for _, t := range s.Tests {
			id, err := testid.Parse(t)
			if err != nil {
				return planErr("%s: %v", where, err)
			}
			if id.String() != t {
				return planErr("%s: test id %q is not in canonical form %q", where, t, id.String())
			}
			if id.Hardware != s.Hardware {
				return planErr("%s: test %q is not on %s", where, t, s.Hardware)
			}
			if other, dup := seen[t]; dup {
				return planErr("%s: test %q is also in shard %q", where, t, other)
			}
			seen[t] = s.ID
		}
	}
	for _, hw := range order {
		if ps := byHW[hw]; len(ps.indexes) != ps.total {
			return planErr("%s has %d of its %d shards", hw, len(ps.indexes), ps.total)
		}
	}
	for i, sk := range p.Skipped {
		if sk.Test == "" || sk.Reason == "" {
			return planErr("skipped entry %d: needs test and reason", i+1)
		}
	}
	return nil
}
