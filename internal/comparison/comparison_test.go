package comparison

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/baseline"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/hint"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/reporter"
)

var t0 = time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)

// cell is one result to record: test id and status.
type cell struct {
	id     string
	status results.Status
}

// writeDB writes a real hwcov database at path holding run and one result
// per cell.
func writeDB(t *testing.T, path string, run results.Run, cells ...cell) {
	t.Helper()
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if run.StartedAt.IsZero() {
		run.StartedAt = t0
	}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		arch, rest, _ := strings.Cut(c.id, "@")
		hw, _, _ := strings.Cut(rest, "/")
		r := results.Result{RunID: run.RunID, TestID: c.id, Architecture: arch, Hardware: hw, Precision: "fp32", BatchSize: 1, SeqLen: 128,
			Status: c.status, Success: c.status == results.StatusPass, Attempt: 1, StartedAt: run.StartedAt, FinishedAt: run.StartedAt.Add(time.Second)}
		if c.status != results.StatusPass {
			r.ErrorMessage = "RuntimeError: boom"
		}
		if err := db.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.FinishRun(ctx, run.RunID, run.StartedAt.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// recordPlan records planned tests in the database at path.
func recordPlan(t *testing.T, path string, planned ...store.PlannedTest) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.RecordPlan(context.Background(), planned); err != nil {
		t.Fatal(err)
	}
}

// exitOf is what the CLI prints and returns for err, after hint.Map.
func exitOf(err error) (int, string) {
	var b strings.Builder
	code := hwerr.Exit(hint.Map(err), &b)
	return code, b.String()
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	base, head := filepath.Join(dir, "base.duckdb"), filepath.Join(dir, "head.duckdb")
	writeDB(t, base, results.Run{RunID: "base", GitSHA: "1111111aaaa", GitRef: "refs/heads/main"},
		cell{"bert@cpu/fp32/b1/s128", results.StatusPass}, cell{"vit@cpu/fp32/b1/s128", results.StatusPass},
		cell{"gpt2@cpu/fp32/b1/s128", results.StatusFail})
	writeDB(t, head, results.Run{RunID: "head", GitSHA: "2222222bbbb", PRNumber: 7},
		cell{"bert@cpu/fp32/b1/s128", results.StatusFail}, cell{"vit@cpu/fp32/b1/s128", results.StatusPass},
		cell{"gpt2@cpu/fp32/b1/s128", results.StatusPass}, cell{"t5@cpu/fp32/b1/s128", results.StatusPass})
	// the head's shard cpu-2 was lost: its planned test is not run, never missing
	recordPlan(t, head, store.PlannedTest{TestID: "vit@cpu/fp32/b1/s128", ShardID: "cpu-1", Hardware: "cpu"},
		store.PlannedTest{TestID: "opt@cpu/fp32/b1/s128", ShardID: "cpu-2", Hardware: "cpu"})
	// a base's plan is not read
	recordPlan(t, base, store.PlannedTest{TestID: "llama@cpu/fp32/b1/s128", ShardID: "cpu-9", Hardware: "cpu"})

	c, err := Load(context.Background(), Input{Base: base, Head: head, Policy: compare.DefaultPolicy()}, "hwcov compare")
	if err != nil {
		t.Fatal(err)
	}
	ids := func(cs []compare.Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.TestID)
		}
		return out
	}
	for _, tc := range []struct {
		what string
		got  []string
		want []string
	}{
		{"new failures", ids(c.Report.NewFailures), []string{"bert@cpu/fp32/b1/s128"}},
		{"fixed", ids(c.Report.Fixed), []string{"gpt2@cpu/fp32/b1/s128"}},
		{"new tests", ids(c.Report.NewTests), []string{"opt@cpu/fp32/b1/s128", "t5@cpu/fp32/b1/s128"}},
		{"not run", ids(c.Report.NotRun), nil},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %q, want %q", tc.what, tc.got, tc.want)
		}
	}
	if c.BaseLabel != "`main` @ `1111111`" || c.HeadLabel != "#7 @ `2222222`" {
		t.Errorf("labels %q, %q", c.BaseLabel, c.HeadLabel)
	}
	if len(c.BaseRuns) != 1 || len(c.HeadRuns) != 1 || c.NoBaseline != "" {
		t.Errorf("runs %d/%d, no baseline %q", len(c.BaseRuns), len(c.HeadRuns), c.NoBaseline)
	}
	if c.Report.Head.Other != 1 || c.Report.Base.Tests != 3 {
		t.Errorf("head other %d (want the lost test), base tests %d (want 3)", c.Report.Head.Other, c.Report.Base.Tests)
	}
	if len(c.Matrix.Rows) != 5 || !reflect.DeepEqual(c.Matrix.Platforms, []string{"cpu"}) {
		t.Errorf("head matrix: %d rows, platforms %q", len(c.Matrix.Rows), c.Matrix.Platforms)
	}

	// The default policy fails on the new failure.
	if !reflect.DeepEqual(c.Violations, []string{"1 new failure"}) {
		t.Errorf("violations %q", c.Violations)
	}
	err = c.Verdict()
	var pe *hwerr.PolicyError
	if !errors.As(err, &pe) || pe.Msg != "1 new failure (--fail-on new-failures)" {
		t.Errorf("verdict = %v, want a policy error naming the new failure", err)
	}
	if code, _ := exitOf(err); code != hwerr.ExitFailed {
		t.Errorf("verdict exits %d, want %d", code, hwerr.ExitFailed)
	}
	j := c.JSON()
	if !j.Failed || j.FailOn != "new-failures" || len(j.NewFailures) != 1 || !reflect.DeepEqual(j.Violations, c.Violations) {
		t.Errorf("JSON = failed %v fail_on %q %d new failures %q", j.Failed, j.FailOn, len(j.NewFailures), j.Violations)
	}
	in := c.ReportInput("https://ci/run/1", true)
	if in.BaseLabel != c.BaseLabel || in.HeadLabel != c.HeadLabel || in.DetailsURL != "https://ci/run/1" || !in.Chart || in.Matrix == nil {
		t.Errorf("ReportInput = %+v", in)
	}

	// Without a policy the same comparison passes.
	c, err = Load(context.Background(), Input{Base: base, Head: head}, "hwcov compare")
	if err != nil {
		t.Fatal(err)
	}
	if c.Verdict() != nil || c.JSON().Failed || c.JSON().Violations == nil {
		t.Errorf("no policy: verdict %v, json %+v", c.Verdict(), c.JSON().Violations)
	}
}

