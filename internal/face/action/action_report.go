package action

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/ghevent"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners"
)

func (r *runner) report() error {
	in := &r.in
	if in.DB == "" {
		in.DB = "hwcov.duckdb"
	}
	stem := strings.TrimSuffix(in.DB, filepath.Ext(in.DB))
	mdPath := stem + "-matrix.md"
	args := append(append([]string{"report", "matrix", "--db", in.DB}, in.Args...), r.globalFlags()...)
	r.group("hwcov report matrix", args)
	m, err := r.o.Cmd.Matrix(args, r.o.Stdout, r.o.Stderr)
	r.gha.EndGroup()
	r.setOutput("db", in.DB)
	if err != nil {
		return err
	}
	var md strings.Builder
	md.WriteString(reporter.MatrixHeading(m))
	if err := reporter.RenderMatrix(&md, m, "markdown"); err != nil {
		return r.fail(err)
	}
	if err := writeFile(mdPath, []byte(md.String())); err != nil {
		return r.fail(err)
	}
	r.addSummary(md.String())
	r.setOutput("summary", mdPath)
	r.setOutput("failures", strconv.Itoa(m.Failures()))
	if err := r.writePR(stem + "-pr.json"); err != nil {
		return r.fail(err)
	}
	if in.FailOnError && m.Failures() > 0 {
		return r.fail(&hwerr.PolicyError{Msg: fmt.Sprintf("%d tests failed, crashed or timed out", m.Failures())})
	}
	if in.FailOnError && m.InfraErrors() > 0 {
		return r.fail(&hwerr.InfraError{Msg: fmt.Sprintf("%s could not run on their runner (infra_error)", runners.Plural(m.InfraErrors(), "test"))})
	}
	return nil
}

// writePR writes the pull request record of a pull_request run to path, for
// the workflow_run comment job, and sets the output pr.
func (r *runner) writePR(path string) error {
	pr, ok, err := ghevent.PRFromEvent(r.o.Getenv)
	if err != nil || !ok {
		return err
	}
	b, err := pr.Marshal()
	if err != nil {
		return err
	}
	if err := writeFile(path, b); err != nil {
		return err
	}
	r.setOutput("pr", path)
	return nil
}
