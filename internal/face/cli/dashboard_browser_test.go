package cli

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// findChromium returns a headless-capable Chromium: $HWCOV_CHROMIUM, else
// Debian's chromium (what `make browsers` installs), else the build
// scripts/install-browsers.sh unpacks under runners/web/.browsers.
func findChromium() string {
	if p := os.Getenv("HWCOV_CHROMIUM"); p != "" {
		return p
	}
	if _, err := exec.LookPath("chromium"); err == nil {
		if _, err := os.Stat("/usr/lib/chromium/chromium"); err == nil {
			return "/usr/lib/chromium/chromium"
		}
		p, _ := exec.LookPath("chromium")
		return p
	}
	matches, _ := filepath.Glob("../../../runners/web/.browsers/chromium-*/chromium")
	if len(matches) > 0 {
		return matches[0]
	}
	return ""
}

// page is one Chromium tab driven over the DevTools pipe
// (https://chromedevtools.github.io/devtools-protocol/), with every request
// but the page's own file failed and recorded.
type page struct {
	t       testing.TB
	cmd     *exec.Cmd
	w       io.WriteCloser
	mu      sync.Mutex
	id      int64
	waits   map[int64]chan json.RawMessage
	session string
	allow   string   // the one URL the page may load
	asked   []string // every URL a request was attempted for
	errors  []string // console errors, exceptions and error log entries
}

func openPage(t testing.TB, bin string) *page {
	t.Helper()
	toBrowser, browserIn, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	browserOut, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	profile, err := os.MkdirTemp("", "hwcov-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--remote-debugging-pipe", "--user-data-dir="+profile,
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-gpu", "--window-size=1400,1000", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // fds 3 and 4
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+filepath.Dir(bin))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers end with it
	if err := cmd.Start(); err != nil {
		t.Skipf("chromium %q does not start: %v", bin, err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	p := &page{t: t, cmd: cmd, w: browserIn, waits: map[int64]chan json.RawMessage{}}
	t.Cleanup(func() {
		browserIn.Close()
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		os.RemoveAll(profile)
	})
	go p.read(browserOut)

	var tg struct{ TargetID string }
	p.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &tg)
	var at struct{ SessionID string }
	p.call("", "Target.attachToTarget", map[string]any{"targetId": tg.TargetID, "flatten": true}, &at)
	p.session = at.SessionID
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		p.call(p.session, m, nil, nil)
	}
	p.call(p.session, "Fetch.enable", map[string]any{"patterns": []map[string]any{{"urlPattern": "*"}}}, nil)
	return p
}

func (p *page) read(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m struct {
			ID     int64           `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil {
			continue
		}
		if m.ID != 0 {
			p.mu.Lock()
			ch := p.waits[m.ID]
			p.mu.Unlock()
			if m.Error != nil {
				m.Result = json.RawMessage(`{"__error":` + string(m.Error) + `}`)
			}
			ch <- m.Result
			continue
		}
		p.event(m.Method, m.Params)
	}
}

func (p *page) event(method string, params json.RawMessage) {
	var ev struct {
		RequestID string `json:"requestId"`
		Request   struct {
			URL string `json:"url"`
		} `json:"request"`
		Type             string                `json:"type"`
		Args             []struct{ Value any } `json:"args"`
		ExceptionDetails struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
		Entry struct {
			Level, Text, URL string
		} `json:"entry"`
	}
	json.Unmarshal(params, &ev)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch method {
	case "Network.requestWillBeSent":
		p.asked = append(p.asked, ev.Request.URL)
	case "Fetch.requestPaused":
		if strings.SplitN(ev.Request.URL, "#", 2)[0] == p.allow {
			go p.call(p.session, "Fetch.continueRequest", map[string]any{"requestId": ev.RequestID}, nil)
		} else {
			p.asked = append(p.asked, ev.Request.URL)
			go p.call(p.session, "Fetch.failRequest", map[string]any{"requestId": ev.RequestID, "errorReason": "BlockedByClient"}, nil)
		}
	case "Runtime.consoleAPICalled":
		if ev.Type == "error" || ev.Type == "assert" {
			p.errors = append(p.errors, fmt.Sprintf("console.%s %v", ev.Type, ev.Args))
		}
	case "Runtime.exceptionThrown":
		p.errors = append(p.errors, ev.ExceptionDetails.Text+" "+ev.ExceptionDetails.Exception.Description)
	case "Log.entryAdded":
		if ev.Entry.Level == "error" {
			p.errors = append(p.errors, ev.Entry.Text+" "+ev.Entry.URL)
		}
	}
}

// call sends a command and decodes its result into out (when not nil).
func (p *page) call(session, method string, params, out any) {
	p.mu.Lock()
	p.id++
	id := p.id
	ch := make(chan json.RawMessage, 1)
	p.waits[id] = ch
	p.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	b, _ := json.Marshal(msg)
	if _, err := p.w.Write(append(b, 0)); err != nil {
		p.t.Errorf("cdp %s: %v", method, err)
		return
	}
	select {
	case res := <-ch:
		if strings.HasPrefix(string(res), `{"__error"`) {
			p.t.Errorf("cdp %s: %s", method, res)
			return
		}
		if out != nil {
			if err := json.Unmarshal(res, out); err != nil {
				p.t.Errorf("cdp %s: %v", method, err)
			}
		}
	case <-time.After(60 * time.Second):
		p.t.Fatalf("cdp %s: no reply in 60 s", method)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func (p *page) eval(expr string, out any) {
	p.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	p.call(p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res)
	if res.ExceptionDetails != nil {
		p.t.Fatalf("evaluate %s: %s", expr, res.ExceptionDetails.Text)
	}
	if out != nil && len(res.Result.Value) > 0 {
		if err := json.Unmarshal(res.Result.Value, out); err != nil {
			p.t.Fatalf("evaluate %s: %v (%s)", expr, err, res.Result.Value)
		}
	}
}

// navigate loads url and waits until the page has rendered view.
func (p *page) navigate(url, view string) {
	p.t.Helper()
	p.call(p.session, "Page.navigate", map[string]any{"url": "about:blank"}, nil)
	p.call(p.session, "Page.navigate", map[string]any{"url": url}, nil)
	p.waitFor(fmt.Sprintf(`document.body && document.body.getAttribute("data-ready") === %q`, view))
}

// waitFor polls a JavaScript condition until it holds (the page renders
// synchronously, so this is the load, never a timing assumption).
func (p *page) waitFor(cond string) {
	p.t.Helper()
	var ok bool
	p.eval(`new Promise(function (done) {
  var n = 0;
  (function poll() { if (`+cond+`) done(true); else if (++n > 600) done(false); else setTimeout(poll, 50); })();
})`, &ok)
	if !ok {
		p.t.Fatalf("page never satisfied %s", cond)
	}
}

func (p *page) screenshot(path string) {
	var shot struct{ Data string }
	p.call(p.session, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &shot)
	b, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil || len(b) == 0 {
		p.t.Errorf("screenshot: %v (%d bytes)", err, len(b))
		return
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		p.t.Error(err)
	}
	p.t.Logf("screenshot: %s", path)
}

func (p *page) key(key, code string, keyCode int) {
	for _, typ := range []string{"keyDown", "keyUp"} {
		ev := map[string]any{"type": typ, "key": key, "code": code, "windowsVirtualKeyCode": keyCode}
		if key == "Enter" && typ == "keyDown" {
			ev["text"] = "\r"
		}
		p.call(p.session, "Input.dispatchKeyEvent", ev, nil)
	}
}
