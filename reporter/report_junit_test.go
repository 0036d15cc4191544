package reporter

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

func junitFixture() []results.Result {
	pass := res("bert@cpu/fp32/b1/s128", results.StatusPass, "text-encoder")
	pass.StartedAt, pass.FinishedAt, pass.WallMS = t0, t0.Add(2500*time.Millisecond), 2500
	pass.MemoryMB, pass.TemplateChain = 312.5, "base > text-encoder > cpu"
	pass.GeneratedFile, pass.PatchVersion = "generated/test_bert_cpu.py", "t1"

	oom := fail("bert@cuda/fp16/b4/s512", results.StatusFail, "text-encoder", "torch.OutOfMemoryError: CUDA out of memory")
	oom.ErrorCategory = "memory_error"
	oom.Traceback = "Traceback (most recent call last):\n  File \"test_bert_cuda.py\", line 40\n\x1b[31mtorch.OutOfMemoryError\x1b[0m: CUDA out of memory <alloc & free>\x00 ]]> end"
	oom.StartedAt, oom.FinishedAt = t0.Add(time.Minute), t0.Add(time.Minute+750*time.Millisecond)

	retry := oom
	retry.Attempt, retry.Status, retry.ErrorMessage, retry.ErrorCategory, retry.Traceback = 2, results.StatusPass, "", "", ""
	retry.SamplesMS, retry.ExecutionMS, retry.WallMS = []float64{3.5, 4}, 3.75, 900

	timeout := fail("vit@cuda/fp16/b1/s1", results.StatusTimeout, "vision", "timed out after 120s")
	timeout.WallMS = 120000
	crash := fail("vit@openvino/fp32/b1/s1", results.StatusCrash, "vision", "worker died: SIGSEGV")
	skip := fail("whisper@cpu/fp32/b1/s128", results.StatusSkip, "audio", "no runner for platform")
	nb := res("t5@cpu/fp32/b1/s128", results.StatusNotBuildable, "text2text")
	infra := fail("gpt2@cpu/fp32/b1/s128", results.StatusInfraError, "text-decoder",
		results.InfraMessage("No module named 'torch'", "make venv"))
	infra.ErrorCategory = results.ErrorCategoryInfra
	// Out of order on purpose: the output is sorted.
	return []results.Result{crash, retry, skip, infra, timeout, nb, oom, pass}
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, "hwcov run-1", junitFixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, b.Bytes())

	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("output is not XML: %v", err)
	}
	if doc.Tests != 8 || doc.Failures != 3 || doc.Errors != 1 || doc.Skipped != 2 || len(doc.Suites) != 3 {
		t.Errorf("totals: tests=%d failures=%d errors=%d skipped=%d suites=%d", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, len(doc.Suites))
	}
	// infra_error is the runner's: an <error>, never a <failure>
	if c := doc.Suites[0].Cases[1]; c.Name != "gpt2@cpu/fp32/b1/s128" || c.Failure != nil || c.Error == nil ||
		c.Error.Type != "infra_error" || c.Error.Message != "No module named 'torch'. Try: make venv" || doc.Suites[0].Errors != 1 {
		t.Errorf("infra case %+v (suite errors %d)", c, doc.Suites[0].Errors)
	}
	var names []string
	for _, s := range doc.Suites {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "cpu,cuda,openvino" {
		t.Errorf("suites = %v", names)
	}
	cuda := doc.Suites[1]
	if c := cuda.Cases[0]; c.Name != "bert@cuda/fp16/b4/s512" || c.Classname != "hwcov.cuda.bert" ||
		c.Failure == nil || c.Failure.Type != "memory_error" || c.Time != "0.750" ||
		!strings.Contains(c.Failure.Text, "torch.OutOfMemoryError: CUDA out of memory <alloc & free>\uFFFD ]]> end") {
		t.Errorf("first cuda case = %+v %+v", c, c.Failure)
	}
	if c := cuda.Cases[2]; c.Failure == nil || c.Failure.Type != "timeout" || c.Time != "120.000" {
		t.Errorf("timeout case = %+v", c)
	}
}

func TestXMLSafe(t *testing.T) {
	tests := map[string]string{
		"plain\nline":                "plain\nline",
		"\x1b[1;31mred\x1b[0m":       "red",
		"nul\x00 bell\x07":           "nul\uFFFD bell\uFFFD",
		"bad utf8 \xff":              "bad utf8 \uFFFD",
		"emoji 💥 and <tags> & \"q\"": "emoji 💥 and <tags> & \"q\"",
	}
	for in, want := range tests {
		if got := xmlSafe(in); got != want {
			t.Errorf("xmlSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteJUnitDeterministic(t *testing.T) {
	rs := junitFixture()
	var a, b bytes.Buffer
	if err := WriteJUnit(&a, "s", rs); err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	if err := WriteJUnit(&b, "s", rs); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("output depends on input order")
	}
}

func TestWriteJUnitEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, "empty", nil); err != nil {
		t.Fatal(err)
	}
	want := xml.Header + `<testsuites name="empty" tests="0" failures="0" errors="0" skipped="0" time="0.000"></testsuites>` + "\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}
