package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mlpRequest(t *testing.T, platform string) Request {
	t.Helper()
	model, err := filepath.Abs("testdata/mlp.onnx")
	if err != nil {
		t.Fatal(err)
	}
	return Request{
		Platform: platform, TestID: "mlp@" + platform, Model: model, Warmup: 1, Iterations: 3,
		Inputs: []Tensor{{Name: "x", DType: "float32", Shape: []int64{2, 4}, Data: make([]byte, 32)}},
	}
}

func TestServiceRunEchoes(t *testing.T) {
	svc, _ := fakeService(t, 20*time.Second)
	for _, p := range Platforms {
		resp, err := svc.Run(t.Context(), mlpRequest(t, p))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != StatusOK {
			t.Fatalf("%s: status %s: %s", p, resp.Status, resp.Error)
		}
		if len(resp.Outputs) != 1 || resp.Outputs[0].Name != "x" || len(resp.Outputs[0].Data) != 32 {
			t.Errorf("%s: outputs %+v", p, resp.Outputs)
		}
		if resp.Browser != "FakeChrome/99.0.1" || resp.SessionMS != 12.5 || len(resp.SamplesMS) != 3 {
			t.Errorf("%s: response %+v", p, resp)
		}
		if p == "webgpu" && (resp.AdapterLabel != "webgpu (SwiftShader CPU adapter)" || !resp.Placement.OnPlatform()) {
			t.Errorf("webgpu: label %q placement %+v", resp.AdapterLabel, resp.Placement)
		}
		if p == "webnn" && resp.Placement.OnPlatform() {
			t.Errorf("webnn: JsExecutionProvider nodes counted as on webnn: %+v", resp.Placement)
		}
	}
}

func TestServiceHTTP(t *testing.T) {
	svc, _ := fakeService(t, 20*time.Second)
	body, _ := json.Marshal(mlpRequest(t, "webgpu"))
	resp, err := http.Post(svc.URL()+"/run", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || r.Status != StatusOK {
		t.Fatalf("HTTP %d, status %q: %s", resp.StatusCode, r.Status, r.Error)
	}
	for _, h := range []string{"Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}

	// onnxruntime-web is served, isolated, as JavaScript
	base := strings.TrimSuffix(svc.URL(), "/api/"+svc.secret)
	ort, err := http.Get(base + "/ort/ort.all.min.mjs")
	if err != nil {
		t.Fatal(err)
	}
	ort.Body.Close()
	if ort.StatusCode != 200 || ort.Header.Get("Content-Type") != "text/javascript" || ort.Header.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
		t.Errorf("/ort/: %d %v", ort.StatusCode, ort.Header)
	}
	for path, want := range map[string]int{
		"/api/wrong-secret/health":       404,
		"/api/" + svc.secret + "/health": 200,
		"/jobs/nosuchtoken/job.json":     404,
		"/jobs/nosuchtoken/":             404,
		"/ort/../web.go":                 404,
	} {
		r, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, r.StatusCode, want)
		}
	}

	// a wrong request is a 400 with a hint
	bad, _ := json.Marshal(Request{Platform: "webgpu", Model: "relative.onnx"})
	r2, err := http.Post(svc.URL()+"/run", "application/json", bytes.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Body.Close()
	var msg bytes.Buffer
	_, _ = msg.ReadFrom(r2.Body)
	if r2.StatusCode != 400 || !strings.Contains(msg.String(), "not an absolute path") || !strings.Contains(msg.String(), "Try:") {
		t.Errorf("bad request: %d %q", r2.StatusCode, msg.String())
	}
}

