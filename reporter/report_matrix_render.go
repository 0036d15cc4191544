package reporter

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/results"
)

// MatrixFormats are the formats RenderMatrix writes.
var MatrixFormats = []string{"table", "markdown", "json", "csv"}

// RenderMatrix writes m in format: "table" (a terminal table), "markdown" (a
// GitHub table for PR comments and job summaries), "json" (Matrix's JSON
// fields, indented) or "csv" (one line per cell).
func RenderMatrix(w io.Writer, m Matrix, format string) error {
	switch format {
	case "table":
		return renderMatrixTable(w, m)
	case "markdown":
		return renderMatrixMarkdown(w, m)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("render matrix as json: %w", err)
		}
		return nil
	case "csv":
		return renderMatrixCSV(w, m)
	}
	return fmt.Errorf("unknown matrix format %q: want one of %s", format, strings.Join(MatrixFormats, ", "))
}

// symbol is how a status, or an outcome class that sets a cell apart, shows
// in one format.
type symbol struct {
	status   results.Status
	table    string
	markdown string
	label    string
	class    outcome.Class // set for the symbols of a class, not a status
}

// symbols, in legend order.
var symbols = []symbol{
	{results.StatusPass, "✔", "✅", "pass", ""},
	{results.StatusFail, "✘", "❌", "fail", ""},
	{"", "⚒", "🔧", "harness", outcome.Harness},
	{results.StatusTimeout, "⏱", "⏱️", "timeout", ""},
	{results.StatusCrash, "💥", "💥", "crash", ""},
	{results.StatusSkip, "↷", "⏭️", "skipped", ""},
	{results.StatusNotBuildable, "⊘", "🚫", "not buildable", ""},
	{results.StatusInfraError, "⚠", "⚠️", "infra", ""},
	{"", "⊗", "⛔", "declared unsupported", outcome.Declared},
	{results.StatusIncompatible, "–", "➖", "incompatible", ""},
	{results.StatusNotRun, "·", "⬜", "not run", ""},
}

func symbolOf(s results.Status) symbol {
	for _, sym := range symbols {
		if sym.class == "" && sym.status == s {
			return sym
		}
	}
	return symbols[1]
}

func classSymbol(c outcome.Class) symbol {
	for _, sym := range symbols {
		if sym.class == c {
			return sym
		}
	}
	panic("reporter: no symbol for outcome " + string(c))
}

// cellSymbol is how a cell shows: a harness failure (fail, timeout or
// crash) and a declared unsupported cell by their class, apart from the
// platform's failures; the rest by status.
func cellSymbol(c Cell) symbol {
	switch {
	case c.Outcome == outcome.Declared:
		return classSymbol(outcome.Declared)
	case c.Outcome == outcome.Harness && c.Status != results.StatusNotBuildable:
		return classSymbol(outcome.Harness)
	}
	return symbolOf(c.Status)
}

// cellText is a cell's symbol, followed by "passed/results" when a sweep
// put more than one result in the cell.
func cellText(c Cell, markdown bool) string {
	sym := cellSymbol(c)
	s := sym.table
	if markdown {
		s = sym.markdown
	}
	if n := c.Counts.Total(); n > 1 {
		s += fmt.Sprintf(" %d/%d", c.Counts.Pass, n)
	}
	return s
}

// legend explains the symbols; infra, harness and declared unsupported
// only when the matrix has such a cell.
func legend(markdown bool, m Matrix) string {
	infra := m.hasInfra()
	shown := m.shownClasses()
	var parts []string
	for _, sym := range symbols {
		if (sym.status == results.StatusInfraError && !infra) || (sym.class != "" && !shown[sym.class]) {
			continue
		}
		s := sym.table
		if markdown {
			s = sym.markdown
		}
		parts = append(parts, s+" "+sym.label)
	}
	sep := "  "
	if markdown {
		sep = " · "
	}
	note := "n/m: n of m results passed (batch size / sequence length sweep); rates are passes / tests that ran."
	if markdown {
		note = "`n/m`: n of m results passed (batch size / sequence length sweep); rates are passes / tests that ran."
	}
	if infra {
		note += "\ninfra: the runner was not set up (a missing package or browser); those tests did not run and do not count against the platform."
	}
	if shown[outcome.Harness] {
		note += "\nharness: hwcov's harness failed, not the platform: every failure on the cpu reference, a failure whose cpu reference failed, or an input, config or import error; off cpu it does not count against the platform."
	}
	if shown[outcome.Declared] {
		note += "\ndeclared unsupported: a known limitation of the platform, declared with a reason and a link (listed below); it does not count against the platform."
	}
	return strings.Join(parts, sep) + "\n" + note + "\n" + declaredList(markdown, m)
}

// shownClasses are the outcome classes that set a cell of m apart.
func (m Matrix) shownClasses() map[outcome.Class]bool {
	out := map[outcome.Class]bool{}
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if sym := cellSymbol(c); sym.class != "" {
				out[sym.class] = true
			}
		}
	}
	return out
}

// declaredList lists the declared unsupported cells of m with their reason
// and link; empty when there are none.
func declaredList(markdown bool, m Matrix) string {
	var b strings.Builder
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if c.Outcome != outcome.Declared {
				continue
			}
			if b.Len() == 0 {
				b.WriteString("\nDeclared unsupported:\n")
			}
			if !markdown {
				fmt.Fprintf(&b, "- %s on %s: %s (%s)\n", r.Architecture, c.Hardware, c.Reason, c.Link)
				continue
			}
			link := mdCode(c.Link, 200)
			if strings.HasPrefix(c.Link, "https://") && !strings.ContainsAny(c.Link, " ()[]<>`") {
				link = "[" + mdCode(c.Link, 200) + "](" + c.Link + ")"
			}
			fmt.Fprintf(&b, "- %s on %s: %s (%s)\n", mdCode(r.Architecture, 80), mdCode(c.Hardware, 80), mdCode(c.Reason, 200), link)
		}
	}
	return b.String()
}

