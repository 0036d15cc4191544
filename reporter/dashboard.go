package reporter

import (
	"sort"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/results"
)

// CellState is what a matrix cell of the dashboard says, in the manner of
// caniuse's support states.
type CellState string

// The dashboard's cell states, from best to least informative. Only
// StatePlatformFail counts against a platform.
const (
	StatePass         CellState = "pass"          // every test of the cell passed
	StatePartial      CellState = "partial"       // some passed, some did not
	StatePlatformFail CellState = "platform-fail" // the platform or its converter cannot do it
	StateHarnessFail  CellState = "harness-fail"  // hwcov failed to build or feed the model
	StateInfra        CellState = "infra"         // the runner is not set up
	StateDeclared     CellState = "declared"      // declared unsupported, with a reason
	StateNotRun       CellState = "not-run"       // no result
)

// CellStates lists the states in the order the legend shows them.
var CellStates = []CellState{StatePass, StatePartial, StatePlatformFail, StateHarnessFail, StateInfra, StateDeclared, StateNotRun}

// StateOf maps one result's status onto a cell state. Whose fault a
// failure is comes from internal/outcome (the one place that says it): a
// failure on cpu is the harness's (the reference platform runs everything
// transformers can build); elsewhere a failure, timeout or crash is the
// platform's. A pair the hardware rules declare incompatible is declared.
func StateOf(status results.Status, hardware string) CellState {
	if status == results.StatusIncompatible {
		return StateDeclared
	}
	switch outcome.Of(outcome.Input{Status: status, Hardware: hardware}) {
	case outcome.Pass:
		return StatePass
	case outcome.Infrastructure:
		return StateInfra
	case outcome.Declared:
		return StateDeclared
	case outcome.Harness:
		return StateHarnessFail
	case outcome.Platform:
		if status == results.StatusFail || status == results.StatusTimeout || status == results.StatusCrash {
			return StatePlatformFail
		}
	}
	return StateNotRun // skip, not_run, unknown
}

// foldStates is the state of a cell whose tests have the given states: pass
// when all passed, partial when some did, else the first failing state in
// CellStates order.
func foldStates(states map[CellState]int) CellState {
	total := 0
	for _, n := range states {
		total += n
	}
	switch {
	case total == 0:
		return StateNotRun
	case states[StatePass] == total:
		return StatePass
	case states[StatePass] > 0:
		return StatePartial
	}
	for _, s := range CellStates[2:] {
		if states[s] > 0 {
			return s
		}
	}
	return StateNotRun
}

// stateCode is the one-letter code of a state in a cell's history string.
var stateCode = map[CellState]byte{StatePass: 'p', StatePartial: 'h', StatePlatformFail: 'f', StateHarnessFail: 'x', StateInfra: 'i', StateDeclared: 'd', StateNotRun: '.'}

// DashboardInput is what the dashboard is made of, read from a history
// database by the caller.
type DashboardInput struct {
	Title        string
	Generated    time.Time
	Latest       []results.Result // the newest result of every test
	Fingerprints map[int64]fingerprint.Stored
	RunGroups    []results.RunGroup // the whole history per run, platform, category and status
	CellRuns     []results.CellRun  // the newest runs per cell
	// Compat says whether an architecture is declared to run on a platform
	// and why not; nil declares everything compatible.
	Compat func(arch, hw string) (bool, string)
	// MatrixOnly writes the matrix view alone (guide: --visualize-coverage).
	MatrixOnly bool
	// ArtifactURL, when set, is where the page says it was published.
	ArtifactURL string
}

// DashboardData is the page's data: pre-aggregated, compact, and written
// into the page as JSON. Strings repeated across tests (messages, chains,
// fingerprints) are indices into Strs.
type DashboardData struct {
	Version    int            `json:"v"`
	Title      string         `json:"title"`
	Generated  string         `json:"generated"`
	MatrixOnly bool           `json:"matrixOnly,omitempty"`
	States     []CellState    `json:"states"`
	Platforms  []string       `json:"platforms"`
	Categories []string       `json:"categories"`
	Runs       []DashRun      `json:"runs"`  // oldest first
	Hist       []string       `json:"hist"`  // run ids of the cells' history strings, oldest first
	Archs      []DashArch     `json:"archs"` // sorted by category, then name
	Cells      []DashCell     `json:"cells"`
	Tests      []DashTest     `json:"tests"`
	Strs       []string       `json:"strs"`
	Trends     []DashTrend    `json:"trends"`
	Hardware   []Table        `json:"hardware"`
	Overview   []DashOverview `json:"overview"`
}

// DashRun is one CI run of the history.
type DashRun struct {
	ID  string `json:"id"`
	At  string `json:"at,omitempty"`
	SHA string `json:"sha,omitempty"`
	Ref string `json:"ref,omitempty"`
	PR  int    `json:"pr,omitempty"`
}

