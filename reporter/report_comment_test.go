package reporter

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/results"
)

// timed is a passing result with n latency samples around ms and a peak
// memory, in run runID.
func timed(runID, id, category string, ms float64, n int) results.Result {
	r := res(id, results.StatusPass, category)
	r.RunID = runID
	r.SamplesMS = nil
	for i := range n {
		r.SamplesMS = append(r.SamplesMS, ms*(0.98+0.04*float64(i)/float64(n-1)))
	}
	r.ExecutionMS, r.MemoryMB = ms, 512
	r.GeneratedFile = "/home/runner/work/demo/demo/.hwcov/generated/test_" + strings.SplitN(id, "/", 2)[0] + ".py"
	r.TemplateChain = "base > " + category + " > cpu"
	return r
}

func inRun(r results.Result, runID string, at time.Time) results.Result {
	r.RunID, r.FinishedAt = runID, at
	return r
}

// commentFixture compares a small base and head with every kind of change.
func commentFixture(t *testing.T) ReportInput {
	t.Helper()
	b, h := t0, t0.Add(time.Hour)
	base := []results.Result{
		inRun(timed("base", "bert@cpu/fp32/b1/s128", "text-encoder", 10, 10), "base", b),
		inRun(timed("base", "vit@cpu/fp32/b1/s224", "vision", 20, 10), "base", b),
		inRun(timed("base", "gpt2@cpu/fp32/b1/s128", "text-generation", 30, 10), "base", b),
		inRun(timed("base", "whisper@cpu/fp32/b1/s128", "audio", 40, 10), "base", b),
		inRun(fail("t5@cpu/fp32/b1/s128", results.StatusFail, "text2text", "ValueError: bad shape"), "base", b),
		inRun(fail("llama@cpu/fp32/b1/s128", results.StatusCrash, "text-generation", "Segmentation fault"), "base", b),
		inRun(timed("base", "clip@cpu/fp32/b1/s77", "multimodal", 15, 10), "base", b),
		inRun(timed("base", "bert@openvino/fp32/b1/s128", "text-encoder", 5, 10), "base", b),
	}
	newFail := fail("bert@openvino/fp32/b1/s128", results.StatusFail, "text-encoder",
		"RuntimeError: Exception from src/inference/src/core.cpp:99:\n| `shape` <b>mismatch</b> @octocat [x](http://evil)")
	newFail.ErrorCategory = "shape_mismatch"
	newFail.GeneratedFile = "/runner/_work/demo/demo/.hwcov/generated/test_bert_openvino.py"
	flaky1 := fail("clip@cpu/fp32/b1/s77", results.StatusTimeout, "multimodal", "Timeout after 300 s")
	flaky2 := timed("head", "clip@cpu/fp32/b1/s77", "multimodal", 15, 10)
	flaky2.Attempt = 2
	head := []results.Result{
		inRun(timed("head", "bert@cpu/fp32/b1/s128", "text-encoder", 13, 10), "head", h), // +30%: regression
		inRun(timed("head", "vit@cpu/fp32/b1/s224", "vision", 15, 10), "head", h),        // -25%: improvement
		inRun(timed("head", "gpt2@cpu/fp32/b1/s128", "text-generation", 30.5, 10), "head", h),
		inRun(timed("head", "t5@cpu/fp32/b1/s128", "text2text", 11, 10), "head", h), // fixed
		inRun(fail("llama@cpu/fp32/b1/s128", results.StatusCrash, "text-generation", "Segmentation fault"), "head", h),
		inRun(flaky1, "head", h), inRun(flaky2, "head", h.Add(time.Minute)),
		inRun(newFail, "head", h),
		inRun(timed("head", "mamba@cpu/fp32/b1/s128", "text-generation", 9, 3), "head", h), // new test
		// whisper did not run (its shard was lost)
		{TestID: "whisper@cpu/fp32/b1/s128", Architecture: "whisper", Hardware: "cpu", Status: results.StatusNotRun,
			ErrorMessage: "not run (shard cpu-2of2 lost)"},
	}
	rep, err := compare.Compare(base, head, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := BuildMatrix(MatrixInput{Results: head, Platforms: []string{"cpu", "openvino"}})
	return ReportInput{Report: rep, Matrix: &m, BaseLabel: "`main` @ `1a2b3c4`", HeadLabel: "#7 @ `5d6e7f8`",
		DetailsURL: "https://github.com/octo/demo/actions/runs/42", Chart: true}
}

func TestRenderComment(t *testing.T) {
	in := commentFixture(t)
	got := RenderComment(in)
	golden(t, []byte(got))
	if !strings.HasPrefix(got, CommentMarker+"\n### hwcov: ❌ 1 new failure, 1 regression, 1 flaky test, 1 test not run · 1 fixed, 1 improvement\n") {
		t.Errorf("verdict line: %q", strings.SplitN(got, "\n", 3)[1])
	}
	// Untrusted text stays inside one code span per cell: no mention, link, HTML or broken table.
	for _, bad := range []string{"| `shape`", "<b>mismatch", "](http://evil)` ", "\n| `shape"} {
		if strings.Contains(got, bad) {
			t.Errorf("comment contains %q", bad)
		}
	}
	if !strings.Contains(got, "`RuntimeError: Exception from src/inference/src/core.cpp:99:`") {
		t.Error("first error line missing")
	}
}

func TestRenderCommentAllClear(t *testing.T) {
	b := []results.Result{timed("base", "bert@cpu/fp32/b1/s128", "text-encoder", 10, 10)}
	h := []results.Result{inRun(timed("head", "bert@cpu/fp32/b1/s128", "text-encoder", 10.2, 10), "head", t0.Add(time.Hour))}
	rep, _ := compare.Compare(b, h, compare.Options{})
	got := RenderComment(ReportInput{Report: rep})
	golden(t, []byte(got))
}

func TestRenderCommentNoBaseline(t *testing.T) {
	h := []results.Result{
		timed("head", "bert@cpu/fp32/b1/s128", "text-encoder", 10, 10),
		fail("vit@cpu/fp32/b1/s224", results.StatusFail, "vision", "boom"),
	}
	rep, _ := compare.Compare(nil, h, compare.Options{})
	m := BuildMatrix(MatrixInput{Results: h})
	got := RenderComment(ReportInput{Report: rep, Matrix: &m})
	golden(t, []byte(got))
}

func TestVerdict(t *testing.T) {
	one := []compare.Change{{TestID: "a@cpu/fp32/b1/s1", Head: results.StatusFail}}
	two := append(one, compare.Change{TestID: "b@cpu/fp32/b1/s1", Head: results.StatusPass})
	base := compare.Side{Tests: 2}
	for _, tc := range []struct {
		r    compare.Report
		want string
	}{
		{compare.Report{Base: base}, "✅ no new failures"},
		{compare.Report{Base: base, Fixed: two}, "✅ no new failures · 2 fixed"},
		{compare.Report{Base: base, NewFailures: one, Regressions: []compare.Perf{{}, {}}}, "❌ 1 new failure, 2 regressions"},
		{compare.Report{Base: base, Flaky: one, NewTests: two}, "⚠️ no new failures, 1 flaky test, 1 new test failing"},
		{compare.Report{Base: base, NotRun: two, Improvements: []compare.Perf{{}}}, "⚠️ no new failures, 2 tests not run · 1 improvement"},
		{compare.Report{Base: base, NotComparedInfra: two}, "⚠️ no new failures, 2 not compared: infrastructure"},
		{compare.Report{Base: base, NewFailures: one, NotComparedInfra: one}, "❌ 1 new failure, 1 not compared: infrastructure"},
		{compare.Report{Head: compare.Side{Tests: 3, Passed: 2, Failing: 1}}, "ℹ️ no baseline to compare with: 3 tests, 2 passed, 1 failing"},
	} {
		if got := Verdict(tc.r); got != tc.want {
			t.Errorf("Verdict = %q, want %q", got, tc.want)
		}
	}
}

// TestRenderCommentInfra: a head whose runner lacked torch shows its tests
// as not compared: infrastructure, never as new failures, and its matrix
// cells as infra.
func TestRenderCommentInfra(t *testing.T) {
	b, h := t0, t0.Add(time.Hour)
	base := []results.Result{
		inRun(timed("base", "bert@cpu/fp32/b1/s128", "text-encoder", 10, 10), "base", b),
		inRun(timed("base", "bert@openvino/fp32/b1/s128", "text-encoder", 5, 10), "base", b),
	}
	infra := fail("bert@openvino/fp32/b1/s128", results.StatusInfraError, "text-encoder",
		results.InfraMessage("No module named 'openvino'", "make venv, or pip install -r runners/python/requirements.txt on the runner"))
	infra.ErrorCategory = results.ErrorCategoryInfra
	head := []results.Result{
		inRun(timed("head", "bert@cpu/fp32/b1/s128", "text-encoder", 10.1, 10), "head", h),
		inRun(infra, "head", h),
	}
	got, rep := commentOn(t, base, head)
	golden(t, []byte(got))
	for _, want := range []string{"### hwcov: ⚠️ no new failures, 1 not compared: infrastructure\n",
		"🛠️ Not compared: infrastructure (1)", "No module named 'openvino'. Try: make venv", "⚠️ infra"} {
		if !strings.Contains(got, want) {
			t.Errorf("comment lacks %q", want)
		}
	}
	if strings.Contains(got, "New failures") {
		t.Error("an infra error is shown as a new failure")
	}
	anns := Annotations(rep, AnnotationOptions{})
	if len(anns) != 1 || anns[0].Level != "error" || anns[0].Title != "hwcov: infrastructure" ||
		anns[0].Message != "1 test could not run on this runner (not compared): No module named 'openvino'. Try: make venv, or pip install -r runners/python/requirements.txt on the runner" {
		t.Errorf("annotations %+v", anns)
	}
}

// big builds a 400-architecture × 9-platform run and its base: every
// failEvery-th test of the head fails (new failures), and with regress every
// 7th is 30% slower.
func big(failEvery int, regress bool) ReportInput {
	hw := []string{"cpu", "cuda", "rocm", "mps", "openvino", "onnxruntime", "qualcomm", "webnn", "webgpu"}
	cats := []string{"text-encoder", "vision", "audio", "text-generation", "multimodal"}
	var base, head []results.Result
	for a := range 400 {
		arch := fmt.Sprintf("architecture_%03d", a)
		for j, p := range hw {
			id := fmt.Sprintf("%s@%s/fp32/b1/s128", arch, p)
			cat := cats[a%len(cats)]
			b := timed("base", id, cat, 10+float64(a%13), 12)
			b.Architecture, b.Hardware = arch, p
			base = append(base, inRun(b, "base", t0))
			k := a*len(hw) + j
			ms := 10 + float64(a%13)
			if regress && k%7 == 0 {
				ms *= 1.3
			}
			h := timed("head", id, cat, ms, 12)
			h.Architecture, h.Hardware = arch, p
			if failEvery > 0 && k%failEvery == 0 {
				h.Status, h.SamplesMS = results.StatusFail, nil
				h.ErrorMessage = fmt.Sprintf("RuntimeError: %s failed on %s because of a rather long reason that goes on and on, "+
					"with a path /very/long/path/to/some/module/file_%d.py and more words to make it long", arch, p, k)
				h.ErrorCategory = "runtime_error"
			}
			head = append(head, inRun(h, "head", t0.Add(time.Hour)))
		}
	}
	rep, err := compare.Compare(base, head, compare.Options{})
	if err != nil {
		panic(err)
	}
	m := BuildMatrix(MatrixInput{Results: head, Platforms: hw})
	return ReportInput{Report: rep, Matrix: &m, DetailsURL: "https://github.com/o/r/actions/runs/1", Chart: true}
}

func TestRenderCommentFits400x9(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failEvery int
		regress   bool
		want      []string
	}{
		{"all pass", 0, false, []string{"✅ no new failures", "| `architecture_399` |"}},
		{"all pass, 515 regressions", 0, true, []string{"❌ 515 regressions", "Compatibility matrix: 400 architectures × 9 platforms", "shortened to fit"}},
		{"one in 50 fails", 50, false, []string{"❌ 72 new failures", "| `architecture_399` |"}},
		{"one in 25 fails", 25, false, []string{"❌ 144 new failures", "architectures that pass everywhere they ran are left out"}},
		{"one in 50 fails, 504 regressions", 50, true, []string{"❌ 72 new failures, 504 regressions", "… and 304 more"}},
		{"one in 3 fails", 3, true, []string{"❌ 1,200 new failures", "the full report](https://github.com/o/r/actions/runs/1) has them all"}},
		{"every test fails", 1, false, []string{"❌ 3,600 new failures", "… and "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := big(tc.failEvery, tc.regress)
			got := RenderComment(in)
			if n := utf16Len(got); n > MaxCommentChars {
				t.Fatalf("comment is %d characters, over %d", n, MaxCommentChars)
			}
			if !strings.HasPrefix(got, CommentMarker+"\n### hwcov: ") || !utf8.ValidString(got) {
				t.Errorf("comment starts %q", got[:80])
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("comment lacks %q", w)
				}
			}
			if strings.Count(got, "<details>") != strings.Count(got, "</details>") {
				t.Error("unbalanced <details>")
			}
			if strings.Count(got, "```")%2 != 0 {
				t.Error("unbalanced code fence")
			}
			// The summary keeps more within its 1 MiB.
			sum := RenderSummary(in)
			if len(sum) > MaxSummaryBytes || strings.Contains(sum, CommentMarker) {
				t.Errorf("summary: %d bytes", len(sum))
			}
			if tc.failEvery == 0 && !strings.Contains(sum, "| `architecture_399` |") {
				t.Error("summary lacks the full matrix")
			}
		})
	}
}

