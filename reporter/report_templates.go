package reporter

import (
	"cmp"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/results"
)

// Template roles, in chain order: what each layer of a template chain is.
var templateRoles = []string{"base", "category", "category-hardware", "family", "other", "hardware"}

// Layer is one template of a result's chain: its short name as stored
// ("text-encoder"), its role and the file it lives in.
type Layer struct {
	Name string `json:"name"`
	Role string `json:"role"`
	File string `json:"file"`
}

// Layers splits r's template chain ("base > text-encoder > cpu") into its
// templates and tells each one's role from the result: the platform is the
// hardware layer, the category the category layer, category_platform the
// category-hardware layer and the architecture the family layer.
func Layers(r results.Result) []Layer {
	if strings.TrimSpace(r.TemplateChain) == "" {
		return nil
	}
	var out []Layer
	for _, name := range strings.Split(r.TemplateChain, ">") {
		name = strings.TrimSpace(name)
		l := Layer{Name: name, Role: "other", File: name}
		switch name {
		case "base":
			l.Role, l.File = "base", "base.py.tmpl"
		case r.Hardware:
			l.Role, l.File = "hardware", "hardware/"+name+".py.tmpl"
		case r.Category:
			l.Role, l.File = "category", "modality/"+name+".py.tmpl"
		case r.Category + "_" + r.Hardware:
			l.Role, l.File = "category-hardware", "modality/"+name+".py.tmpl"
		case r.Architecture:
			l.Role, l.File = "family", "family/"+name+".py.tmpl"
		}
		out = append(out, l)
	}
	return out
}

// TemplateStat is how the tests made from one template (or one whole
// chain) fare.
type TemplateStat struct {
	Template string `json:"template"`
	Role     string `json:"role"`
	// Tests is the pass rate of the tests made from it.
	Tests         Rate     `json:"tests"`
	Architectures int      `json:"architectures"`
	Platforms     []string `json:"platforms"`
	// Failing are the architectures with a failing test made from it.
	Failing []string `json:"failing"`
}

// TemplateReport is the generator's effectiveness: the pass rate per
// template and per chain.
type TemplateReport struct {
	Templates []TemplateStat `json:"templates"`
	Chains    []TemplateStat `json:"chains"`
	// NoChain counts results that record no template chain.
	NoChain int `json:"results_without_chain"`
}

// BuildTemplateReport counts rs (the newest result per test) per template
// of their chains and per chain. Templates are ordered by role, then worst
// pass rate first.
func BuildTemplateReport(rs []results.Result) TemplateReport {
	type acc struct {
		st     TemplateStat
		counts Counts
		archs  map[string]bool
	}
	tmpl, chains := map[string]*acc{}, map[string]*acc{}
	add := func(m map[string]*acc, key, role string, r results.Result) {
		a := m[key]
		if a == nil {
			a = &acc{st: TemplateStat{Template: key, Role: role, Platforms: []string{}, Failing: []string{}}, archs: map[string]bool{}}
			m[key] = a
		}
		a.counts.add(r.Status)
		a.archs[r.Architecture] = true
		if !slices.Contains(a.st.Platforms, r.Hardware) {
			a.st.Platforms = append(a.st.Platforms, r.Hardware)
		}
		if testFailed(r.Status) && !slices.Contains(a.st.Failing, r.Architecture) {
			a.st.Failing = append(a.st.Failing, r.Architecture)
		}
	}
	rep := TemplateReport{}
	for _, r := range rs {
		ls := Layers(r)
		if len(ls) == 0 {
			rep.NoChain++
			continue
		}
		for _, l := range ls {
			add(tmpl, l.File, l.Role, r)
		}
		add(chains, strings.TrimSpace(r.TemplateChain), "chain", r)
	}
	collect := func(m map[string]*acc) []TemplateStat {
		out := []TemplateStat{}
		for _, a := range m {
			a.st.Tests = rateOf(a.st.Template, a.counts)
			a.st.Architectures = len(a.archs)
			slices.Sort(a.st.Platforms)
			slices.Sort(a.st.Failing)
			out = append(out, a.st)
		}
		slices.SortFunc(out, func(a, b TemplateStat) int {
			return cmp.Or(cmp.Compare(slices.Index(templateRoles, a.Role), slices.Index(templateRoles, b.Role)),
				cmp.Compare(a.Tests.Rate, b.Tests.Rate), cmp.Compare(a.Template, b.Template))
		})
		return out
	}
	rep.Templates, rep.Chains = collect(tmpl), collect(chains)
	return rep
}

// testFailed reports whether s is a failure of the test: fail, crash, timeout.
func testFailed(s results.Status) bool {
	return s == results.StatusFail || s == results.StatusCrash || s == results.StatusTimeout
}

// Tables are the report as tables.
func (t TemplateReport) Tables() []Table {
	table := func(title, what string, ss []TemplateStat, withRole bool) Table {
		tb := Table{Title: title, Header: []string{what, "tests passed", "architectures", "platforms", "failing architectures"}, Rows: [][]string{}}
		if withRole {
			tb.Header = slices.Insert(tb.Header, 1, "role")
		}
		for _, s := range ss {
			row := []string{s.Template, s.Tests.String(), strconv.Itoa(s.Architectures), strings.Join(s.Platforms, ", "), dash(clip(strings.Join(s.Failing, ", "), 60))}
			if withRole {
				row = slices.Insert(row, 1, s.Role)
			}
			tb.Rows = append(tb.Rows, row)
		}
		return tb
	}
	tt := table("Pass rate per template", "template", t.Templates, true)
	tt.Notes = []string{"A generated test is made from a chain of templates (base > category > family > hardware); each template counts every test its chain made. " +
		"tests passed: passes / tests that ran. A low rate on a category or hardware template points at that template; on base, at everything.",
		"Roles: base (every test), category (the modality), category-hardware, family (one architecture), hardware (the platform's device setup and tolerances)."}
	if t.NoChain > 0 {
		tt.Notes = append(tt.Notes, strconv.Itoa(t.NoChain)+" results record no template chain (tests not generated by hwcov) and are left out.")
	}
	if len(t.Templates) == 0 {
		tt.Notes = []string{"No results with a template chain: run generated tests first (hwcov run)."}
	}
	ct := table("Pass rate per template chain", "chain", t.Chains, false)
	return []Table{tt, ct}
}

// WriteTemplates renders t in format (table, markdown or json).
func WriteTemplates(w io.Writer, t TemplateReport, format string) error {
	if format == "json" {
		return writeIndentedJSON(w, t)
	}
	return renderAnalysis(w, t.Tables(), format)
}
