package reporter

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

// Arch is one architecture as the matrix needs it: its model_type and its
// HuggingFace category.
type Arch struct {
	Name     string `json:"name"`
	Category string `json:"category"`
}

// MatrixInput is what BuildMatrix reads.
type MatrixInput struct {
	// Archs are the matrix rows, in this order. Architectures that appear
	// only in Results come after them, sorted by name, with the category
	// their results carry.
	Archs []Arch
	// Platforms are the columns, in this order. Results on other platforms
	// are left out. Empty means every platform in Results, sorted.
	Platforms []string
	// Results are the results to show, normally the newest per test id
	// (Store.Results). A benchmark sweep gives several per (architecture,
	// platform): one per batch size and sequence length.
	Results []results.Result
	// Compat says whether an architecture can run on a platform at all, and
	// if not why. A cell without results is incompatible when Compat says so,
	// else not run. Nil means every pair is compatible.
	Compat func(arch, hw string) (ok bool, reason string)
	// All keeps architectures without any result (all cells not run or
	// incompatible). By default only architectures with a result are rows.
	All bool
	// Categories keeps only architectures of these categories. Empty keeps
	// every category.
	Categories []string
	// Labels names a column where the key alone would mislead, e.g.
	// "webgpu (SwiftShader CPU adapter)" for a fallback adapter. Optional:
	// a column without one takes the adapter its results ran on
	// (AdapterLabels).
	Labels map[string]string
	// Declared are the pairs known not to run (outcome.Load); a failing or
	// untested cell of one shows as declared unsupported, with the
	// declaration's reason and link. Nil declares nothing.
	Declared outcome.Declarations
}

// Matrix is a compatibility matrix: one row per architecture, one cell per
// platform, with pass rates. Its JSON field names are stable.
type Matrix struct {
	// Platforms are the column keys, in order ("platforms").
	Platforms []string `json:"platforms"`
	// Labels are the column headers that differ from the key, e.g. the
	// adapter a web platform ran on ("labels").
	Labels map[string]string `json:"labels,omitempty"`
	// Rows are the architectures ("rows").
	Rows []Row `json:"rows"`
	// ByCategory is the pass rate of each category present in Rows, sorted
	// by category ("by_category").
	ByCategory []Rate `json:"by_category"`
	// ByPlatform is the pass rate of each platform, in column order
	// ("by_platform").
	ByPlatform []Rate `json:"by_platform"`
	// Total is the pass rate over every cell ("total").
	Total Rate `json:"total"`
}

// Row is one architecture of a Matrix.
type Row struct {
	Architecture string `json:"architecture"`
	Category     string `json:"category"`
	// Cells has one cell per Matrix.Platforms entry, in the same order.
	Cells []Cell `json:"cells"`
	// Rate is the architecture's pass rate across platforms; its name is the
	// architecture.
	Rate Rate `json:"rate"`
}

// Cell is one (architecture, platform) pair.
type Cell struct {
	Hardware string `json:"hardware"`
	// Status is the worst status among the cell's results (see Worse), or
	// not_run / incompatible when it has none.
	Status results.Status `json:"status"`
	// Outcome says whose fault Status is (outcome.Class of the result that
	// gave it): pass, platform, harness, infrastructure,
	// declared_unsupported or skip; empty for a cell without results that
	// is not declared unsupported.
	Outcome outcome.Class `json:"outcome,omitempty"`
	// Counts counts the cell's results per status.
	Counts Counts `json:"counts"`
	// Reason is why the pair is incompatible, or the error message of the
	// first result (by test id) with the worst status.
	Reason string `json:"reason,omitempty"`
	// Link explains a declared unsupported cell.
	Link string `json:"link,omitempty"`
	// Tests are the test ids of the cell's results, sorted.
	Tests []string `json:"tests,omitempty"`
}