func TestRenderCommentHardCut(t *testing.T) {
	in := big(1, false)
	got := RenderComment(ReportInput{Report: in.Report, Limit: 1000})
	if utf16Len(got) > 1000 || !strings.HasSuffix(got, "(cut to fit; the job summary and `hwcov compare` have them all)\n") {
		t.Errorf("hard cut: %d characters, ends %q", utf16Len(got), got[max(0, len(got)-80):])
	}
}

func TestRenderSummary(t *testing.T) {
	in := commentFixture(t)
	in.Chart = false
	golden(t, []byte(RenderSummary(in)))
}

func TestAnnotations(t *testing.T) {
	in := commentFixture(t)
	anns := Annotations(in.Report, AnnotationOptions{
		Workspace: "/home/runner/work/demo/demo", RepoName: "demo",
		Template: func(c compare.Change) string {
			if c.Architecture == "clip" {
				return ".hwcov/templates/family/clip.py.tmpl"
			}
			return ""
		},
	})
	var b bytes.Buffer
	if err := WriteAnnotations(&b, anns, 10); err != nil {
		t.Fatal(err)
	}
	golden(t, b.Bytes())
	var capped bytes.Buffer
	many := []Annotation{}
	for i := range 13 {
		many = append(many, Annotation{Level: "error", Message: fmt.Sprint(i)})
	}
	WriteAnnotations(&capped, many, 10)
	if n := strings.Count(capped.String(), "::error"); n != 10 || !strings.Contains(capped.String(), "::notice title=hwcov::3 more error annotations") {
		t.Errorf("capped:\n%s", capped.String())
	}
}