// DashArch is a matrix row.
type DashArch struct {
	Name     string `json:"n"`
	Category int    `json:"c"` // index into Categories
}

// DashCell is one architecture on one platform: its state from the newest
// results, its tests (indices into Tests) and its history, one state code
// per run of Hist ('.' when it did not run).
type DashCell struct {
	Arch     int       `json:"a"`
	Platform int       `json:"p"`
	State    CellState `json:"s"`
	Pass     int       `json:"ok,omitempty"`
	Total    int       `json:"n,omitempty"`
	Tests    []int     `json:"t,omitempty"`
	History  string    `json:"h,omitempty"`
	Reason   string    `json:"why,omitempty"` // why it is declared unsupported
}

// DashTest is the newest result of one test, for the drill-down. String
// fields that repeat across tests are indices into Strs (0 is "").
type DashTest struct {
	ID          string    `json:"id"`
	Status      string    `json:"st"`
	State       CellState `json:"s"`
	Run         int       `json:"run,omitempty"`
	At          int       `json:"at,omitempty"` // finish time, RFC 3339
	Message     int       `json:"msg,omitempty"`
	Fingerprint int       `json:"fp,omitempty"`  // the fingerprint id
	Signature   int       `json:"sig,omitempty"` // the fingerprint's signature
	Chain       int       `json:"chain,omitempty"`
	MeanMS      float64   `json:"ms,omitempty"`
	MemoryMB    float64   `json:"mb,omitempty"`
	Samples     []float64 `json:"smp,omitempty"`
}

// DashTrend is one series: the pass rate and mean latency of a platform or
// a category over the runs. Pass[i] and Ran[i] are of Runs[i]; Ran counts
// the results that ran to a verdict (pass, platform or harness failure).
type DashTrend struct {
	Kind   string    `json:"k"` // "platform" or "category"
	Name   string    `json:"name"`
	Pass   []int     `json:"pass"`
	Ran    []int     `json:"ran"`
	MeanMS []float64 `json:"ms"`
}

// DashOverview is one row of the overview: a platform or category with its
// state counts over the newest results and its pass rate in the newest run
// and the one before.
type DashOverview struct {
	Kind     string            `json:"k"`
	Name     string            `json:"name"`
	Counts   map[CellState]int `json:"counts"`
	Pass     int               `json:"pass"`
	Ran      int               `json:"ran"`
	LastPass int               `json:"lastPass"`
	LastRan  int               `json:"lastRan"`
	PrevPass int               `json:"prevPass"`
	PrevRan  int               `json:"prevRan"`
}

// maxSamples is how many timing samples a test keeps in the page.
const maxSamples = 32

// maxMessage is how much of an error message a test keeps in the page.
const maxMessage = 600

// ranToVerdict reports whether a state is a verdict on the test: it ran and
// passed or failed (infra, declared and not run say nothing of the model).
func ranToVerdict(s CellState) bool {
	return s == StatePass || s == StatePlatformFail || s == StateHarnessFail
}

