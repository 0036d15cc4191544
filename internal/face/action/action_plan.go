package action

import (
	"fmt"

	"github.com/hwcov/hwcov/reporter"
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

func (r *runner) plan() error {
	if r.in.Plan == "" {
		r.in.Plan = "hwcov-plan.json"
	}
	sel, err := r.selectTests()
	if err != nil {
		return r.usage(err, "")
	}
	if !sel.CI && (r.in.BaseRef != "" || r.in.BudgetMinutes != "") {
		r.gha.Noticef("base-ref and budget-minutes apply to priority high only; not used")
	}
	args := append(planArgs(r.in, sel), r.globalFlags()...)
	r.group("hwcov plan", args)
	m, err := r.o.Cmd.Plan(args, r.o.Stdout, r.o.Stderr)
	r.gha.EndGroup()
	if err != nil {
		return err
	}
	compact, err := m.Marshal()
	if err != nil {
		return r.fail(err)
	}
	r.setOutput("matrix", string(compact))
	r.setOutput("has-tests", fmt.Sprint(len(m.Include) > 0))
	r.setOutput("plan", r.in.Plan)
	r.addSummary(scheduleNote(sel.Entry) + reporter.PlanSummary(m))
	return nil
}