func TestWorkflowCommandEscaping(t *testing.T) {
	got := workflowCommand(Annotation{Level: "error", File: "a,b:c.py", Line: 1, Title: "t: 100%, done", Message: "line 1\nline 2 50%\r"})
	want := "::error file=a%2Cb%3Ac.py,line=1,title=t%3A 100%25%2C done::line 1%0Aline 2 50%25%0D\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestAnnotationFile(t *testing.T) {
	for _, tc := range []struct {
		gen, ws, want string
	}{
		{"/home/runner/work/demo/demo/.hwcov/generated/t.py", "/home/runner/work/demo/demo", ".hwcov/generated/t.py"},
		{"/actions-runner/_work/demo/demo/gen/t.py", "/home/runner/work/demo/demo", "gen/t.py"},
		{"/elsewhere/t.py", "/home/runner/work/demo/demo", ""},
		{"gen/t.py", "", "gen/t.py"},
		{"../t.py", "", ""},
		{"", "", ""},
	} {
		got := annotationFile(compare.Change{GeneratedFile: tc.gen}, AnnotationOptions{Workspace: tc.ws, RepoName: "demo"})
		if got != tc.want {
			t.Errorf("annotationFile(%q) = %q, want %q", tc.gen, got, tc.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{withCommas(65536), "65,536"}, {withCommas(-1234), "-1,234"}, {withCommas(12), "12"},
		{sigFigs(1234.4), "1,234"}, {sigFigs(123.4), "123"}, {sigFigs(12.34), "12.3"}, {sigFigs(1.234), "1.23"}, {sigFigs(0.01234), "0.0123"},
		{pValue(0.00001), "<0.0001"}, {pValue(0.00042), "0.0004"}, {pValue(0.0123), "0.012"},
		{signedPct(0.264), "+26.4%"}, {signedPct(-0.25), "-25.0%"}, {percentText(0.1), "10%"},
		{mdCode("a`b|c\nd", 100), "`a'b|c d`"}, {mdCode("", 10), ""}, {mdCode("abcdef", 4), "`abc…`"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if utf16Len("a✅💥") != 4 {
		t.Errorf("utf16Len = %d", utf16Len("a✅💥"))
	}
}

// TestRenderCommentHarness: new failures whose cpu reference fails are
// listed apart from the platforms' new failures, and the matrix shows them
// as harness cells.
func TestRenderCommentHarness(t *testing.T) {
	h := t0.Add(time.Hour)
	var base, head []results.Result
	for _, id := range []string{"vit@cpu/fp32/b1/s224", "vit@openvino/fp32/b1/s224", "bert@cpu/fp32/b1/s128", "bert@openvino/fp32/b1/s128"} {
		cat := map[bool]string{true: "vision", false: "text-encoder"}[strings.HasPrefix(id, "vit")]
		base = append(base, inRun(timed("base", id, cat, 10, 10), "base", t0))
	}
	head = []results.Result{
		inRun(fail("vit@cpu/fp32/b1/s224", results.StatusFail, "vision", "RuntimeError: expected input[1, 512, 28, 28] to have 16 channels"), "head", h),
		inRun(fail("vit@openvino/fp32/b1/s224", results.StatusFail, "vision", "RuntimeError: expected input[1, 512, 28, 28] to have 16 channels"), "head", h),
		inRun(timed("head", "bert@cpu/fp32/b1/s128", "text-encoder", 10, 10), "head", h),
		inRun(fail("bert@openvino/fp32/b1/s128", results.StatusFail, "text-encoder", "Exporting the operator 'aten::foo' to ONNX is not supported"), "head", h),
	}
	got, _ := commentOn(t, base, head)
	golden(t, []byte(got))
	platform := strings.Index(got, "#### ❌ New failures (1)")
	harness := strings.Index(got, "#### 🔧 New failures: harness (2)")
	if platform < 0 || harness < 0 {
		t.Fatalf("new failures are not split into the platform's (1) and the harness's (2):\n%s", got)
	}
	if p := got[platform:harness]; !strings.Contains(p, "bert@openvino") || strings.Contains(p, "vit@") {
		t.Errorf("the platform's section lists the wrong tests:\n%s", p)
	}
	for _, want := range []string{"### hwcov: ❌ 3 new failures\n", "3 failing (2 of them the harness's)", "| `vit` | vision | 🔧 | 🔧 |"} {
		if !strings.Contains(got, want) {
			t.Errorf("comment lacks %q", want)
		}
	}
}

// commentOn compares head with base and renders the comment, with the
// head's matrix on cpu and openvino.
func commentOn(t *testing.T, base, head []results.Result) (string, compare.Report) {
	t.Helper()
	rep, err := compare.Compare(base, head, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := BuildMatrix(MatrixInput{Results: head, Platforms: []string{"cpu", "openvino"}})
	return RenderComment(ReportInput{Report: rep, Matrix: &m}), rep
}

func TestRenderCommentDashboardLink(t *testing.T) {
	in := commentFixture(t)
	if strings.Contains(RenderComment(in), "Dashboard of this run") {
		t.Error("a comment without a dashboard URL links one")
	}
	in.DashboardURL = "https://github.com/o/r/actions/runs/1/artifacts/2"
	if got := RenderComment(in); !strings.Contains(got, "📊 [Dashboard of this run](https://github.com/o/r/actions/runs/1/artifacts/2)") {
		t.Errorf("the comment does not link the dashboard:\n%s", got)
	}
}
