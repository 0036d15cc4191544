package reporter

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/results"
)

// tierWeight is the popularity of a tier in a coverage plan's score.
var tierWeight = map[string]int{"key": 3, "high": 2, "normal": 1}

// PlanInput is what BuildPlan reads.
type PlanInput struct {
	// Matrix has every catalog architecture (BuildMatrix with All set).
	Matrix Matrix
	// Popularity gives each architecture's tier and download rank.
	Popularity map[string]Popularity
	// Results are the newest result per test; Fingerprints their failure
	// fingerprints (fingerprint.Assign).
	Results      []results.Result
	Fingerprints map[int64]fingerprint.Stored
	// Top keeps the first Top items; 0 keeps all.
	Top int
}

// Plan is what to do next for coverage, most valuable first. Its JSON
// field names are stable.
type Plan struct {
	// Items are architectures that do not pass everywhere they can run,
	// ordered by score (popularity × gap).
	Items []PlanItem `json:"items"`
	// More is how many items Top left out.
	More int `json:"more"`
	// Fixes are the failure groups, the templates fixing each touches and
	// an effort estimate, most cells unblocked first.
	Fixes []PlanFix `json:"fixes"`
}

// PlanItem is one architecture to work on.
type PlanItem struct {
	Rank           int    `json:"rank"`
	Architecture   string `json:"architecture"`
	Category       string `json:"category"`
	Priority       string `json:"priority"`
	PopularityRank int    `json:"popularity_rank,omitempty"`
	// Popularity is the tier's weight: key 3, high 2, normal 1.
	Popularity int `json:"popularity"`
	// Gap is how many platforms it can run on but does not pass on.
	Gap int `json:"gap"`
	// Score is Popularity × Gap.
	Score   int           `json:"score"`
	Missing []PlatformGap `json:"missing"`
	// Fixes are the fingerprints of the failure groups blocking it.
	Fixes []string `json:"fixes"`
	// Next is the first thing to do, as a sentence.
	Next string `json:"next"`
}

// PlanFix is one failure group: what fixing it unblocks and touches.
type PlanFix struct {
	Fingerprint   string   `json:"fingerprint"`
	ErrorCategory string   `json:"error_category"`
	Example       string   `json:"example"`
	Cells         int      `json:"cells"`
	Architectures []string `json:"architectures"`
	Platforms     []string `json:"platforms"`
	// Templates are the template files the fix touches: the most specific
	// template every failing test shares, else the template each one was
	// chosen by (family, category-hardware, category).
	Templates []string `json:"templates"`
	// Effort is small (one template, at most 3 architectures), medium (at
	// most 3 templates) or large (more, or an architecture hwcov cannot
	// build).
	Effort   string `json:"effort"`
	Solution string `json:"solution,omitempty"`
}

// BuildPlan orders the architectures with a gap by popularity × gap and
// estimates the effort of each failure group.
func BuildPlan(in PlanInput) Plan {
	plan := Plan{Items: []PlanItem{}, Fixes: buildFixes(in.Results, in.Fingerprints)}
	blocking := map[string][]string{} // "arch\x00hw" -> fingerprints, biggest fix first
	for _, f := range plan.Fixes {
		for _, r := range in.Results {
			if fp, ok := in.Fingerprints[r.ID]; ok && fp.ID == f.Fingerprint && fingerprint.Failed(r.Status) {
				k := r.Architecture + "\x00" + r.Hardware
				if !slices.Contains(blocking[k], f.Fingerprint) {
					blocking[k] = append(blocking[k], f.Fingerprint)
				}
			}
		}
	}
	for _, row := range in.Matrix.Rows {
		pop := in.Popularity[row.Architecture]
		tier := cmp.Or(pop.Priority, "normal")
		it := PlanItem{Architecture: row.Architecture, Category: row.Category, Priority: tier, PopularityRank: pop.Rank,
			Popularity: tierWeight[tier], Missing: []PlatformGap{}, Fixes: []string{}}
		var notRun []string
		for _, c := range row.Cells {
			if c.Counts.Pass > 0 || c.Status == results.StatusIncompatible {
				continue
			}
			it.Missing = append(it.Missing, PlatformGap{c.Hardware, c.Status, firstLineOf(c.Reason)})
			for _, fp := range blocking[row.Architecture+"\x00"+c.Hardware] {
				if !slices.Contains(it.Fixes, fp) {
					it.Fixes = append(it.Fixes, fp)
				}
			}
			if c.Status == results.StatusNotRun {
				notRun = append(notRun, c.Hardware)
			}
		}
		if it.Gap = len(it.Missing); it.Gap == 0 {
			continue
		}
		it.Score = it.Popularity * it.Gap
		it.Next = nextStep(it, notRun)
		plan.Items = append(plan.Items, it)
	}
	slices.SortStableFunc(plan.Items, func(a, b PlanItem) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(rankOrLast(a.PopularityRank), rankOrLast(b.PopularityRank)), cmp.Compare(a.Architecture, b.Architecture))
	})
	for i := range plan.Items {
		plan.Items[i].Rank = i + 1
	}
	if in.Top > 0 && len(plan.Items) > in.Top {
		plan.More = len(plan.Items) - in.Top
		plan.Items = plan.Items[:in.Top]
	}
	return plan
}

