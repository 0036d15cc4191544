package reporter

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/planner"
)

// failedStatus reports whether a result counts as a failure. An infra_error
// does not: the runner was not set up to run the test.
func failedStatus(s results.Status) bool {
	switch s {
	case results.StatusPass, results.StatusSkip, results.StatusNotBuildable, results.StatusInfraError:
		return false
	}
	return true
}

// RunCounts are a run's failed (failed, crashed, timed out) and infra_error
// results.
func RunCounts(rs []results.Result) (failed, infra int) {
	for _, r := range rs {
		if failedStatus(r.Status) {
			failed++
		}
		if r.Status == results.StatusInfraError {
			infra++
		}
	}
	return failed, infra
}

// RunAnnotations are the error annotations of a run's failed tests, at most
// max, pointing at the generated file (relative to workspace when inside it)
// and the traceback's line in it; more counts those left out.
func RunAnnotations(rs []results.Result, workspace string, max int) (as []Annotation, more int) {
	for _, r := range rs {
		if !failedStatus(r.Status) {
			continue
		}
		if len(as) == max {
			more++
			continue
		}
		a := Annotation{Level: "error", TestID: r.TestID, Title: r.TestID + ": " + string(r.Status), Message: firstLine(r.ErrorMessage)}
		if a.Message == "" {
			a.Message = string(r.Status)
		}
		if r.ErrorCategory != "" && r.ErrorCategory != string(r.Status) {
			a.Title += " (" + r.ErrorCategory + ")"
		}
		if r.GeneratedFile != "" {
			a.File = relTo(workspace, r.GeneratedFile)
			tb := r.Traceback
			if tb == "" {
				tb = r.ErrorMessage
			}
			a.Line = tracebackLine(tb, filepath.Base(r.GeneratedFile))
		}
		as = append(as, a)
	}
	return as, more
}

// InfraAnnotations are one error per distinct reason of the infra_error
// results: "2 tests could not run on this runner: No module named 'torch'.
// Try: ...".
func InfraAnnotations(rs []results.Result) []Annotation {
	count := map[string]int{}
	var reasons []string
	for _, r := range rs {
		if r.Status != results.StatusInfraError {
			continue
		}
		m := firstLine(r.ErrorMessage)
		if count[m] == 0 {
			reasons = append(reasons, m)
		}
		count[m]++
	}
	var as []Annotation
	for _, m := range reasons {
		n := fmt.Sprintf("%d tests", count[m])
		if count[m] == 1 {
			n = "1 test"
		}
		as = append(as, Annotation{Level: "error", Title: "hwcov: infrastructure", Message: n + " could not run on this runner (infra_error): " + m})
	}
	return as
}