// Counts counts results per status.
type Counts struct {
	Pass         int `json:"pass"`
	Fail         int `json:"fail"`
	Timeout      int `json:"timeout"`
	Crash        int `json:"crash"`
	Skip         int `json:"skip"`
	NotBuildable int `json:"not_buildable"`
	// InfraError counts tests the runner was not set up for: they did not
	// run, and never count against the platform.
	InfraError int `json:"infra_error,omitempty"`
	// Harness counts failures, off the reference platform, that are
	// hwcov's harness's (outcome.Harness): they did not test the platform,
	// and are counted here instead of in Fail, Timeout or Crash. On the
	// reference platform every failure is the harness's and counts as
	// itself.
	Harness int `json:"harness,omitempty"`
	// Declared counts results of pairs declared unsupported that did not
	// pass: known, and not counted against the platform.
	Declared int `json:"declared_unsupported,omitempty"`
}

// Ran is how many tests ran to an outcome: pass, fail, timeout or crash.
// Skipped, not-buildable and infra_error tests did not run; harness and
// declared unsupported ones did not test the platform.
func (c Counts) Ran() int { return c.Pass + c.Fail + c.Timeout + c.Crash }

// Total is how many results were counted.
func (c Counts) Total() int {
	return c.Ran() + c.Skip + c.NotBuildable + c.InfraError + c.Harness + c.Declared
}

// addClassed counts a result of status s and class on platform hw.
func (c *Counts) addClassed(s results.Status, class outcome.Class, hw string) {
	switch {
	case class == outcome.Declared:
		c.Declared++
		return
	case class == outcome.Harness && hw != outcome.Reference && s != results.StatusNotBuildable:
		c.Harness++
		return
	}
	c.add(s)
}

func (c *Counts) add(s results.Status) {
	switch s {
	case results.StatusPass:
		c.Pass++
	case results.StatusTimeout:
		c.Timeout++
	case results.StatusCrash:
		c.Crash++
	case results.StatusSkip:
		c.Skip++
	case results.StatusNotBuildable:
		c.NotBuildable++
	case results.StatusInfraError:
		c.InfraError++
	default: // fail, and any status this build does not know
		c.Fail++
	}
}

func (c *Counts) merge(o Counts) {
	c.Pass += o.Pass
	c.Fail += o.Fail
	c.Timeout += o.Timeout
	c.Crash += o.Crash
	c.Skip += o.Skip
	c.NotBuildable += o.NotBuildable
	c.InfraError += o.InfraError
	c.Harness += o.Harness
	c.Declared += o.Declared
}

// Rate is a pass rate: passes over tests that ran.
type Rate struct {
	// Name is the category, platform or architecture ("name").
	Name string `json:"name"`
	// Passed is how many tests passed ("passed").
	Passed int `json:"passed"`
	// Ran is how many tests ran: passed, failed, timed out or crashed ("ran").
	Ran int `json:"ran"`
	// Results is how many results there were, including skipped,
	// not-buildable, harness and declared unsupported ones ("results").
	Results int `json:"results"`
	// Rate is Passed/Ran between 0 and 1, and 0 when nothing ran ("rate").
	Rate float64 `json:"rate"`
}

func rateOf(name string, c Counts) Rate {
	r := Rate{Name: name, Passed: c.Pass, Ran: c.Ran(), Results: c.Total()}
	if r.Ran > 0 {
		r.Rate = float64(r.Passed) / float64(r.Ran)
	}
	return r
}

// String renders the rate as "66.7% (2/3)": percent, then passed/ran; "n/a"
// when nothing ran.
func (r Rate) String() string {
	if r.Ran == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", 100*r.Rate, r.Passed, r.Ran)
}

// severity orders the statuses a cell can show, worst highest.
var severity = map[results.Status]int{
	results.StatusCrash:        9,
	results.StatusFail:         8,
	results.StatusTimeout:      7,
	results.StatusNotBuildable: 6,
	results.StatusInfraError:   5,
	results.StatusSkip:         4,
	results.StatusPass:         3,
	results.StatusIncompatible: 2,
	results.StatusNotRun:       1,
}

// Worse reports whether status a is worse than b: crash, fail, timeout, not
// buildable, infra_error, skip, pass, incompatible, not run, worst first. A status this
// build does not know counts as fail.
func Worse(a, b results.Status) bool { return rank(a) > rank(b) }