func rankOrLast(r int) int {
	if r <= 0 {
		return int(^uint(0) >> 1)
	}
	return r
}

// nextStep says what to do first for an item: fix its biggest failure
// group, else run what never ran, else see why its tests did not run.
func nextStep(it PlanItem, notRun []string) string {
	switch {
	case len(it.Fixes) > 0:
		return "fix failure group " + it.Fixes[0] + " (hwcov report failures --by-pattern)"
	case len(notRun) > 0:
		return "run it: hwcov run --models " + it.Architecture + " --hardware " + strings.Join(notRun, ",")
	}
	var why []string
	for _, m := range it.Missing {
		why = append(why, m.String())
	}
	return "see why it did not run: " + strings.Join(why, ", ")
}

// buildFixes turns the failure groups of rs into fixes with their effort.
func buildFixes(rs []results.Result, fps map[int64]fingerprint.Stored) []PlanFix {
	rep := fingerprint.Build(rs, fps, []string{"fingerprint"})
	byFP := map[string][]results.Result{}
	for _, r := range rs {
		if fp, ok := fps[r.ID]; ok && fingerprint.Failed(r.Status) {
			byFP[fp.ID] = append(byFP[fp.ID], r)
		}
	}
	fixes := []PlanFix{}
	for _, g := range rep.Groups {
		failed := byFP[g.Fingerprint]
		cells := map[string]bool{}
		buildable := true
		for _, r := range failed {
			cells[r.Architecture+"\x00"+r.Hardware] = true
			buildable = buildable && r.Status != results.StatusNotBuildable
		}
		f := PlanFix{Fingerprint: g.Fingerprint, ErrorCategory: g.ErrorCategory, Example: g.Example.Message, Cells: len(cells),
			Architectures: g.Architectures, Platforms: g.Platforms, Templates: touchedTemplates(failed), Solution: g.Solution}
		switch {
		case !buildable || len(f.Templates) > 3:
			f.Effort = "large"
		case len(f.Templates) == 1 && len(f.Architectures) <= 3:
			f.Effort = "small"
		default:
			f.Effort = "medium"
		}
		fixes = append(fixes, f)
	}
	slices.SortStableFunc(fixes, func(a, b PlanFix) int {
		return cmp.Or(cmp.Compare(b.Cells, a.Cells), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	return fixes
}

// specificity orders roles for a fix: the most specific template first.
var specificity = []string{"family", "category-hardware", "category", "hardware", "other"}

// touchedTemplates are the templates fixing rs touches: the most specific
// non-base template all of them share, else each one's selected template
// (family, else category-hardware, else category, else base).
func touchedTemplates(rs []results.Result) []string {
	if len(rs) == 0 {
		return []string{}
	}
	shared := map[string]int{} // file -> tests using it
	selected := map[string]bool{}
	for _, r := range rs {
		var best Layer
		for _, l := range Layers(r) {
			shared[l.File]++
			if l.Role != "hardware" && l.Role != "other" && (best.File == "" || roleIndex(l.Role) < roleIndex(best.Role)) {
				best = l
			}
		}
		if best.File != "" {
			selected[best.File] = true
		}
	}
	for _, role := range specificity {
		for _, l := range Layers(rs[0]) {
			if l.Role == role && shared[l.File] == len(rs) {
				return []string{l.File}
			}
		}
	}
	out := []string{}
	for f := range selected {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// roleIndex ranks a role for choosing a test's selected template: family
// first, base last.
func roleIndex(role string) int {
	if i := slices.Index(specificity, role); i >= 0 {
		return i
	}
	return len(specificity)
}

// Tables are the plan as tables; with effort, the failure groups' effort too.
func (p Plan) Tables(effort bool) []Table {
	items := Table{Title: "Coverage plan: what to do next", Header: []string{"#", "architecture", "tier", "score", "platforms not passing", "next step"}, Rows: [][]string{}}
	fixOf := map[string]PlanFix{}
	for _, f := range p.Fixes {
		fixOf[f.Fingerprint] = f
	}
	if effort {
		items.Header = append(items.Header, "templates to touch", "effort")
	}
	for _, it := range p.Items {
		var missing []string
		for _, m := range it.Missing {
			missing = append(missing, m.String())
		}
		row := []string{strconv.Itoa(it.Rank), it.Architecture, it.Priority, fmt.Sprintf("%d = %d × %d", it.Score, it.Popularity, it.Gap), strings.Join(missing, ", "), it.Next}
		if effort {
			files, worst := []string{}, ""
			for _, fp := range it.Fixes {
				f := fixOf[fp]
				for _, t := range f.Templates {
					if !slices.Contains(files, t) {
						files = append(files, t)
					}
				}
				if slices.Index(efforts, f.Effort) > slices.Index(efforts, worst) {
					worst = f.Effort
				}
			}
			row = append(row, strconv.Itoa(len(files)), dash(worst))
		}
		items.Rows = append(items.Rows, row)
	}
	items.Notes = []string{"score = popularity × gap: popularity is the tier's weight (key 3, high 2, normal 1), gap the platforms the architecture can run on but does not pass on. Ties go to the more downloaded architecture."}
	if p.More > 0 {
		items.Notes = append(items.Notes, fmt.Sprintf("%d more architectures have a gap (--top 0 lists all).", p.More))
	}
	if len(p.Items) == 0 {
		items.Notes = []string{"Nothing to do: every architecture passes on every platform it can run on."}
	}
	if !effort {
		return []Table{items}
	}
	if len(p.Items) > 0 {
		items.Notes = append(items.Notes, "templates to touch and effort: of the failure groups blocking the architecture (below); – when none blocks it (it only needs a run).")
	}
	fixes := Table{Title: "Effort: failure groups to fix", Header: []string{"fingerprint", "error category", "cells blocked", "architectures", "platforms", "templates to touch", "effort", "example"}, Rows: [][]string{}}
	count := map[string]int{}
	var all []string
	for _, f := range p.Fixes {
		count[f.Effort]++
		for _, t := range f.Templates {
			if !slices.Contains(all, t) {
				all = append(all, t)
			}
		}
		fixes.Rows = append(fixes.Rows, []string{f.Fingerprint, f.ErrorCategory, strconv.Itoa(f.Cells), clip(strings.Join(f.Architectures, ", "), 50),
			strings.Join(f.Platforms, ", "), strings.Join(f.Templates, ", "), f.Effort, clip(f.Example, 80)})
	}
	fixes.Notes = []string{fmt.Sprintf("%d failure groups: %d small, %d medium, %d large; together they touch %d templates.",
		len(p.Fixes), count["small"], count["medium"], count["large"], len(all)),
		"cells blocked: (architecture, platform) pairs failing with that fingerprint. Templates to touch: the most specific template all its failing tests share, else the template each was chosen by. " +
			"Effort: small = one template and at most 3 architectures; medium = at most 3 templates; large = more, or an architecture transformers cannot build from a config."}
	return []Table{items, fixes}
}

// efforts orders effort estimates, least first.
var efforts = []string{"", "small", "medium", "large"}

// WritePlan renders p in format (table, markdown or json); effort adds the
// effort estimate to table and markdown (json always has it).
func WritePlan(w io.Writer, p Plan, effort bool, format string) error {
	if format == "json" {
		return writeIndentedJSON(w, p)
	}
	return renderAnalysis(w, p.Tables(effort), format)
}
