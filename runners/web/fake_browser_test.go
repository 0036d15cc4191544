package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// The test binary doubles as a fake browser: with HWCOV_FAKE_BROWSER set to a
// file, it speaks the DevTools pipe protocol on fds 3/4 and, for each page,
// does what the file says (read at every new page):
//
//	ok        fetch job.json, post a result that echoes the inputs as outputs
//	hang      post a phase, then nothing
//	exit      the whole "browser" exits with code 3
//	pagecrash send Target.targetCrashed for the page
//	error     post a page error with a webnn "supported: [0]" line
const fakeEnv = "HWCOV_FAKE_BROWSER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeBrowser(mode))
	}
	os.Exit(m.Run())
}

func fakeBrowser(modeFile string) int {
	in := os.NewFile(3, "cdp-in")
	out := os.NewFile(4, "cdp-out")
	if in == nil || out == nil {
		return 2
	}
	var mu sync.Mutex
	send := func(v any) {
		b, _ := json.Marshal(v)
		mu.Lock()
		defer mu.Unlock()
		_, _ = out.Write(append(b, 0))
	}
	r := bufio.NewReader(in)
	for {
		msg, err := r.ReadBytes(0)
		if err != nil {
			return 0
		}
		var m struct {
			ID     int64          `json:"id"`
			Method string         `json:"method"`
			Params map[string]any `json:"params"`
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil {
			continue
		}
		result := map[string]any{}
		switch m.Method {
		case "Browser.getVersion":
			result["product"] = "FakeChrome/99.0.1"
		case "Target.createBrowserContext":
			result["browserContextId"] = "ctx-1"
		case "Target.createTarget":
			result["targetId"] = "page-1"
			mode, _ := os.ReadFile(modeFile)
			url, _ := m.Params["url"].(string)
			switch strings.TrimSpace(string(mode)) {
			case "exit":
				return 3
			case "pagecrash":
				send(map[string]any{"id": m.ID, "result": result})
				send(map[string]any{"method": "Target.targetCrashed", "params": map[string]any{"targetId": "page-1", "status": "crashed"}})
				continue
			case "hang":
				go post(url+"phase", "text/plain", []byte("run 2 of 5"))
			case "error":
				go post(url+"result", "application/json", []byte(`{"error":"Error: cannot create session\n at x","phase":"create session",`+
					`"placementLog":["[V:onnxruntime:, helper.cc:216 GetSupportedNodes] Operator type: [Det] index: [1] name: [determinant] supported: [0]"]}`))
			default:
				go fakePage(url)
			}
		case "Browser.close":
			send(map[string]any{"id": m.ID, "result": result})
			return 0
		}
		send(map[string]any{"id": m.ID, "result": result})
	}
}

func post(url, ctype string, body []byte) {
	resp, err := http.Post(url, ctype, bytes.NewReader(body))
	if err == nil {
		resp.Body.Close()
	}
}

// fakePage does what the page does for "ok": its outputs are its inputs.
func fakePage(url string) {
	resp, err := http.Get(url + "job.json")
	if err != nil {
		return
	}
	var job jobSpec
	_ = json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if m, err := http.Get(url + "model.onnx"); err == nil {
		_, _ = io.Copy(io.Discard, m.Body)
		m.Body.Close()
	}
	res := map[string]any{
		"adapter":    map[string]any{"available": true, "vendor": "google", "architecture": "swiftshader", "isFallbackAdapter": true},
		"ortVersion": "1.30.0", "sessionMs": 12.5, "firstRunMs": 3.5, "samplesMs": []float64{1, 2, 3},
		"outputs":      job.Inputs,
		"placementLog": []string{"[V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  All nodes placed on [JsExecutionProvider]. Number of nodes: 3"},
		"phase":        "done", "crossOriginIsolated": true,
	}
	b, _ := json.Marshal(res)
	post(url+"result", "application/json", b)
}

// fakeService starts a service whose webgpu and webnn browsers are this test
// binary in fake-browser mode; set the mode with the returned function.
func fakeService(t *testing.T, timeout time.Duration) (*Service, func(mode string)) {
	t.Helper()
	dir := t.TempDir()
	dist := ortDir(dir)
	if err := os.MkdirAll(dist, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dist+"/ort.all.min.mjs", []byte("export {};\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	modeFile := dir + "/mode"
	setMode := func(mode string) {
		if err := os.WriteFile(modeFile, []byte(mode), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setMode("ok")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Start(t.Context(), Options{
		Dir:          dir,
		Browsers:     map[string]string{"webgpu": exe, "webnn": exe},
		TestTimeout:  timeout,
		StartTimeout: 20 * time.Second,
		Environ:      func() []string { return append(os.Environ(), fakeEnv+"="+modeFile) },
		Logf:         t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return svc, setMode
}