// hasInfra reports whether a cell holds an infra_error result.
func (m Matrix) hasInfra() bool {
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if c.Counts.InfraError > 0 {
				return true
			}
		}
	}
	return false
}

func renderMatrixTable(w io.Writer, m Matrix) error {
	header := append([]any{"architecture", "category"}, anys(m.columnNames())...)
	header = append(header, "pass rate")
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleLight)})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: tw.CellConfig{Formatting: tw.CellFormatting{AutoFormat: tw.Off}, Alignment: tw.CellAlignment{Global: tw.AlignLeft}},
			Row:    tw.CellConfig{Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone}, Alignment: tw.CellAlignment{Global: tw.AlignLeft}},
			Footer: tw.CellConfig{Formatting: tw.CellFormatting{AutoFormat: tw.Off}, Alignment: tw.CellAlignment{Global: tw.AlignLeft}},
		}),
	)
	t.Header(header...)
	for _, r := range m.Rows {
		row := []any{r.Architecture, r.Category}
		for _, c := range r.Cells {
			row = append(row, cellText(c, false))
		}
		if err := t.Append(append(row, r.Rate.String())...); err != nil {
			return fmt.Errorf("render matrix table: %w", err)
		}
	}
	footer := []any{"pass rate", ""}
	for _, p := range m.ByPlatform {
		footer = append(footer, p.String())
	}
	t.Footer(append(footer, m.Total.String())...)
	if err := t.Render(); err != nil {
		return fmt.Errorf("render matrix table: %w", err)
	}

	ct := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleLight)})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: tw.CellConfig{Formatting: tw.CellFormatting{AutoFormat: tw.Off}, Alignment: tw.CellAlignment{Global: tw.AlignLeft}},
			Row:    tw.CellConfig{Alignment: tw.CellAlignment{Global: tw.AlignLeft}},
		}),
	)
	ct.Header("category", "passed", "ran", "results", "pass rate")
	for _, c := range m.ByCategory {
		ct.Append(c.Name, strconv.Itoa(c.Passed), strconv.Itoa(c.Ran), strconv.Itoa(c.Results), rateText(c))
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	if err := ct.Render(); err != nil {
		return fmt.Errorf("render matrix table: %w", err)
	}
	_, err := io.WriteString(w, "\n"+legend(false, m))
	return err
}

func rateText(r Rate) string {
	if r.Ran == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*r.Rate)
}

func renderMatrixMarkdown(w io.Writer, m Matrix) error {
	var b strings.Builder
	cols := append([]string{"Architecture", "Category"}, m.columnNames()...)
	cols = append(cols, "Pass rate")
	mdRow(&b, cols)
	align := []string{"---", "---"}
	for range m.Platforms {
		align = append(align, ":-:")
	}
	mdRow(&b, append(align, "---:"))
	for _, r := range m.Rows {
		row := []string{"`" + r.Architecture + "`", r.Category}
		for _, c := range r.Cells {
			row = append(row, cellText(c, true))
		}
		mdRow(&b, append(row, r.Rate.String()))
	}
	row := []string{"**Pass rate**", ""}
	for _, p := range m.ByPlatform {
		row = append(row, p.String())
	}
	mdRow(&b, append(row, "**"+m.Total.String()+"**"))

	b.WriteString("\n")
	mdRow(&b, []string{"Category", "Passed", "Ran", "Results", "Pass rate"})
	mdRow(&b, []string{"---", "---:", "---:", "---:", "---:"})
	for _, c := range m.ByCategory {
		mdRow(&b, []string{c.Name, strconv.Itoa(c.Passed), strconv.Itoa(c.Ran), strconv.Itoa(c.Results), rateText(c)})
	}
	b.WriteString("\n")
	b.WriteString(legend(true, m))
	_, err := io.WriteString(w, b.String())
	return err
}

// mdRow writes one GitHub table row, escaping pipes and line breaks so a cell
// cannot break the table.
func mdRow(b *strings.Builder, cells []string) {
	b.WriteString("|")
	for _, c := range cells {
		c = strings.ReplaceAll(c, "|", `\|`)
		c = strings.ReplaceAll(c, "\n", " ")
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n")
}

// renderMatrixCSV writes one line per cell, for spreadsheets and analysis:
// architecture, category, hardware, status, one count column per status,
// results, reason, then the outcome class, the harness and declared
// unsupported counts and the declaration's link.
func renderMatrixCSV(w io.Writer, m Matrix) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"architecture", "category", "hardware", "status",
		"pass", "fail", "timeout", "crash", "skip", "not_buildable", "results", "reason", "outcome", "harness", "declared_unsupported", "link"})
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			n := c.Counts
			cw.Write([]string{r.Architecture, r.Category, c.Hardware, string(c.Status),
				strconv.Itoa(n.Pass), strconv.Itoa(n.Fail), strconv.Itoa(n.Timeout), strconv.Itoa(n.Crash),
				strconv.Itoa(n.Skip), strconv.Itoa(n.NotBuildable), strconv.Itoa(n.Total()), c.Reason,
				string(c.Outcome), strconv.Itoa(n.Harness), strconv.Itoa(n.Declared), c.Link})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("render matrix as csv: %w", err)
	}
	return nil
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// columnNames are the column headers: each platform's label, else its key.
func (m Matrix) columnNames() []string {
	out := make([]string, len(m.Platforms))
	for i, p := range m.Platforms {
		out[i] = p
		if l := m.Labels[p]; l != "" {
			out[i] = l
		}
	}
	return out
}
