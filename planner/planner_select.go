package planner

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
)

// Reasons a test is picked in priority-high mode.
const (
	ReasonKeyModel   = "key model"
	ReasonLastFailed = "failed in the last run"
)

// Groups in priority-high mode, in budget order.
const (
	groupKey = iota
	groupDiff
	groupFailed
)

var groupNames = [...]string{"key", "diff-touched", "last-failed"}

// SelectOptions are the inputs of priority-high CI mode.
type SelectOptions struct {
	// Matrix gives the candidate tests: usually every architecture of the
	// catalog on the platforms of the run.
	Matrix MatrixOptions
	// ChangedFiles are the paths the change touches, relative to the
	// repository root (see [ChangedFile]).
	ChangedFiles []string
	// LastFailed are the ids of the tests that failed in the last run.
	LastFailed []string
	// BudgetMinutes caps the summed estimated duration of the picked tests
	// (machine time over all platforms); 0 means no cap.
	BudgetMinutes float64
	// Durations are seconds per test id from earlier runs, for the estimates.
	Durations map[string]float64
	// DefaultSeconds is the estimate without any history; 0 = DefaultTestSeconds.
	DefaultSeconds float64
	// HasTemplate, when set, says whether a template (relative name such as
	// "hardware/qualcomm.py.tmpl") exists, so that a changed backend template
	// (hardware/onnxruntime.py.tmpl) selects only the platforms that fall
	// back to it. Without it, every platform of that backend is selected.
	HasTemplate func(name string) bool
}

// Pick is one test of a selection and why it was chosen.
type Pick struct {
	Test       string   `json:"test"`
	Reasons    []string `json:"reasons"`
	EstSeconds float64  `json:"est_seconds"`
}

// Selection is the outcome of priority-high mode.
type Selection struct {
	// Matrix holds the picked tests in pick order, ready for NewPlan.
	Matrix *Matrix
	// Picked lists the tests that fit the budget, in priority order: key
	// models, then what the diff touches, then what failed last time.
	Picked []Pick
	// Dropped lists the tests that were chosen but did not fit the budget.
	Dropped []Pick
	// Unmatched lists the changed files that select no test, as "path: why".
	Unmatched []string
	// Notes say what else happened (ignored last-failed ids, the budget).
	Notes         []string
	BudgetMinutes float64
}

// Select is the guide's `--ci-mode --priority high`: it picks the key models'
// tests, every test a changed file touches (see [ChangedFile]) and the tests
// that failed in the last run, then keeps, in that order of priority and by
// [Score] within each group, each test that still fits the budget.
//
// A last-failed id outside the candidate matrix (another batch size, say) is
// run as given when its architecture and platform are known and the matrix
// rules allow it; otherwise it is ignored with a note.
func Select(opts SelectOptions) (*Selection, error) {
	if opts.BudgetMinutes < 0 || math.IsNaN(opts.BudgetMinutes) || math.IsInf(opts.BudgetMinutes, 0) {
		return nil, optionsErr("budget", "--budget-minutes 60 (0 for no cap)", "%v is not a number of minutes", opts.BudgetMinutes)
	}
	full, err := BuildMatrix(opts.Matrix)
	if err != nil {
		return nil, err
	}
	sel := &Selection{BudgetMinutes: opts.BudgetMinutes}

	platforms := make(map[string]hardware.Platform, len(full.Platforms))
	for _, p := range full.Platforms {
		platforms[p.PlatformKey] = p
	}
	archs := make(map[string]catalog.Architecture, len(opts.Matrix.Architectures))
	for _, a := range opts.Matrix.Architectures {
		archs[a.Name] = a
	}

	tests := full.Tests
	reasons := make(map[int][]string)
	group := make(map[int]int)
	mark := func(i, g int, why string) {
		if old, ok := group[i]; !ok || g < old {
			group[i] = g
		}
		for _, r := range reasons[i] {
			if r == why {
				return
			}
		}
		reasons[i] = append(reasons[i], why)
	}

	for i, t := range tests {
		if t.Tier == catalog.PriorityKey {
			mark(i, groupKey, ReasonKeyModel)
		}
	}

	var changes []ChangedFile
	seenPath := map[string]bool{}
	for _, p := range opts.ChangedFiles {
		if strings.TrimSpace(p) == "" || seenPath[p] {
			continue
		}
		seenPath[p] = true
		changes = append(changes, ClassifyChange(p))
	}
	for _, c := range changes {
		if !c.Touches() {
			sel.Unmatched = append(sel.Unmatched, c.Path+": "+c.Note)
			continue
		}
		n := 0
		for i, t := range tests {
			if c.touches(t, platforms, opts.HasTemplate) {
				mark(i, groupDiff, c.Reason)
				n++
			}
		}
		if n == 0 {
			sel.Unmatched = append(sel.Unmatched, c.Path+": "+noTestsFor(c))
		}
	}

	index := make(map[string]int, len(tests))
	for i, t := range tests {
		index[t.Name] = i
	}
	seenFailed := map[string]bool{}
	for _, s := range opts.LastFailed {
		s = strings.TrimSpace(s)
		if s == "" || seenFailed[s] {
			continue
		}
		seenFailed[s] = true
		id, err := testid.Parse(s)
		if err != nil {
			sel.Notes = append(sel.Notes, fmt.Sprintf("ignored last-failed %v", err))
			continue
		}
		name := id.String()
		if i, ok := index[name]; ok {
			mark(i, groupFailed, ReasonLastFailed)
			continue
		}
		t, why := failedTest(id, archs, platforms)
		if why != "" {
			sel.Notes = append(sel.Notes, fmt.Sprintf("ignored last-failed %q: %s", s, why))
			continue
		}
		tests = append(tests, t)
		index[name] = len(tests) - 1
		mark(len(tests)-1, groupFailed, ReasonLastFailed)
	}

	chosen := make([]int, 0, len(group))
	for i := range group {
		chosen = append(chosen, i)
	}
	sort.Slice(chosen, func(a, b int) bool {
		ia, ib := chosen[a], chosen[b]
		if group[ia] != group[ib] {
			return group[ia] < group[ib]
		}
		ta, tb := tests[ia], tests[ib]
		if ta.Score != tb.Score {
			return ta.Score > tb.Score
		}
		return ta.Name < tb.Name
	})

	est := newEstimator(opts.Durations, full.categoryOf, opts.DefaultSeconds)
	budget := opts.BudgetMinutes * 60
	used, droppedSec := 0.0, 0.0
	var droppedBy [3]int
	picked := make([]Test, 0, len(chosen))
	keepModel := map[string]bool{}
	for _, i := range chosen {
		t := tests[i]
		sec := est.estimate(t)
		p := Pick{Test: t.Name, Reasons: reasons[i], EstSeconds: round1(sec)}
		keepModel[t.ID.Model] = true
		if budget > 0 && used+sec > budget*(1+1e-9) {
			sel.Dropped = append(sel.Dropped, p)
			droppedSec += sec
			droppedBy[group[i]]++
			continue
		}
		used += sec
		sel.Picked = append(sel.Picked, p)
		picked = append(picked, t)
	}
	if len(sel.Dropped) > 0 {
		sel.Notes = append(sel.Notes, fmt.Sprintf("budget %s: picked %d tests (est %s); dropped %d that did not fit (est %s: %d %s, %d %s, %d %s)",
			minutes(budget), len(sel.Picked), minutes(used), len(sel.Dropped), minutes(droppedSec),
			droppedBy[groupKey], groupNames[groupKey], droppedBy[groupDiff], groupNames[groupDiff], droppedBy[groupFailed], groupNames[groupFailed]))
	}

	m := &Matrix{Tests: picked, Platforms: full.Platforms, categoryOf: full.categoryOf}
	for _, sk := range full.Skipped {
		model, _, _ := strings.Cut(sk.Test, "@")
		if keepModel[model] {
			m.Skipped = append(m.Skipped, sk)
		}
	}
	m.Notes = append(m.Notes, fmt.Sprintf("priority high: %d tests picked of %d candidates", len(picked), len(full.Tests)))
	m.Notes = append(m.Notes, sel.Notes...)
	sel.Matrix = m
	return sel, nil
}