// Without --base the head is reported alone.
func TestLoadHeadOnly(t *testing.T) {
	head := filepath.Join(t.TempDir(), "run.duckdb")
	writeDB(t, head, results.Run{RunID: "r"}, cell{"bert@cpu/fp32/b1/s128", results.StatusPass})
	c, err := Load(context.Background(), Input{Head: head, Policy: compare.DefaultPolicy()}, "hwcov report")
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseLabel != "" || c.HeadLabel != "`run.duckdb`" || len(c.Report.NewTests) != 1 || c.Verdict() != nil {
		t.Errorf("labels %q %q, new tests %d, verdict %v", c.BaseLabel, c.HeadLabel, len(c.Report.NewTests), c.Verdict())
	}
}

// An empty base (baseline fetch found none) says why, from its note; a
// note beside a base with results is not read.
func TestLoadNoBaseline(t *testing.T) {
	dir := t.TempDir()
	base, head := filepath.Join(dir, "base.duckdb"), filepath.Join(dir, "head.duckdb")
	writeDB(t, head, results.Run{RunID: "h"}, cell{"bert@cpu/fp32/b1/s128", results.StatusPass})
	if err := baseline.WriteEmpty(base, ghapi.BaselineQuery{Workflow: "hwcov.yml", Branch: "main", Artifact: "hwcov-db"}, ghapi.ErrNoWorkflow); err != nil {
		t.Fatal(err)
	}
	c, err := Load(context.Background(), Input{Base: base, Head: head}, "hwcov compare")
	if err != nil {
		t.Fatal(err)
	}
	if want := baseline.ReadNote(base).Markdown(); c.NoBaseline != want || !strings.Contains(want, "`hwcov.yml`") {
		t.Errorf("NoBaseline = %q, want %q", c.NoBaseline, want)
	}
	if c.ReportInput("", false).NoBaseline != c.NoBaseline {
		t.Error("ReportInput drops NoBaseline")
	}

	writeDB(t, base, results.Run{RunID: "b"}, cell{"bert@cpu/fp32/b1/s128", results.StatusPass})
	if c, err = Load(context.Background(), Input{Base: base, Head: head}, "hwcov compare"); err != nil || c.NoBaseline != "" {
		t.Errorf("base with results: NoBaseline %q, %v", c.NoBaseline, err)
	}
}

