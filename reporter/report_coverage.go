package reporter

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/results"
)

// AnalysisFormats are the formats of the coverage, trends, coverage-plan
// and templates reports.
var AnalysisFormats = []string{"table", "markdown", "json"}

// Popularity is what the catalog says about an architecture's importance.
type Popularity struct {
	// Priority is the tier: key, high or normal.
	Priority string
	// Rank is 1 for the most downloaded architecture, 0 when unknown.
	Rank int
}

// PopularityOf is each catalog architecture's tier and download rank.
func PopularityOf(c *catalog.Catalog) map[string]Popularity {
	out := make(map[string]Popularity, len(c.Architectures))
	for _, a := range c.Architectures {
		out[a.Name] = Popularity{Priority: a.Priority, Rank: a.PopularityRank}
	}
	return out
}

// priorityTiers are the priority priorityTiers, most important first.
var priorityTiers = []string{"key", "high", "normal"}

// Coverage is how much of the catalog runs where: per category, platform and
// priority tier, and the gaps. Its JSON field names are stable.
type Coverage struct {
	// Platforms are the platforms looked at ("platforms").
	Platforms []string `json:"platforms"`
	// Total covers every architecture ("total").
	Total CoverageGroup `json:"total"`
	// ByCategory, ByPlatform and ByPriority split Total.
	ByCategory []CoverageGroup `json:"by_category"`
	ByPlatform []CoverageGroup `json:"by_platform"`
	ByPriority []CoverageGroup `json:"by_priority"`
	// NoPassingPlatform are tested architectures that pass on no platform.
	NoPassingPlatform []ArchGap `json:"no_passing_platform"`
	// KeyModelGaps are key models with a platform they can run on but do
	// not pass on (failed, or not run yet).
	KeyModelGaps []ArchGap `json:"key_model_gaps"`
}

// CoverageGroup counts the architectures of a category, platform or tier.
type CoverageGroup struct {
	Name string `json:"name"`
	// Architectures are those in the group; for a platform, those that can
	// run on it (not declared incompatible).
	Architectures int `json:"architectures"`
	// Tested have at least one result; Passing at least one pass.
	Tested  int `json:"tested"`
	Passing int `json:"passing"`
	// Tests is the pass rate of the group's tests.
	Tests Rate `json:"tests"`
}

// ArchGap is an architecture and the platforms it does not pass on.
type ArchGap struct {
	Architecture string        `json:"architecture"`
	Category     string        `json:"category"`
	Priority     string        `json:"priority"`
	Platforms    []PlatformGap `json:"platforms"`
}

// PlatformGap is one platform an architecture does not pass on, and why:
// the cell's worst status and its error, or not_run.
type PlatformGap struct {
	Hardware string         `json:"hardware"`
	Status   results.Status `json:"status"`
	Reason   string         `json:"reason,omitempty"`
}

func (g PlatformGap) String() string {
	return g.Hardware + " (" + statusText(g.Status) + ")"
}