// RunSummary is the job summary of one run: counts per status and a row per
// failed test.
func RunSummary(title string, rs []results.Result, workspace string) string {
	counts := map[string]int{}
	for _, r := range rs {
		counts[string(r.Status)]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n%d tests: %s\n", title, len(rs), countLine(counts))
	if as := InfraAnnotations(rs); len(as) > 0 {
		b.WriteString("\n**Infrastructure: the runner is not set up** (not the platform's fault; these tests did not run)\n\n")
		for _, a := range as {
			fmt.Fprintf(&b, "- %s\n", summaryCell(a.Message))
		}
	}
	header := false
	for _, r := range rs {
		if !failedStatus(r.Status) {
			continue
		}
		if !header {
			b.WriteString("\n| test | status | error | file |\n|---|---|---|---|\n")
			header = true
		}
		status := string(r.Status)
		if r.ErrorCategory != "" && r.ErrorCategory != status {
			status += " (" + r.ErrorCategory + ")"
		}
		file := ""
		if r.GeneratedFile != "" {
			file = "`" + relTo(workspace, r.GeneratedFile) + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.TestID, status, summaryCell(firstLine(r.ErrorMessage)), file)
	}
	return b.String()
}

// PlanSummary is the job summary of a plan: one row per shard.
func PlanSummary(m planner.GitHubMatrix) string {
	var b strings.Builder
	tests, minutes := 0, 0
	for _, j := range m.Include {
		tests += j.Tests
		minutes += j.EstMinutes
	}
	fmt.Fprintf(&b, "### hwcov plan\n\n%d tests in %d jobs, about %d machine-minutes.\n\n", tests, len(m.Include), minutes)
	if len(m.Include) == 0 {
		b.WriteString("Nothing to test: the test jobs are skipped.\n")
		return b.String()
	}
	b.WriteString("| job | hardware | runs-on | shard | tests | est. minutes |\n|---|---|---|---|--:|--:|\n")
	for _, j := range m.Include {
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s | %d | %d |\n", j.ID, j.Hardware, strings.Join(j.RunsOn, ", "), j.Shard, j.Tests, j.EstMinutes)
	}
	return b.String()
}

// Failures counts the matrix's failed, crashed and timed-out results, the
// harness's included (docs/outcomes.md); declared unsupported ones are known
// and left out.
func (m Matrix) Failures() int {
	n := 0
	for _, row := range m.Rows {
		for _, c := range row.Cells {
			n += c.Counts.Fail + c.Counts.Timeout + c.Counts.Crash + c.Counts.Harness
		}
	}
	return n
}

// InfraErrors counts the matrix's infra_error results: the runner was not set up.
func (m Matrix) InfraErrors() int {
	n := 0
	for _, row := range m.Rows {
		for _, c := range row.Cells {
			n += c.Counts.InfraError
		}
	}
	return n
}

// MatrixHeading is the heading of the matrix's job summary.
func MatrixHeading(m Matrix) string {
	var b strings.Builder
	b.WriteString("## hwcov compatibility matrix\n\n")
	fmt.Fprintf(&b, "%d results for %d architectures on %s: %d passed of %d that ran",
		m.Total.Results, len(m.Rows), strings.Join(m.Platforms, ", "), m.Total.Passed, m.Total.Ran)
	if n := m.Failures(); n > 0 {
		fmt.Fprintf(&b, ", **%d failed, crashed or timed out**", n)
	}
	if n := m.InfraErrors(); n > 0 {
		fmt.Fprintf(&b, ", **%d could not run: the runner was not set up (infra_error)**", n)
	}
	b.WriteString(".\n\n")
	return b.String()
}

// countLine is "2 pass, 1 fail" in a fixed order, then any other status.
func countLine(c map[string]int) string {
	order := []string{"pass", "fail", "timeout", "crash", "skip", "not_buildable", "infra_error"}
	seen := map[string]bool{}
	var parts []string
	for _, s := range order {
		seen[s] = true
		if c[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
		}
	}
	var rest []string
	for s := range c {
		if !seen[s] {
			rest = append(rest, s)
		}
	}
	sort.Strings(rest)
	for _, s := range rest {
		parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
	}
	if len(parts) == 0 {
		return "nothing ran"
	}
	return strings.Join(parts, ", ")
}

// summaryCell makes text safe inside a markdown table cell.
func summaryCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, "\n", " ")
}

var tracebackRe = regexp.MustCompile(`File "([^"]*)", line ([0-9]+)`)

// tracebackLine finds the deepest frame of a Python traceback in the file
// named base: `File ".../test_bert_cpu.py", line 42`.
func tracebackLine(tb, base string) int {
	line := 0
	for _, m := range tracebackRe.FindAllStringSubmatch(tb, -1) {
		if filepath.Base(m[1]) == base {
			line, _ = strconv.Atoi(m[2])
		}
	}
	return line
}

// relTo makes path relative to the workspace when it lies inside it.
func relTo(workspace, path string) string {
	if workspace == "" || !filepath.IsAbs(path) {
		return filepath.ToSlash(path)
	}
	rel, err := filepath.Rel(workspace, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

// firstLine is the first line of s, at most 300 bytes.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