func rank(s results.Status) int {
	if r, ok := severity[s]; ok {
		return r
	}
	return severity[results.StatusFail]
}

// BuildMatrix builds the compatibility matrix of in.
func BuildMatrix(in MatrixInput) Matrix {
	keepCategory := func(c string) bool { return len(in.Categories) == 0 || slices.Contains(in.Categories, c) }

	platforms := slices.Clone(in.Platforms)
	if len(platforms) == 0 {
		for _, r := range in.Results {
			if hw := hardwareOf(r); hw != "" && !slices.Contains(platforms, hw) {
				platforms = append(platforms, hw)
			}
		}
		slices.Sort(platforms)
	}
	column := map[string]int{}
	for i, p := range platforms {
		column[p] = i
	}

	// Rows: the given architectures, then those only results know.
	type rowState struct {
		row  Row
		seen bool
		res  [][]results.Result // per column
	}
	var states []*rowState
	byArch := map[string]*rowState{}
	addRow := func(a Arch) {
		if _, dup := byArch[a.Name]; dup {
			return
		}
		s := &rowState{row: Row{Architecture: a.Name, Category: a.Category}, res: make([][]results.Result, len(platforms))}
		states = append(states, s)
		byArch[a.Name] = s
	}
	for _, a := range in.Archs {
		addRow(a)
	}
	var extra []Arch
	for _, r := range in.Results {
		if name := archOf(r); name != "" && byArch[name] == nil && !slices.ContainsFunc(extra, func(a Arch) bool { return a.Name == name }) {
			extra = append(extra, Arch{Name: name, Category: r.Category})
		}
	}
	slices.SortFunc(extra, func(a, b Arch) int { return cmp.Compare(a.Name, b.Name) })
	for _, a := range extra {
		addRow(a)
	}

	for _, r := range in.Results {
		if r.Status == results.StatusIncompatible || (r.Status == results.StatusNotRun && r.ErrorMessage == "") {
			continue // derived statuses, never results
		}
		// A not-run result with a message is a planned test that never ran
		// (its shard was lost): it shows, with the reason, and counts nowhere.
		s := byArch[archOf(r)]
		col, ok := column[hardwareOf(r)]
		if s == nil || !ok {
			continue
		}
		s.seen = true
		s.res[col] = append(s.res[col], r)
	}

	m := Matrix{Platforms: platforms, Rows: []Row{}, Labels: columnLabels(platforms, in.Labels, in.Results)}
	cl := outcome.NewClassifier(in.Results, in.Declared)
	catCounts := map[string]*Counts{}
	platCounts := make([]Counts, len(platforms))
	var total Counts
	for _, s := range states {
		if !keepCategory(s.row.Category) || (!s.seen && !in.All) {
			continue
		}
		var rowCounts Counts
		for col, hw := range platforms {
			c := buildCell(s.row, hw, s.res[col], in.Compat, cl)
			rowCounts.merge(c.Counts)
			platCounts[col].merge(c.Counts)
			s.row.Cells = append(s.row.Cells, c)
		}
		s.row.Rate = rateOf(s.row.Architecture, rowCounts)
		if catCounts[s.row.Category] == nil {
			catCounts[s.row.Category] = &Counts{}
		}
		catCounts[s.row.Category].merge(rowCounts)
		total.merge(rowCounts)
		m.Rows = append(m.Rows, s.row)
	}
	cats := make([]string, 0, len(catCounts))
	for c := range catCounts {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	m.ByCategory = []Rate{}
	for _, c := range cats {
		m.ByCategory = append(m.ByCategory, rateOf(c, *catCounts[c]))
	}
	m.ByPlatform = []Rate{}
	for col, hw := range platforms {
		m.ByPlatform = append(m.ByPlatform, rateOf(hw, platCounts[col]))
	}
	m.Total = rateOf("total", total)
	return m
}

// buildCell builds the cell of row on platform hw from its results rs.
func buildCell(row Row, hw string, rs []results.Result, compat func(arch, hw string) (bool, string), cl *outcome.Classifier) Cell {
	arch := row.Architecture
	c := Cell{Hardware: hw, Status: results.StatusNotRun}
	if len(rs) == 0 {
		if compat != nil {
			if ok, reason := compat(arch, hw); !ok {
				c.Status, c.Reason = results.StatusIncompatible, reason
				return c
			}
		}
		if d, ok := cl.Declaration(arch, row.Category, hw); ok {
			c.Outcome, c.Reason, c.Link = outcome.Declared, d.Reason, d.Link
		}
		return c
	}
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b results.Result) int { return cmp.Compare(a.TestID, b.TestID) })
	for i, r := range rs {
		if r.Category == "" {
			r.Category = row.Category
		}
		v := cl.Classify(r)
		if r.Status != results.StatusNotRun {
			c.Counts.addClassed(r.Status, v.Class, hw)
		}
		c.Tests = append(c.Tests, r.TestID)
		if i == 0 || Worse(r.Status, c.Status) {
			c.Status, c.Reason, c.Outcome, c.Link = r.Status, r.ErrorMessage, v.Class, v.Link
			if v.Class == outcome.Declared {
				c.Reason = v.Reason
			}
		}
	}
	if _, known := severity[c.Status]; !known {
		c.Status = results.StatusFail
	}
	return c
}

