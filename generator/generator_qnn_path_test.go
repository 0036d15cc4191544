package generator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/testid"
)

// qnnRun is one line of testdata/qnn_path_driver.py.
type qnnRun struct {
	Run         string  `json:"run"`
	Status      string  `json:"status"`
	Error       string  `json:"error"`
	Precision   string  `json:"precision"`
	AtolChecked float64 `json:"validation_atol"`
	Opened      []struct {
		Providers       []string            `json:"providers"`
		ProviderOptions []map[string]string `json:"provider_options"`
		SessionConfig   map[string]string   `json:"session_config"`
	} `json:"opened"`
	ONNXRuntime *struct {
		Provider string `json:"provider"`
		Settings struct {
			ProviderOptions map[string]map[string]string `json:"provider_options"`
			SessionConfig   map[string]string            `json:"session_config"`
		} `json:"settings"`
	} `json:"onnxruntime"`
}

// TestQualcommTemplateRunsItsPreferredPrecision renders bert for qualcomm at
// the platform's defaults and runs the file with harness.execute: without
// QNNExecutionProvider it skips and says so; with a stand-in provider (a CPU
// session behind it, see the driver) it runs fp16, the preferred precision,
// with enable_htp_fp16_precision "1" and CPU fallback refused, fp32 with "0",
// and the result's extra records both.
func TestQualcommTemplateRunsItsPreferredPrecision(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python with torch and onnxruntime; skipped under -short")
	}
	py := venvPython(t)
	if py == "" {
		t.Skip("no .venv with torch (make venv)")
	}
	r, err := newGen(t, "").Render(archBert, platform(t, "qualcomm"), testid.ID{Seq: 16})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.TestID, "/fp16/") {
		t.Fatalf("test id %s: want qualcomm's preferred fp16", r.TestID)
	}
	p := filepath.Join(t.TempDir(), r.Path)
	if err := os.WriteFile(p, r.Source, 0o644); err != nil {
		t.Fatal(err)
	}
	out := runPython(t, py, 5*time.Minute, filepath.Join(repoRoot(t), "generator", "testdata", "qnn_path_driver.py"), p)
	runs := map[string]qnnRun{}
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var q qnnRun
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			t.Fatalf("driver line %q: %v", line, err)
		}
		runs[q.Run] = q
	}
	if q := runs["no qnn"]; q.Status != "skip" || !strings.Contains(q.Error, "no QNNExecutionProvider") || len(q.Opened) != 0 {
		t.Errorf("without QNN: %+v, want a skip naming the missing QNNExecutionProvider and no session", q)
	}
	for run, fp16 := range map[string]string{"stand-in qnn default precision": "1", "stand-in qnn fp32": "0"} {
		q := runs[run]
		if q.Status != "pass" || len(q.Opened) != 1 || q.ONNXRuntime == nil {
			t.Errorf("%s: status %s (%s), %d sessions, want one session and a pass:\n%s", run, q.Status, q.Error, len(q.Opened), out)
			continue
		}
		s := q.Opened[0]
		if strings.Join(s.Providers, ",") != "QNNExecutionProvider" || len(s.ProviderOptions) != 1 {
			t.Errorf("%s: providers %v options %v, want QNNExecutionProvider only", run, s.Providers, s.ProviderOptions)
			continue
		}
		if got := s.ProviderOptions[0]["enable_htp_fp16_precision"]; got != fp16 {
			t.Errorf("%s (%s): enable_htp_fp16_precision = %q, want %q", run, q.Precision, got, fp16)
		}
		if got := s.SessionConfig["session.disable_cpu_ep_fallback"]; got != "1" {
			t.Errorf("%s: session.disable_cpu_ep_fallback = %q, want \"1\"", run, got)
		}
		rec := q.ONNXRuntime.Settings
		if rec.ProviderOptions["QNNExecutionProvider"]["enable_htp_fp16_precision"] != fp16 || rec.SessionConfig["session.disable_cpu_ep_fallback"] != "1" {
			t.Errorf("%s: extra.onnxruntime.settings = %+v, want what the session was given", run, rec)
		}
	}
	if q := runs["stand-in qnn default precision"]; q.Precision != "fp16" || q.AtolChecked != 0.05 {
		t.Errorf("default run: precision %s, atol %v; want fp16 at the fp16 tolerance", q.Precision, q.AtolChecked)
	}
	if q := runs["stand-in qnn int8"]; q.Status != "skip" || !strings.Contains(q.Error, "runs fp32, fp16") {
		t.Errorf("int8: %+v, want a skip naming the precisions the template runs", q)
	}
}
