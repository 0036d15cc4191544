package action

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// maxAnnotations is how many failed tests get an ::error:: each; GitHub shows
// ten error annotations per step.
const maxAnnotations = 10

// runArgs is the `hwcov run` command line for the inputs.
func runArgs(in Inputs, sel selection) []string {
	args := []string{"run", "--db", in.DB, "--junit", in.JUnit}
	if in.ShardID != "" {
		args = append(args, "--plan", in.Plan, "--shard-id", in.ShardID)
	} else {
		args = append(args, sel.Flags...)
	}
	return append(args, in.Args...)
}

func (r *runner) run() int {
	in := &r.in
	if in.DB == "" {
		in.DB = "hwcov-shard.duckdb"
	}
	if in.JUnit == "" {
		in.JUnit = "hwcov-junit.xml"
	}
	var sel selection
	if in.ShardID != "" {
		if in.Models != "" || in.Category != "" || in.Priority != "" || in.Hardware != "" || in.Schedule != "" {
			return r.fail(ExitUsage, &InputError{"shard-id", "runs a shard of the plan; drop models, category, priority, hardware and schedule"}, "")
		}
		if in.Plan == "" {
			in.Plan = "hwcov-plan.json"
		}
	} else {
		var err error
		if sel, err = r.selectTests(); err != nil {
			return r.fail(ExitUsage, err, "")
		}
	}
	// A stale report from an earlier step must not be read as this run's.
	if err := os.Remove(in.JUnit); err != nil && !errors.Is(err, os.ErrNotExist) {
		return r.fail(ExitInternal, err, "")
	}
	args := append(runArgs(*in, sel), r.globalFlags()...)
	verbose := false
	for _, a := range in.Args {
		verbose = verbose || a == "-v" || a == "--verbose"
	}
	// hwcov run groups its own log lines; test output (--verbose) is
	// untrusted: workflow commands in it are not obeyed.
	code, _ := r.exec(args, false, verbose)
	r.setOutput("db", in.DB)

	data, err := os.ReadFile(in.JUnit)
	if err != nil {
		if code == ExitOK {
			return r.fail(ExitInternal, fmt.Errorf("hwcov run wrote no JUnit report %q: %w", in.JUnit, err), "")
		}
		return code
	}
	outcomes, err := ParseJUnit(data)
	if err != nil {
		return r.fail(ExitInternal, err, "")
	}
	as, more := annotations(outcomes, r.o.Getenv("GITHUB_WORKSPACE"), maxAnnotations)
	for _, a := range as {
		fields := map[string]string{"title": a.Title}
		if a.File != "" {
			fields["file"] = a.File
			if a.Line > 0 {
				fields["line"] = strconv.Itoa(a.Line)
			}
		}
		r.gha.WithFieldsMap(fields).Errorf("%s", a.Message)
	}
	if more > 0 {
		r.gha.WithFieldsMap(map[string]string{"title": "hwcov"}).Errorf("%d more tests failed (see the job summary and %s)", more, in.JUnit)
	}
	for _, a := range infraAnnotations(outcomes) {
		r.gha.WithFieldsMap(map[string]string{"title": a.Title}).Errorf("%s", a.Message)
	}
	failures, infra := 0, 0
	for _, o := range outcomes {
		if o.Failed() {
			failures++
		}
		if o.Infra() {
			infra++
		}
	}
	title := "hwcov run"
	if in.ShardID != "" {
		title += " " + in.ShardID
	}
	md := scheduleNote(sel.Entry) + runSummary(title, outcomes, r.o.Getenv("GITHUB_WORKSPACE"))
	summaryPath := strings.TrimSuffix(in.DB, filepath.Ext(in.DB)) + "-summary.md"
	if err := writeFile(summaryPath, []byte(md)); err != nil {
		return r.fail(ExitInternal, err, "")
	}
	r.addSummary(md)
	r.setOutput("summary", summaryPath)
	r.setOutput("failures", strconv.Itoa(failures))
	r.setOutput("infra-errors", strconv.Itoa(infra))
	if code != ExitOK {
		return code
	}
	if infra > 0 {
		// hwcov run exits ExitInfra itself; this holds for a report it left
		// behind all the same.
		return r.fail(ExitInfra, fmt.Errorf("%d tests could not run on this runner (infra_error)", infra), "")
	}
	if in.FailOnError && failures > 0 {
		return r.fail(ExitFailed, fmt.Errorf("%d tests failed, crashed or timed out", failures), "")
	}
	return ExitOK
}

// runSummary is the job summary of one run: counts per status and a row per
// failed test.
func runSummary(title string, outcomes []Outcome, workspace string) string {
	counts := map[string]int{}
	for _, o := range outcomes {
		counts[o.Status]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n%d tests: %s\n", title, len(outcomes), countLine(counts))
	var failed []Outcome
	for _, o := range outcomes {
		if o.Failed() {
			failed = append(failed, o)
		}
	}
	writeInfraSummary(&b, outcomes)
	if len(failed) == 0 {
		return b.String()
	}
	b.WriteString("\n| test | status | error | file |\n|---|---|---|---|\n")
	for _, o := range failed {
		status := o.Status
		if o.Category != "" && o.Category != o.Status {
			status += " (" + o.Category + ")"
		}
		file := ""
		if o.File != "" {
			file = "`" + relTo(workspace, o.File) + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", o.ID, status, cell(firstLine(o.Message)), file)
	}
	return b.String()
}

// writeInfraSummary lists the reasons tests could not run on this runner,
// apart from the failures: they are the runner's, not the platform's.
func writeInfraSummary(b *strings.Builder, outcomes []Outcome) {
	as := infraAnnotations(outcomes)
	if len(as) == 0 {
		return
	}
	b.WriteString("\n**Infrastructure: the runner is not set up** (not the platform's fault; these tests did not run)\n\n")
	for _, a := range as {
		fmt.Fprintf(b, "- %s\n", cell(a.Message))
	}
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

// cell makes text safe inside a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, "\n", " ")
}
