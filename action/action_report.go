package action

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/reporter"
)

func (r *runner) report() int {
	in := &r.in
	if in.DB == "" {
		in.DB = "hwcov.duckdb"
	}
	stem := strings.TrimSuffix(in.DB, filepath.Ext(in.DB))
	mdPath := stem + "-matrix.md"
	tmp, err := os.MkdirTemp("", "hwcov-action-")
	if err != nil {
		return r.fail(ExitInternal, err, "")
	}
	defer os.RemoveAll(tmp)
	jsonPath := filepath.Join(tmp, "matrix.json")

	r.gha.Group("hwcov report matrix")
	code, _ := r.exec(append(append([]string{"report", "matrix", "--db", in.DB, "--format", "markdown", "--out", mdPath}, in.Args...), r.globalFlags()...), false, false)
	if code == ExitOK {
		code, _ = r.exec(append(append([]string{"report", "matrix", "--db", in.DB, "--format", "json", "--out", jsonPath}, in.Args...), r.globalFlags()...), false, false)
	}
	r.gha.EndGroup()
	r.setOutput("db", in.DB)
	if code != ExitOK {
		return code
	}
	md, err := os.ReadFile(mdPath)
	if err != nil {
		return r.fail(ExitInternal, err, "")
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		return r.fail(ExitInternal, err, "")
	}
	var m reporter.Matrix
	if err := json.Unmarshal(data, &m); err != nil {
		return r.fail(ExitInternal, fmt.Errorf("read the matrix: %w", err), "")
	}
	failures, infra := matrixFailures(m), matrixInfra(m)
	summary := reportSummary(m, failures, infra) + string(md)
	if err := writeFile(mdPath, []byte(summary)); err != nil {
		return r.fail(ExitInternal, err, "")
	}
	r.addSummary(summary)
	r.setOutput("summary", mdPath)
	r.setOutput("failures", strconv.Itoa(failures))
	if pr, ok, err := r.prRecord(); err != nil {
		return r.fail(ExitInternal, err, "")
	} else if ok {
		p := stem + "-pr.json"
		if err := writeFile(p, pr); err != nil {
			return r.fail(ExitInternal, err, "")
		}
		r.setOutput("pr", p)
	}
	if in.FailOnError && failures > 0 {
		return r.fail(ExitFailed, fmt.Errorf("%d tests failed, crashed or timed out", failures), "")
	}
	if in.FailOnError && infra > 0 {
		return r.fail(ExitInfra, fmt.Errorf("%d tests could not run on their runner (infra_error)", infra), "")
	}
	return ExitOK
}

// matrixInfra counts infra_error results: the runner was not set up.
func matrixInfra(m reporter.Matrix) int {
	n := 0
	for _, row := range m.Rows {
		for _, c := range row.Cells {
			n += c.Counts.InfraError
		}
	}
	return n
}

// matrixFailures counts failed, crashed and timed-out results, the
// harness's included (docs/outcomes.md); declared unsupported ones are known
// and left out.
func matrixFailures(m reporter.Matrix) int {
	n := 0
	for _, row := range m.Rows {
		for _, c := range row.Cells {
			n += c.Counts.Fail + c.Counts.Timeout + c.Counts.Crash + c.Counts.Harness
		}
	}
	return n
}

// reportSummary is the heading of the report's job summary.
func reportSummary(m reporter.Matrix, failures, infra int) string {
	var b strings.Builder
	b.WriteString("## hwcov compatibility matrix\n\n")
	fmt.Fprintf(&b, "%d results for %d architectures on %s: %d passed of %d that ran",
		m.Total.Results, len(m.Rows), strings.Join(m.Platforms, ", "), m.Total.Passed, m.Total.Ran)
	if failures > 0 {
		fmt.Fprintf(&b, ", **%d failed, crashed or timed out**", failures)
	}
	if infra > 0 {
		fmt.Fprintf(&b, ", **%d could not run: the runner was not set up (infra_error)**", infra)
	}
	b.WriteString(".\n\n")
	return b.String()
}

// PR is what the report hands to the workflow_run comment job of a pull
// request: data only, parsed strictly there.
type PR struct {
	Number  int    `json:"number"`
	HeadSHA string `json:"head_sha"`
	BaseRef string `json:"base_ref"`
	RunID   string `json:"run_id"`
}

// prRecord is the PR record for pull_request events, read from the event payload.
func (r *runner) prRecord() ([]byte, bool, error) {
	name := r.o.Getenv("GITHUB_EVENT_NAME")
	if name != "pull_request" && name != "pull_request_target" {
		return nil, false, nil
	}
	ctx, err := r.gha.Context()
	if err != nil {
		return nil, false, fmt.Errorf("read the event: %w", err)
	}
	pr, _ := ctx.Event["pull_request"].(map[string]any)
	num, _ := pr["number"].(float64)
	if num < 1 {
		if n, _ := ctx.Event["number"].(float64); n > 0 {
			num = n
		}
	}
	if num < 1 {
		return nil, false, nil
	}
	rec := PR{Number: int(num), BaseRef: r.o.Getenv("GITHUB_BASE_REF"), RunID: r.o.Getenv("GITHUB_RUN_ID")}
	if head, ok := pr["head"].(map[string]any); ok {
		rec.HeadSHA, _ = head["sha"].(string)
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	return append(b, '\n'), true, err
}