// failedTest makes a test for a last-failed id outside the matrix, or says why not.
func failedTest(id testid.ID, archs map[string]catalog.Architecture, platforms map[string]hardware.Platform) (Test, string) {
	a, ok := archs[id.Model]
	if !ok {
		return Test{}, fmt.Sprintf("no architecture %q among the candidates", id.Model)
	}
	p, ok := platforms[id.Hardware]
	if !ok {
		return Test{}, fmt.Sprintf("platform %q is not in this run", id.Hardware)
	}
	if ok, reason := hardware.Compatible(a, p, id.Precision); !ok {
		return Test{}, reason
	}
	if reason, _ := cellRule(a, p, id.Batch, id.Seq); reason != "" {
		return Test{}, reason
	}
	return newTest(a, id), ""
}

// noTestsFor says why a change that names something selected no test.
func noTestsFor(c ChangedFile) string {
	var parts []string
	if c.Model != "" {
		parts = append(parts, "architecture "+c.Model)
	}
	if c.Category != "" {
		parts = append(parts, "category "+c.Category)
	}
	if c.Hardware != "" {
		parts = append(parts, "hardware "+c.Hardware)
	}
	return "no test in this run for " + strings.Join(parts, " on ")
}

// Explain says, one line per test, why each test was picked, then what did
// not fit the budget, which changed files selected nothing, and the notes.
func (s *Selection) Explain() string {
	var b strings.Builder
	total := 0.0
	for _, p := range s.Picked {
		total += p.EstSeconds
	}
	fmt.Fprintf(&b, "picked %d tests (est %s", len(s.Picked), minutes(total))
	if s.BudgetMinutes > 0 {
		fmt.Fprintf(&b, " of a %s budget", minutes(s.BudgetMinutes*60))
	}
	fmt.Fprintf(&b, ")")
	if len(s.Dropped) > 0 {
		fmt.Fprintf(&b, "; dropped %d over the budget", len(s.Dropped))
	}
	b.WriteString("\n")
	for _, p := range s.Picked {
		fmt.Fprintf(&b, "  %s: %s\n", p.Test, strings.Join(p.Reasons, "; "))
	}
	if len(s.Dropped) > 0 {
		b.WriteString("dropped (over the budget):\n")
		for _, p := range s.Dropped {
			fmt.Fprintf(&b, "  %s: %s\n", p.Test, strings.Join(p.Reasons, "; "))
		}
	}
	if len(s.Unmatched) > 0 {
		b.WriteString("changed files that select no test:\n")
		for _, u := range s.Unmatched {
			fmt.Fprintf(&b, "  %s\n", u)
		}
	}
	if len(s.Notes) > 0 {
		b.WriteString("notes:\n")
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	return b.String()
}