func TestServiceRecovers(t *testing.T) {
	tests := []struct {
		mode, status, msg string
	}{
		{"hang", StatusTimeout, `no result within 2s (the page was at "run 2 of 5")`},
		{"exit", StatusCrash, "the browser died"},
		{"pagecrash", StatusCrash, "the page crashed"},
		{"error", StatusFail, "cannot create session"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			svc, setMode := fakeService(t, 2*time.Second)
			if r, _ := svc.Run(t.Context(), mlpRequest(t, "webgpu")); r.Status != StatusOK {
				t.Fatalf("first test: %s %s", r.Status, r.Error)
			}
			pid := svc.BrowserPID("webgpu")
			setMode(tt.mode)
			r, err := svc.Run(t.Context(), mlpRequest(t, "webgpu"))
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tt.status || !strings.Contains(r.Error, tt.msg) {
				t.Fatalf("status %s %q, want %s containing %q", r.Status, r.Error, tt.status, tt.msg)
			}
			setMode("ok")
			r, _ = svc.Run(t.Context(), mlpRequest(t, "webgpu"))
			if r.Status != StatusOK {
				t.Fatalf("test after %s: %s %s", tt.mode, r.Status, r.Error)
			}
			restarted := svc.BrowserPID("webgpu") != pid
			if want := tt.status != StatusFail; restarted != want || (svc.Restarts("webgpu") == 1) != want {
				t.Errorf("after %s: restarted %v (restarts %d), want %v", tt.mode, restarted, svc.Restarts("webgpu"), want)
			}
		})
	}
}

func TestServiceUnavailable(t *testing.T) {
	svc, _ := fakeService(t, 5*time.Second)
	svc.opts.Browsers["webnn"] = filepath.Join(t.TempDir(), "no-such-chromium")
	r, err := svc.Run(t.Context(), mlpRequest(t, "webnn"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusUnavailable || !strings.Contains(r.Error, "Try: make browsers") {
		t.Errorf("status %s %q", r.Status, r.Error)
	}
	if _, err := svc.Run(t.Context(), Request{Platform: "cuda"}); err == nil || !strings.Contains(err.Error(), "unknown platform") {
		t.Errorf("unknown platform: %v", err)
	}
}

func TestStartRejects(t *testing.T) {
	if _, err := Start(context.Background(), Options{}); err == nil || !strings.Contains(err.Error(), "Try: make browsers") {
		t.Errorf("no dir: %v", err)
	}
	if _, err := Start(context.Background(), Options{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "onnxruntime-web is missing") {
		t.Errorf("empty dir: %v", err)
	}
	svc, _ := fakeService(t, time.Second)
	if _, err := Start(context.Background(), Options{Dir: svc.opts.Dir, Addr: "0.0.0.0:0"}); err == nil || !strings.Contains(err.Error(), "not loopback") {
		t.Errorf("0.0.0.0: %v", err)
	}
	if env := svc.Env(); len(env) != 1 || !strings.HasPrefix(env[0], EnvURL+"=http://127.0.0.1:") {
		t.Errorf("Env() = %v", env)
	}
}

func TestFindDir(t *testing.T) {
	root := t.TempDir()
	web := filepath.Join(root, "runners", "web")
	if err := os.MkdirAll(ortDir(web), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ortDir(web), "ort.all.min.mjs"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	noenv := func(string) string { return "" }
	if d, err := FindDir(noenv, deep); err != nil || d != web {
		t.Errorf("FindDir(%q) = %q, %v", deep, d, err)
	}
	if _, err := FindDir(noenv, t.TempDir()); err == nil || !strings.Contains(err.Error(), "Try: make browsers") {
		t.Errorf("not installed: %v", err)
	}
	env := func(k string) string {
		if k == EnvDir {
			return web
		}
		return ""
	}
	if d, err := FindDir(env); err != nil || d != web {
		t.Errorf("HWCOV_WEB_DIR: %q, %v", d, err)
	}
}

// A browser started for one request keeps running after that request ends.
func TestBrowserOutlivesRequest(t *testing.T) {
	svc, _ := fakeService(t, 5*time.Second)
	ctx, cancel := context.WithCancel(t.Context())
	if r, _ := svc.Run(ctx, mlpRequest(t, "webgpu")); r.Status != StatusOK {
		t.Fatalf("%s %s", r.Status, r.Error)
	}
	pid := svc.BrowserPID("webgpu")
	cancel()
	time.Sleep(200 * time.Millisecond)
	if r, _ := svc.Run(t.Context(), mlpRequest(t, "webgpu")); r.Status != StatusOK || svc.BrowserPID("webgpu") != pid || r.Restarts != 0 {
		t.Errorf("after the first request's context ended: %s, pid %d -> %d, restarts %d", r.Status, pid, svc.BrowserPID("webgpu"), r.Restarts)
	}
}