// archOf and hardwareOf read a result's architecture and platform, falling
// back on its test id.
func archOf(r results.Result) string {
	if r.Architecture != "" {
		return r.Architecture
	}
	id, _ := testid.Parse(r.TestID)
	return id.Model
}

// AdapterLabels reads the adapter each web platform ran on from its results
// (extra.adapter_label, e.g. "webgpu (SwiftShader CPU adapter)"), so that a
// CPU fallback adapter is never shown as if it were a GPU. The first result
// with a label names its platform.
func AdapterLabels(rs []results.Result) map[string]string {
	labels := map[string]string{}
	for _, r := range rs {
		hw := hardwareOf(r)
		if r.Extra == "" || labels[hw] != "" || !strings.Contains(r.Extra, `"adapter_label"`) {
			continue
		}
		var extra struct {
			AdapterLabel string `json:"adapter_label"`
		}
		if json.Unmarshal([]byte(r.Extra), &extra) == nil && extra.AdapterLabel != "" {
			labels[hw] = extra.AdapterLabel
		}
	}
	return labels
}

// columnLabels are the labels of the columns: given ones first, then the
// adapters the results ran on; nil when no column has one.
func columnLabels(platforms []string, given map[string]string, rs []results.Result) map[string]string {
	adapters := AdapterLabels(rs)
	var out map[string]string
	for _, p := range platforms {
		l := given[p]
		if l == "" {
			l = adapters[p]
		}
		if l != "" && l != p {
			if out == nil {
				out = map[string]string{}
			}
			out[p] = l
		}
	}
	return out
}

func hardwareOf(r results.Result) string {
	if r.Hardware != "" {
		return r.Hardware
	}
	id, _ := testid.Parse(r.TestID)
	return id.Hardware
}

// CatalogArchs are the matrix rows of a catalog's architectures, in its order.
func CatalogArchs(archs []catalog.Architecture) []Arch {
	out := make([]Arch, len(archs))
	for i, a := range archs {
		out[i] = Arch{Name: a.Name, Category: a.Category}
	}
	return out
}

// ResultPlatforms are a matrix's columns when none are named: the
// platforms rs are of, in order (the registry's keys), then those order
// lacks (a platform since removed), sorted.
func ResultPlatforms(rs []results.Result, order []string) []string {
	seen := map[string]bool{}
	for _, r := range rs {
		if r.Hardware != "" {
			seen[r.Hardware] = true
		}
	}
	var keys []string
	for _, k := range order {
		if seen[k] {
			keys = append(keys, k)
			delete(seen, k)
		}
	}
	unknown := make([]string, 0, len(seen))
	for k := range seen {
		unknown = append(unknown, k)
	}
	slices.Sort(unknown)
	return append(keys, unknown...)
}