// With a window, a history base gives each test's newest runs only.
func TestLoadWindow(t *testing.T) {
	dir := t.TempDir()
	base, head := filepath.Join(dir, "history.duckdb"), filepath.Join(dir, "head.duckdb")
	for i, id := range []string{"r1", "r2", "r3"} {
		writeDB(t, base, results.Run{RunID: id, StartedAt: t0.Add(time.Duration(i) * time.Hour)}, cell{"bert@cpu/fp32/b1/s128", results.StatusPass})
	}
	writeDB(t, head, results.Run{RunID: "h"}, cell{"bert@cpu/fp32/b1/s128", results.StatusPass})
	for _, tc := range []struct{ window, want int }{{0, 3}, {1, 1}, {2, 2}, {5, 3}} {
		c, err := Load(context.Background(), Input{Base: base, Head: head, Options: compare.Options{Window: tc.window}}, "hwcov compare")
		if err != nil {
			t.Fatal(err)
		}
		if c.Report.Base.Results != tc.want || len(c.BaseRuns) != 3 {
			t.Errorf("window %d: %d base results (%d runs), want %d", tc.window, c.Report.Base.Results, len(c.BaseRuns), tc.want)
		}
	}
}

// Each error names the file and maps to exit 2 with a hint.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.duckdb")
	writeDB(t, good, results.Run{RunID: "g"}, cell{"bert@cpu/fp32/b1/s128", results.StatusPass})
	corrupt := filepath.Join(dir, "corrupt.duckdb")
	if err := os.WriteFile(corrupt, []byte("not a database at all, just text that is long enough\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.duckdb")
	for _, tc := range []struct {
		name     string
		in       Input
		fileErr  bool // a *store.FileError that hint.Map turns into the usage error
		wantMsg  string
		wantHint string
	}{
		{name: "head missing", in: Input{Head: missing},
			wantMsg: `head database "` + missing + `" does not exist`, wantHint: "pass the merged database: hwcov merge --into run.duckdb shards/"},
		{name: "base missing", in: Input{Base: missing, Head: good},
			wantMsg: `base database "` + missing + `" does not exist`, wantHint: "hwcov baseline fetch --out " + missing + ", or leave --base out to report without a baseline"},
		{name: "head corrupt", in: Input{Head: corrupt}, fileErr: true,
			wantMsg: `head database "` + corrupt + `" is not an hwcov DuckDB database`, wantHint: "move the file aside, or pass another --db"},
		{name: "base corrupt", in: Input{Base: corrupt, Head: good}, fileErr: true,
			wantMsg: `base database "` + corrupt + `" is not an hwcov DuckDB database`, wantHint: "move the file aside, or pass another --db"},
		{name: "bad options", in: Input{Base: good, Head: good, Options: compare.Options{Test: "chi-squared"}},
			wantMsg: `test "chi-squared": want one of`, wantHint: "hwcov compare --help"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(context.Background(), tc.in, "hwcov compare")
			if err == nil {
				t.Fatal("no error")
			}
			var fe *store.FileError
			if errors.As(err, &fe) != tc.fileErr {
				t.Errorf("err %v (%T): file error %v, want %v", err, err, !tc.fileErr, tc.fileErr)
			}
			code, out := exitOf(err)
			if code != hwerr.ExitUsage || !strings.Contains(out, tc.wantMsg) || !strings.Contains(out, "\nTry: "+tc.wantHint+"\n") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d, %q and Try: %s", code, out, hwerr.ExitUsage, tc.wantMsg, tc.wantHint)
			}
		})
	}
}