// BuildDashboard aggregates in into the page's data.
func BuildDashboard(in DashboardInput) DashboardData {
	d := DashboardData{Version: 1, Title: in.Title, MatrixOnly: in.MatrixOnly, States: CellStates, Strs: []string{""}}
	if d.Title == "" {
		d.Title = "hwcov dashboard"
	}
	if !in.Generated.IsZero() {
		d.Generated = in.Generated.UTC().Format(time.RFC3339)
	}
	strIdx := map[string]int{"": 0}
	str := func(s string) int {
		if i, ok := strIdx[s]; ok {
			return i
		}
		strIdx[s] = len(d.Strs)
		d.Strs = append(d.Strs, s)
		return strIdx[s]
	}

	// rows and columns
	catOf, hwSeen := map[string]string{}, map[string]bool{}
	for _, r := range in.Latest {
		a := archOf(r)
		if catOf[a] == "" {
			catOf[a] = r.Category
		}
		hwSeen[r.Hardware] = true
	}
	for _, g := range in.RunGroups {
		hwSeen[g.Hardware] = true
	}
	d.Platforms = orderedPlatforms(hwSeen)
	catSet := map[string]bool{}
	for _, c := range catOf {
		catSet[c] = true
	}
	for _, g := range in.RunGroups {
		catSet[g.Category] = true
	}
	d.Categories = sortedKeys(catSet)
	catIdx := indexOf(d.Categories)
	names := sortedKeys(catOf)
	sort.SliceStable(names, func(i, j int) bool { return catOf[names[i]] < catOf[names[j]] })
	archIdx := indexOf(names)
	for _, n := range names {
		d.Archs = append(d.Archs, DashArch{Name: n, Category: catIdx[catOf[n]]})
	}
	hwIdx := indexOf(d.Platforms)

	// runs, oldest first
	runIdx := map[string]int{}
	for _, g := range in.RunGroups {
		if _, ok := runIdx[g.Run]; ok {
			continue
		}
		runIdx[g.Run] = len(d.Runs)
		r := DashRun{ID: g.Run, SHA: g.GitSHA, Ref: g.GitRef, PR: g.PR}
		if !g.At.IsZero() {
			r.At = g.At.UTC().Format(time.RFC3339)
		}
		d.Runs = append(d.Runs, r)
	}

	// cells from the newest results
	byCell := map[[2]int][]results.Result{}
	for _, r := range in.Latest {
		k := [2]int{archIdx[archOf(r)], hwIdx[r.Hardware]}
		byCell[k] = append(byCell[k], r)
	}
	fps := in.Fingerprints
	cellIdx := map[[2]int]int{}
	for ai, a := range names {
		for pi, hw := range d.Platforms {
			rs := byCell[[2]int{ai, pi}]
			c := DashCell{Arch: ai, Platform: pi, Total: len(rs)}
			states := map[CellState]int{}
			sort.Slice(rs, func(i, j int) bool { return rs[i].TestID < rs[j].TestID })
			for _, r := range rs {
				s := StateOf(r.Status, r.Hardware)
				states[s]++
				if s == StatePass {
					c.Pass++
				}
				c.Tests = append(c.Tests, len(d.Tests))
				d.Tests = append(d.Tests, dashTest(r, s, fps[r.ID], str))
			}
			c.State = foldStates(states)
			if len(rs) == 0 && in.Compat != nil {
				if ok, why := in.Compat(a, hw); !ok {
					c.State, c.Reason = StateDeclared, why
				}
			}
			cellIdx[[2]int{ai, pi}] = len(d.Cells)
			d.Cells = append(d.Cells, c)
		}
	}

	d.cellHistory(in.CellRuns, archIdx, hwIdx, runIdx, cellIdx)
	d.trends(in.RunGroups, runIdx)
	d.overview(in.Latest)
	if !in.MatrixOnly {
		d.Hardware = OptimalHardware(in.Latest)
	}
	return d
}

func dashTest(r results.Result, s CellState, fp fingerprint.Stored, str func(string) int) DashTest {
	t := DashTest{ID: r.TestID, Status: string(r.Status), State: s, Run: str(r.RunID), MeanMS: round3(r.ExecutionMS), MemoryMB: round3(r.MemoryMB), Chain: str(r.TemplateChain)}
	if at := r.FinishedAt; !at.IsZero() {
		t.At = str(at.UTC().Format(time.RFC3339))
	}
	if s != StatePass {
		msg := r.ErrorMessage
		if len(msg) > maxMessage {
			msg = msg[:maxMessage] + "…"
		}
		t.Message = str(msg)
		t.Fingerprint, t.Signature = str(fp.ID), str(fp.Signature)
	}
	for i, v := range r.SamplesMS {
		if i == maxSamples {
			break
		}
		t.Samples = append(t.Samples, round3(v))
	}
	return t
}

// HistoryRuns are the newest n CI runs of gs (in run order): the runs a
// cell's history shows.
func HistoryRuns(gs []results.RunGroup, n int) []string {
	var keys []string
	for i, g := range gs {
		if i == 0 || g.Run != gs[i-1].Run {
			keys = append(keys, g.Run)
		}
	}
	if len(keys) > n {
		keys = keys[len(keys)-n:]
	}
	return keys
}

// cellHistory writes each cell's history string over the runs CellRuns covers.
func (d *DashboardData) cellHistory(crs []results.CellRun, archIdx, hwIdx, runIdx map[string]int, cellIdx map[[2]int]int) {
	inHist := map[string]bool{}
	for _, c := range crs {
		inHist[c.Run] = true
	}
	for _, r := range d.Runs {
		if inHist[r.ID] {
			d.Hist = append(d.Hist, r.ID)
		}
	}
	nh := len(d.Hist)
	if nh == 0 {
		return
	}
	histIdx := indexOf(d.Hist)
	// one tally per cell and run: how many results, how many passed, and
	// the first failing state in CellStates order
	type tally struct {
		n, pass int32
		worst   int8
	}
	rank := map[CellState]int8{}
	for i, s := range CellStates {
		rank[s] = int8(i)
	}
	tallies := make([]tally, len(d.Cells)*nh)
	seen := make([]bool, len(d.Cells))
	for _, c := range crs {
		ai, ok1 := archIdx[c.Architecture]
		pi, ok2 := hwIdx[c.Hardware]
		ri, ok3 := histIdx[c.Run]
		if !ok1 || !ok2 || !ok3 {
			continue // an architecture with no newest result is not a row
		}
		ci := cellIdx[[2]int{ai, pi}]
		t := &tallies[ci*nh+ri]
		if t.n == 0 {
			t.worst = int8(len(CellStates))
		}
		st := StateOf(c.Status, c.Hardware)
		t.n += int32(c.N)
		if st == StatePass {
			t.pass += int32(c.N)
		} else if rank[st] < t.worst {
			t.worst = rank[st]
		}
		seen[ci] = true
	}
	buf := make([]byte, nh)
	for ci := range d.Cells {
		if !seen[ci] {
			continue
		}
		for ri := range nh {
			t := tallies[ci*nh+ri]
			st := StateNotRun
			switch {
			case t.n == 0:
			case t.pass == t.n:
				st = StatePass
			case t.pass > 0:
				st = StatePartial
			default:
				st = CellStates[t.worst]
			}
			buf[ri] = stateCode[st]
		}
		d.Cells[ci].History = string(buf)
	}
}

