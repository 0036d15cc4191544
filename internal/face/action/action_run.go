package action

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners"
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

func (r *runner) run() error {
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
			return r.usage(&InputError{"shard-id", "runs a shard of the plan; drop models, category, priority, hardware and schedule"}, "")
		}
		if in.Plan == "" {
			in.Plan = "hwcov-plan.json"
		}
	} else {
		var err error
		if sel, err = r.selectTests(); err != nil {
			return r.usage(err, "")
		}
	}
	// A stale report from an earlier step must not be taken for this run's.
	if err := os.Remove(in.JUnit); err != nil && !errors.Is(err, os.ErrNotExist) {
		return r.fail(err)
	}
	rs, runErr := r.runShard(append(runArgs(*in, sel), r.globalFlags()...))
	r.setOutput("db", in.DB)
	if runErr != nil && len(rs) == 0 {
		return runErr
	}
	failures, infra := r.annotateRun(rs)
	title := "hwcov run"
	if in.ShardID != "" {
		title += " " + in.ShardID
	}
	md := scheduleNote(sel.Entry) + reporter.RunSummary(title, rs, r.o.Getenv("GITHUB_WORKSPACE"))
	summaryPath := strings.TrimSuffix(in.DB, filepath.Ext(in.DB)) + "-summary.md"
	if err := writeFile(summaryPath, []byte(md)); err != nil {
		return r.fail(err)
	}
	r.addSummary(md)
	r.setOutput("summary", summaryPath)
	r.setOutput("failures", strconv.Itoa(failures))
	r.setOutput("infra-errors", strconv.Itoa(infra))
	switch {
	case runErr != nil:
		return runErr
	case infra > 0:
		// hwcov run says so itself; this holds for results it left behind
		// all the same.
		return r.fail(&hwerr.InfraError{Msg: fmt.Sprintf("%s could not run on this runner (infra_error)", runners.Plural(infra, "test"))})
	case in.FailOnError && failures > 0:
		return r.fail(&hwerr.PolicyError{Msg: fmt.Sprintf("%d tests failed, crashed or timed out", failures)})
	}
	return nil
}

// runShard runs the shard; hwcov run groups its own log lines, and test
// output (--verbose) is untrusted: workflow commands in it are not obeyed.
func (r *runner) runShard(args []string) (rs []results.Result, err error) {
	fmt.Fprintf(r.o.Stdout, "hwcov %s\n", quoteArgs(args))
	verbose := false
	for _, a := range r.in.Args {
		verbose = verbose || a == "-v" || a == "--verbose"
	}
	run := func() { rs, err = r.o.Cmd.Run(args, r.o.Stdout, r.o.Stderr) }
	if verbose {
		r.untrusted(run)
	} else {
		run()
	}
	return rs, err
}

// annotateRun annotates the failed tests (at most maxAnnotations) and each
// reason tests could not run, and counts both.
func (r *runner) annotateRun(rs []results.Result) (failures, infra int) {
	as, more := reporter.RunAnnotations(rs, r.o.Getenv("GITHUB_WORKSPACE"), maxAnnotations)
	for _, a := range as {
		r.annotate(a)
	}
	if more > 0 {
		r.gha.WithFieldsMap(map[string]string{"title": "hwcov"}).Errorf("%d more tests failed (see the job summary and %s)", more, r.in.JUnit)
	}
	for _, a := range reporter.InfraAnnotations(rs) {
		r.annotate(a)
	}
	return reporter.RunCounts(rs)
}

// annotate writes an ::error:: annotation.
func (r *runner) annotate(a reporter.Annotation) {
	fields := map[string]string{"title": a.Title}
	if a.File != "" {
		fields["file"] = a.File
		if a.Line > 0 {
			fields["line"] = strconv.Itoa(a.Line)
		}
	}
	r.gha.WithFieldsMap(fields).Errorf("%s", a.Message)
}