// BuildCoverage counts m, a matrix of every catalog architecture (BuildMatrix
// with All set), by category, platform and tier; pop gives each
// architecture's tier (normal when missing).
func BuildCoverage(m Matrix, pop map[string]Popularity) Coverage {
	cov := Coverage{Platforms: m.Platforms, NoPassingPlatform: []ArchGap{}, KeyModelGaps: []ArchGap{}}
	type acc struct {
		g      CoverageGroup
		counts Counts
	}
	groups := map[string]*acc{}
	get := func(kind, name string) *acc {
		k := kind + "\x00" + name
		if groups[k] == nil {
			groups[k] = &acc{g: CoverageGroup{Name: name}}
		}
		return groups[k]
	}
	for _, row := range m.Rows {
		tier := cmp.Or(pop[row.Architecture].Priority, "normal")
		var counts Counts
		tested, passing := false, false
		var missing, tried []PlatformGap
		for _, c := range row.Cells {
			counts.merge(c.Counts)
			p := get("platform", c.Hardware)
			if c.Status != results.StatusIncompatible {
				p.g.Architectures++
			}
			if c.Counts.Total() > 0 {
				p.g.Tested++
				tested = true
				tried = append(tried, PlatformGap{c.Hardware, c.Status, firstLineOf(c.Reason)})
			}
			if c.Counts.Pass > 0 {
				p.g.Passing++
				passing = true
			} else if c.Status != results.StatusIncompatible {
				missing = append(missing, PlatformGap{c.Hardware, c.Status, firstLineOf(c.Reason)})
			}
			p.counts.merge(c.Counts)
		}
		for _, a := range []*acc{get("category", row.Category), get("priority", tier), get("total", "total")} {
			a.g.Architectures++
			a.g.Tested += b2i(tested)
			a.g.Passing += b2i(passing)
			a.counts.merge(counts)
		}
		gap := ArchGap{Architecture: row.Architecture, Category: row.Category, Priority: tier}
		if tested && !passing {
			gap.Platforms = tried
			cov.NoPassingPlatform = append(cov.NoPassingPlatform, gap)
		}
		if tier == "key" && len(missing) > 0 {
			gap.Platforms = missing
			cov.KeyModelGaps = append(cov.KeyModelGaps, gap)
		}
	}
	collect := func(kind string, names []string) []CoverageGroup {
		out := []CoverageGroup{}
		for _, n := range names {
			if a := groups[kind+"\x00"+n]; a != nil {
				a.g.Tests = rateOf(n, a.counts)
				out = append(out, a.g)
			}
		}
		return out
	}
	var cats []string
	for _, r := range m.ByCategory {
		cats = append(cats, r.Name)
	}
	cov.ByCategory = collect("category", cats)
	cov.ByPlatform = collect("platform", m.Platforms)
	cov.ByPriority = collect("priority", priorityTiers)
	if t := collect("total", []string{"total"}); len(t) == 1 {
		cov.Total = t[0]
	}
	slices.SortStableFunc(cov.NoPassingPlatform, func(a, b ArchGap) int {
		return cmp.Or(cmp.Compare(slices.Index(priorityTiers, a.Priority), slices.Index(priorityTiers, b.Priority)), cmp.Compare(a.Architecture, b.Architecture))
	})
	return cov
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// statusText names a status for a reader: "not run", "not buildable".
func statusText(s results.Status) string { return strings.ReplaceAll(string(s), "_", " ") }

// Summary says in one sentence how much runs.
func (c Coverage) Summary() string {
	t := c.Total
	return fmt.Sprintf("%d of %d architectures tested on %s: %d pass on at least one platform, %d on none; %d key models miss a platform. Tests passed: %s.",
		t.Tested, t.Architectures, orNone(c.Platforms), t.Passing, len(c.NoPassingPlatform), len(c.KeyModelGaps), t.Tests)
}

// Tables are the report as tables, each with notes that say how to read it.
func (c Coverage) Tables() []Table {
	groupTable := func(title, what, archs string, gs []CoverageGroup) Table {
		t := Table{Title: title, Header: []string{what, archs, "tested", "passing somewhere", "tests passed"}, Rows: [][]string{}}
		if what == "platform" {
			t.Header[3] = "passing here"
		}
		for _, g := range gs {
			t.Rows = append(t.Rows, []string{g.Name, strconv.Itoa(g.Architectures), strconv.Itoa(g.Tested), strconv.Itoa(g.Passing), g.Tests.String()})
		}
		return t
	}
	cat := groupTable("Coverage by category", "category", "architectures", c.ByCategory)
	cat.Notes = []string{c.Summary(),
		"tested: has at least one result; passing somewhere: passes on at least one platform; tests passed: passes / tests that ran (skips, infrastructure errors and harness failures off cpu do not count: docs/outcomes.md)."}
	plat := groupTable("Coverage by platform", "platform", "can run here", c.ByPlatform)
	plat.Notes = []string{"can run here: architectures not declared incompatible with the platform; passing here: at least one of its tests passes on it."}
	tier := groupTable("Coverage by priority tier", "tier", "architectures", c.ByPriority)
	tier.Notes = []string{"Tiers come from the catalog and the priorities in hwcov.yaml: key (by default the guide's 13 key models), high (named examples and the most downloaded), normal (the rest)."}
	gaps := func(title, what string, gs []ArchGap, none string) Table {
		t := Table{Title: title, Header: []string{"architecture", "category", "tier", what, "first error"}, Rows: [][]string{}}
		for _, g := range gs {
			var ps []string
			reason := ""
			for _, p := range g.Platforms {
				ps = append(ps, p.String())
				if reason == "" && p.Status != results.StatusNotRun {
					reason = clip(p.Reason, 80)
				}
			}
			t.Rows = append(t.Rows, []string{g.Architecture, g.Category, g.Priority, strings.Join(ps, ", "), dash(reason)})
		}
		if len(gs) == 0 {
			t.Notes = []string{none}
		}
		return t
	}
	return []Table{cat, plat, tier,
		gaps("Architectures with no passing platform", "platforms tried", c.NoPassingPlatform, "Every tested architecture passes on at least one platform."),
		gaps("Key models missing a platform", "platforms not passing", c.KeyModelGaps, "Every key model passes on every platform it can run on."),
	}
}

// WriteCoverage renders c in format (table, markdown or json). The
// markdown form is the detailed analysis: a title, the summary, the tables
// and then the matrix m of the tested architectures.
func WriteCoverage(w io.Writer, c Coverage, m Matrix, format string) error {
	switch format {
	case "json":
		return writeIndentedJSON(w, c)
	case "markdown":
		fmt.Fprintf(w, "# Coverage analysis\n\n%s\n\n", c.Summary())
		if err := RenderTables(w, c.Tables(), "markdown"); err != nil {
			return err
		}
		io.WriteString(w, "\n### Compatibility matrix of the tested architectures\n\n")
		return RenderMatrix(w, testedRows(m), "markdown")
	}
	return renderAnalysis(w, c.Tables(), format)
}

// testedRows keeps the rows of m with at least one result.
func testedRows(m Matrix) Matrix {
	out := m
	out.Rows = nil
	for _, r := range m.Rows {
		if r.Rate.Results > 0 || slices.ContainsFunc(r.Cells, func(c Cell) bool { return c.Counts.Total() > 0 || c.Reason != "" && c.Status == results.StatusNotRun }) {
			out.Rows = append(out.Rows, r)
		}
	}
	return out
}

// renderAnalysis renders tables in table or markdown, refusing other formats.
func renderAnalysis(w io.Writer, tables []Table, format string) error {
	if !slices.Contains(AnalysisFormats, format) {
		return fmt.Errorf("unknown format %q: want one of %s", format, strings.Join(AnalysisFormats, ", "))
	}
	return RenderTables(w, tables, format)
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