// trends writes one series per platform and per category over all runs.
func (d *DashboardData) trends(gs []results.RunGroup, runIdx map[string]int) {
	series := map[[2]string]*DashTrend{}
	sumMS := map[[2]string][]float64{}
	get := func(kind, name string) *DashTrend {
		k := [2]string{kind, name}
		if t := series[k]; t != nil {
			return t
		}
		n := len(d.Runs)
		t := &DashTrend{Kind: kind, Name: name, Pass: make([]int, n), Ran: make([]int, n), MeanMS: make([]float64, n)}
		series[k], sumMS[k] = t, make([]float64, n)
		return t
	}
	for _, g := range gs {
		s := StateOf(g.Status, g.Hardware)
		i := runIdx[g.Run]
		for _, t := range []*DashTrend{get("platform", g.Hardware), get("category", g.Category)} {
			if ranToVerdict(s) {
				t.Ran[i] += g.N
			}
			if s == StatePass {
				t.Pass[i] += g.N
				sumMS[[2]string{t.Kind, t.Name}][i] += g.SumMS
			}
		}
	}
	for _, kind := range []string{"platform", "category"} {
		names := d.Platforms
		if kind == "category" {
			names = d.Categories
		}
		for _, n := range names {
			t := series[[2]string{kind, n}]
			if t == nil {
				continue
			}
			for i, s := range sumMS[[2]string{kind, n}] {
				if t.Pass[i] > 0 {
					t.MeanMS[i] = round3(s / float64(t.Pass[i]))
				}
			}
			d.Trends = append(d.Trends, *t)
		}
	}
}

// overview counts the newest results per platform and category and takes
// the newest two runs from the trends.
func (d *DashboardData) overview(latest []results.Result) {
	rows := map[[2]string]*DashOverview{}
	get := func(kind, name string) *DashOverview {
		k := [2]string{kind, name}
		if rows[k] == nil {
			rows[k] = &DashOverview{Kind: kind, Name: name, Counts: map[CellState]int{}}
		}
		return rows[k]
	}
	for _, r := range latest {
		s := StateOf(r.Status, r.Hardware)
		for _, o := range []*DashOverview{get("platform", r.Hardware), get("category", r.Category)} {
			o.Counts[s]++
			if ranToVerdict(s) {
				o.Ran++
			}
			if s == StatePass {
				o.Pass++
			}
		}
	}
	for _, t := range d.Trends {
		o := get(t.Kind, t.Name)
		last, prev := -1, -1
		for i := len(t.Ran) - 1; i >= 0 && prev < 0; i-- {
			if t.Ran[i] == 0 {
				continue
			}
			if last < 0 {
				last = i
			} else {
				prev = i
			}
		}
		if last >= 0 {
			o.LastPass, o.LastRan = t.Pass[last], t.Ran[last]
		}
		if prev >= 0 {
			o.PrevPass, o.PrevRan = t.Pass[prev], t.Ran[prev]
		}
	}
	for _, kind := range []string{"platform", "category"} {
		names := d.Platforms
		if kind == "category" {
			names = d.Categories
		}
		for _, n := range names {
			if o := rows[[2]string{kind, n}]; o != nil {
				d.Overview = append(d.Overview, *o)
			}
		}
	}
}

// orderedPlatforms puts the built-in platforms in their usual order, then
// any other in name order.
func orderedPlatforms(seen map[string]bool) []string {
	order := []string{"cpu", "cuda", "rocm", "mps", "openvino", "onnxruntime", "qualcomm", "webnn", "webgpu"}
	var out []string
	for _, p := range order {
		if seen[p] {
			out = append(out, p)
			delete(seen, p)
		}
	}
	return append(out, sortedKeys(seen)...)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if strings.TrimSpace(k) != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func indexOf(xs []string) map[string]int {
	m := make(map[string]int, len(xs))
	for i, x := range xs {
		m[x] = i
	}
	return m
}

func round3(x float64) float64 {
	return float64(int64(x*1000+0.5)) / 1000
}
