package action

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hwcov/hwcov/planner"
)

// planArgs is the `hwcov plan` command line for the inputs.
func planArgs(in Inputs, sel selection) []string {
	args := []string{"plan", "--format", "github-matrix", "--out", in.Plan}
	args = append(args, sel.Flags...)
	if in.Shards != "" {
		args = append(args, "--shards", in.Shards)
	}
	if in.MaxShardMinutes != "" {
		args = append(args, "--max-shard-minutes", in.MaxShardMinutes)
	}
	if in.DB != "" {
		args = append(args, "--db", in.DB)
	}
	if sel.CI {
		if in.BaseRef != "" && sel.Entry == nil {
			args = append(args, "--base-ref", in.BaseRef)
		}
		if in.BudgetMinutes != "" {
			args = append(args, "--budget-minutes", in.BudgetMinutes)
		}
		args = append(args, "--explain")
	}
	return append(args, in.Args...)
}

func (r *runner) plan() int {
	if r.in.Plan == "" {
		r.in.Plan = "hwcov-plan.json"
	}
	sel, err := r.selectTests()
	if err != nil {
		return r.fail(ExitUsage, err, "")
	}
	if !sel.CI && (r.in.BaseRef != "" || r.in.BudgetMinutes != "") {
		r.gha.Noticef("base-ref and budget-minutes apply to priority high only; not used")
	}
	args := append(planArgs(r.in, sel), r.globalFlags()...)
	code, out := r.cli("hwcov plan", args, true)
	if code != ExitOK {
		return code
	}
	var m planner.GitHubMatrix
	line := lastLine(out)
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return r.fail(ExitInternal, fmt.Errorf("read the matrix hwcov plan printed: %w", err), "")
	}
	compact, err := m.Marshal()
	if err != nil {
		return r.fail(ExitInternal, err, "")
	}
	r.setOutput("matrix", string(compact))
	r.setOutput("has-tests", fmt.Sprint(len(m.Include) > 0))
	r.setOutput("plan", r.in.Plan)
	r.addSummary(scheduleNote(sel.Entry) + planSummary(m))
	return ExitOK
}

// lastLine is the last non-empty line of out.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// planSummary is the job summary of a plan: one row per shard.
func planSummary(m planner.GitHubMatrix) string {
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