func TestRunsLabel(t *testing.T) {
	for _, tc := range []struct {
		name string
		runs []results.Run
		path string
		want string
	}{
		{"no path", []results.Run{{GitSHA: "abc"}}, "", ""},
		{"no runs", nil, "out/base.duckdb", "`base.duckdb`"},
		{"runs without a commit", []results.Run{{RunID: "x"}}, "run.duckdb", "`run.duckdb`"},
		{"branch", []results.Run{{GitSHA: "0123456789abcdef", GitRef: "refs/heads/main"}}, "b.duckdb", "`main` @ `0123456`"},
		{"pull request", []results.Run{{GitSHA: "0123456789", GitRef: "refs/pull/9/merge", PRNumber: 9}}, "h.duckdb", "#9 @ `0123456`"},
		{"tag", []results.Run{{GitSHA: "abc", GitRef: "refs/tags/v1"}}, "h.duckdb", "`abc`"},
		{"newest run wins", []results.Run{
			{GitSHA: "new0000", GitRef: "refs/heads/dev", StartedAt: t0.Add(time.Hour)},
			{GitSHA: "old0000", GitRef: "refs/heads/main", StartedAt: t0},
		}, "h.duckdb", "`dev` @ `new0000`"},
		{"code span kept closed", []results.Run{{GitSHA: "a`b|c<d>", GitRef: "refs/heads/x`\n|y"}}, "h.duckdb", "`x___y` @ `a_b_c_d`"},
		{"file name kept closed", nil, "dir/evil`|<b>.duckdb", "`evil___b_.duckdb`"},
		{"long branch cut", []results.Run{{GitSHA: "abc", GitRef: "refs/heads/" + strings.Repeat("b", 85)}}, "h.duckdb", "`" + strings.Repeat("b", 80) + "` @ `abc`"},
	} {
		if got := RunsLabel(tc.runs, tc.path); got != tc.want {
			t.Errorf("%s: RunsLabel = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestHeadMatrix(t *testing.T) {
	rs := []results.Result{
		{TestID: "bert@zz-custom/fp32/b1/s128", Architecture: "bert", Hardware: "zz-custom", Status: results.StatusPass},
		{TestID: "bert@openvino/fp32/b1/s128", Architecture: "bert", Hardware: "openvino", Status: results.StatusPass},
		{TestID: "bert@cpu/fp32/b1/s128", Architecture: "bert", Hardware: "cpu", Status: results.StatusFail},
		{TestID: "bert@aa-custom/fp32/b1/s128", Architecture: "bert", Hardware: "aa-custom", Status: results.StatusPass},
	}
	reg := hardware.Builtin()
	// registry order first, then platforms it does not know, sorted
	want := []string{}
	for _, k := range reg.Keys() {
		if k == "cpu" || k == "openvino" {
			want = append(want, k)
		}
	}
	want = append(want, "aa-custom", "zz-custom")
	m := HeadMatrix(rs, nil, reg, nil)
	if !reflect.DeepEqual(m.Platforms, want) {
		t.Errorf("platforms %q, want %q", m.Platforms, want)
	}
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	m = HeadMatrix(rs, cat, reg, nil)
	if len(m.Rows) != 1 || m.Rows[0].Architecture != "bert" || m.Rows[0].Category == "" {
		t.Errorf("rows with the catalog: %+v", m.Rows)
	}
}

func TestTemplateFile(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, f := range []string{"tpl/base.py.tmpl", "tpl/hardware/cuda.py.tmpl", "tpl/modality/vision.py.tmpl",
		"tpl/modality/vision_rocm.py.tmpl", "tpl/family/bert.py.tmpl"} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile("secret.py.tmpl", nil, 0o644); err != nil { // outside the folder
		t.Fatal(err)
	}
	if err := os.MkdirAll("tpl/family/gpt2.py.tmpl", 0o755); err != nil { // a folder is no template
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("tpl")
	for _, tc := range []struct {
		name string
		dir  string
		c    compare.Change
		want string
	}{
		{"family first", "tpl", compare.Change{Architecture: "bert", Category: "vision", Hardware: "rocm"}, "tpl/family/bert.py.tmpl"},
		{"modality and hardware", "tpl", compare.Change{Architecture: "vit", Category: "vision", Hardware: "rocm"}, "tpl/modality/vision_rocm.py.tmpl"},
		{"modality", "tpl", compare.Change{Architecture: "vit", Category: "vision", Hardware: "cuda"}, "tpl/modality/vision.py.tmpl"},
		{"hardware", "tpl", compare.Change{Architecture: "t5", Category: "text", Hardware: "cuda"}, "tpl/hardware/cuda.py.tmpl"},
		{"base", "tpl", compare.Change{Architecture: "t5", Category: "text", Hardware: "cpu"}, "tpl/base.py.tmpl"},
		{"a folder is skipped", "tpl", compare.Change{Architecture: "gpt2", Hardware: "cpu"}, "tpl/base.py.tmpl"},
		{"no traversal", "tpl", compare.Change{Architecture: "../../secret", Hardware: "cpu"}, "tpl/base.py.tmpl"},
		{"no folder", "", compare.Change{Architecture: "bert"}, ""},
		{"absolute folder", abs, compare.Change{Architecture: "bert"}, ""},
		{"missing folder", "nope", compare.Change{Architecture: "bert"}, ""},
	} {
		if got := templateFile(tc.dir, tc.c); got != tc.want {
			t.Errorf("%s: templateFile = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestAnnotationsAndCheckRun(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll("tpl/family", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("tpl/family/bert.py.tmpl", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := &Comparison{Policy: compare.DefaultPolicy(), Violations: []string{"1 new failure"}, Report: compare.Report{
		NewFailures: []compare.Change{{TestID: "bert@cpu/fp32/b1/s128", Architecture: "bert", Hardware: "cpu", Base: results.StatusPass, Head: results.StatusFail}},
	}}
	anns := c.Annotations("/ws", "octo/demo", "tpl")
	if len(anns) != 1 || anns[0].File != "tpl/family/bert.py.tmpl" || anns[0].Level != "error" {
		t.Fatalf("annotations %+v, want one error on the family template", anns)
	}
	for _, tc := range []struct {
		name        string
		violations  []string
		anns        []reporter.Annotation
		max         int
		conclusion  string
		wantPaths   []string
		wantSkipped int
	}{
		{"failure", []string{"1 new failure"}, anns, 50, "failure", []string{"tpl/family/bert.py.tmpl"}, 0},
		{"success", nil, anns, 50, "success", []string{"tpl/family/bert.py.tmpl"}, 0},
		{"no file and over max are skipped", nil, []reporter.Annotation{
			{Level: "error", File: "a.py", Line: 1}, {Level: "error"}, {Level: "warning", File: "b.py", Line: 2}, {Level: "error", File: "c.py"},
		}, 2, "success", []string{"a.py", "b.py"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.Violations = tc.violations
			run, skipped := c.CheckRun("hwcov", "abc", "https://ci/1", tc.anns, tc.max)
			var paths []string
			for _, a := range run.Annotations {
				paths = append(paths, a.Path)
			}
			if run.Conclusion != tc.conclusion || skipped != tc.wantSkipped || !reflect.DeepEqual(paths, tc.wantPaths) {
				t.Errorf("conclusion %s skipped %d paths %q, want %s %d %q", run.Conclusion, skipped, paths, tc.conclusion, tc.wantSkipped, tc.wantPaths)
			}
			if run.Name != "hwcov" || run.HeadSHA != "abc" || run.DetailsURL != "https://ci/1" || run.Summary == "" || run.Title == "" {
				t.Errorf("check run %+v", run)
			}
		})
	}
	run, _ := c.CheckRun("hwcov", "abc", "", []reporter.Annotation{{Level: "error", File: "a.py"}, {Level: "warning", File: "b.py"}}, 5)
	if run.Annotations[0].Level != ghapi.LevelFailure || run.Annotations[1].Level != ghapi.LevelWarning {
		t.Errorf("levels %q %q", run.Annotations[0].Level, run.Annotations[1].Level)
	}
}
