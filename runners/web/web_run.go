package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Statuses of a Response.
const (
	StatusOK          = "ok"          // the model ran; outputs and timings are in the response
	StatusFail        = "fail"        // the page reported an error (session creation, an operator, a missing input)
	StatusTimeout     = "timeout"     // no result in time; the browser was killed and restarts on the next test
	StatusCrash       = "crash"       // the page or the browser died; the browser restarts on the next test
	StatusUnavailable = "unavailable" // the platform's browser is not installed here
)

// Tensor is one named array of raw little-endian bytes (base64 in JSON).
type Tensor struct {
	Name  string  `json:"name"`
	DType string  `json:"dtype"` // onnxruntime-web names: float32, int64, bool, ...
	Shape []int64 `json:"shape"`
	Data  []byte  `json:"data"`
}

// Request asks the service to run one ONNX model on a platform.
type Request struct {
	Platform string `json:"platform"` // webgpu or webnn
	TestID   string `json:"test_id"`
	// Model is the absolute path of the .onnx file (weights inside it).
	Model      string   `json:"model"`
	Inputs     []Tensor `json:"inputs"`
	Warmup     int      `json:"warmup"`     // runs before timing, the first one included
	Iterations int      `json:"iterations"` // timed runs
	// TimeoutS caps this test in the browser; 0 or more than the service's
	// TestTimeout means TestTimeout.
	TimeoutS float64 `json:"timeout_s"`
	// WebNNDeviceType is the WebNN context's deviceType; default "cpu".
	WebNNDeviceType string `json:"webnn_device_type,omitempty"`
	// Probe only describes the adapter / context; nothing is run.
	Probe bool `json:"probe,omitempty"`
}

// Response is what happened to a Request.
type Response struct {
	Status       string         `json:"status"`
	Error        string         `json:"error,omitempty"`
	Platform     string         `json:"platform"`
	TestID       string         `json:"test_id,omitempty"`
	Browser      string         `json:"browser"`      // "HeadlessChrome/156.0.8078.108"
	BrowserPath  string         `json:"browser_path"` // the executable
	UserAgent    string         `json:"user_agent,omitempty"`
	Adapter      map[string]any `json:"adapter,omitempty"` // vendor, architecture, isFallbackAdapter, ...
	AdapterLabel string         `json:"adapter_label"`     // "webgpu (SwiftShader CPU adapter)"
	ORTVersion   string         `json:"ort_version,omitempty"`
	SessionMS    float64        `json:"session_ms"`   // InferenceSession.create
	FirstRunMS   float64        `json:"first_run_ms"` // the first run (shader compilation, graph build)
	SamplesMS    []float64      `json:"samples_ms"`   // the timed runs
	Outputs      []Tensor       `json:"outputs,omitempty"`
	Placement    Placement      `json:"placement"`
	UnusedInputs []string       `json:"unused_inputs,omitempty"`
	Phase        string         `json:"phase,omitempty"` // the page's last phase (where it failed or hung)
	LogTail      []string       `json:"log_tail,omitempty"`
	WallMS       float64        `json:"wall_ms"`
	Restarts     int            `json:"restarts"` // browsers restarted on this platform so far
	CrossOrigin  bool           `json:"cross_origin_isolated"`
}

// pageResult is what the page POSTs.
type pageResult struct {
	Error        string         `json:"error"`
	Phase        string         `json:"phase"`
	Adapter      map[string]any `json:"adapter"`
	ORTVersion   string         `json:"ortVersion"`
	SessionMS    float64        `json:"sessionMs"`
	FirstRunMS   float64        `json:"firstRunMs"`
	SamplesMS    []float64      `json:"samplesMs"`
	Outputs      []Tensor       `json:"outputs"`
	UnusedInputs []string       `json:"unusedInputs"`
	PlacementLog []string       `json:"placementLog"`
	LogTail      []string       `json:"logTail"`
	UserAgent    string         `json:"userAgent"`
	CrossOrigin  bool           `json:"crossOriginIsolated"`
}

// jobSpec is the page's job.json.
type jobSpec struct {
	Kind            string   `json:"kind"` // run or probe
	Platform        string   `json:"platform"`
	Inputs          []Tensor `json:"inputs"`
	Warmup          int      `json:"warmup"`
	Iterations      int      `json:"iterations"`
	WebNNDeviceType string   `json:"webnnDeviceType"`
}

// job is one test's page state, reachable under /jobs/<token>/.
type job struct {
	token  string
	spec   []byte
	model  string
	probe  bool
	result chan pageResult

	mu    sync.Mutex
	phase string
	got   bool
}

func (j *job) setPhase(p string) {
	j.mu.Lock()
	j.phase = p
	j.mu.Unlock()
}

func (j *job) lastPhase() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.phase
}

// deliver hands the page's result over once.
func (j *job) deliver(r pageResult) bool {
	j.mu.Lock()
	if j.got {
		j.mu.Unlock()
		return false
	}
	j.got = true
	j.mu.Unlock()
	j.result <- r
	return true
}

// slot is one platform's browser: one test at a time.
type slot struct {
	svc      *Service
	spec     browserSpec
	mu       sync.Mutex // held for a whole test
	b        *browser
	started  int
	restarts atomic.Int32
	pid      atomic.Int32 // the running browser's, 0 when none
}

func (sl *slot) close() {
	sl.mu.Lock()
	b := sl.b
	sl.b = nil
	sl.pid.Store(0)
	sl.mu.Unlock()
	if b != nil {
		b.close()
	}
}

// Run runs one request to completion. It returns an error only for a request
// that is wrong in itself; everything that happens in the browser is a
// Response status.
func (s *Service) Run(ctx context.Context, req Request) (Response, error) {
	start := time.Now()
	resp := Response{Platform: req.Platform, TestID: req.TestID}
	if err := s.validate(&req); err != nil {
		return resp, err
	}
	sl, err := s.slot(req.Platform)
	if err != nil {
		resp.Status, resp.Error = StatusUnavailable, err.Error()
		return resp, nil
	}
	timeout := s.opts.TestTimeout
	if timeout <= 0 {
		timeout = DefaultTestTimeout
	}
	if req.TimeoutS > 0 && time.Duration(req.TimeoutS*float64(time.Second)) < timeout {
		timeout = time.Duration(req.TimeoutS * float64(time.Second))
	}
	sl.run(ctx, req, timeout, &resp)
	resp.WallMS = float64(time.Since(start)) / float64(time.Millisecond)
	return resp, nil
}

func (s *Service) validate(req *Request) error {
	known := false
	for _, p := range Platforms {
		known = known || p == req.Platform
	}
	if !known {
		return fmt.Errorf("run: unknown platform %q; Try: one of %v", req.Platform, Platforms)
	}
	if req.Probe {
		return nil
	}
	if req.Model == "" || !filepath.IsAbs(req.Model) {
		return fmt.Errorf("run %s: model %q is not an absolute path; Try: pass the exported .onnx file's absolute path", req.TestID, req.Model)
	}
	if st, err := os.Stat(req.Model); err != nil || st.IsDir() {
		return fmt.Errorf("run %s: model %q is not a readable file; Try: export the model first", req.TestID, req.Model)
	}
	if req.Iterations < 1 {
		req.Iterations = 1
	}
	if req.Warmup < 1 {
		req.Warmup = 1 // the first run is always separate: it compiles shaders / builds the graph
	}
	return nil
}

// run does the request on the slot's browser, starting or restarting it.
func (sl *slot) run(ctx context.Context, req Request, timeout time.Duration, resp *Response) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	s := sl.svc
	resp.BrowserPath = sl.spec.path

	deadline := time.Now().Add(timeout)
	if sl.b != nil && sl.b.dead() {
		s.logf("web: %s browser (pid %d) is gone: %s; restarting", sl.spec.platform, sl.b.pid, sl.b.exitReason())
		sl.b.kill()
		sl.b = nil
		sl.pid.Store(0)
	}
	if sl.b == nil {
		startTimeout := s.opts.StartTimeout
		if startTimeout <= 0 {
			startTimeout = DefaultStartTimeout
		}
		b, err := launch(ctx, sl.spec, s.environ(), s.opts.BrowserLog, startTimeout)
		if err != nil {
			resp.Status, resp.Error = StatusCrash, err.Error()
			return
		}
		sl.started++
		if sl.started > 1 {
			sl.restarts.Add(1)
		}
		sl.b = b
		sl.pid.Store(int32(b.pid))
		s.logf("web: started %s browser %s (pid %d)", sl.spec.platform, b.version, b.pid)
	}
	b := sl.b
	resp.Browser = b.version
	resp.Restarts = int(sl.restarts.Load())

	spec := jobSpec{Kind: "run", Platform: req.Platform, Inputs: req.Inputs, Warmup: req.Warmup, Iterations: req.Iterations, WebNNDeviceType: req.WebNNDeviceType}
	if req.Probe {
		spec.Kind = "probe"
	}
	if spec.WebNNDeviceType == "" {
		spec.WebNNDeviceType = "cpu"
	}
	if spec.Inputs == nil {
		spec.Inputs = []Tensor{}
	}
	raw, _ := json.Marshal(spec)
	j := &job{token: randomToken(), spec: raw, model: req.Model, probe: req.Probe, result: make(chan pageResult, 1), phase: "opening page"}
	s.mu.Lock()
	s.jobs[j.token] = j
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.jobs, j.token)
		s.mu.Unlock()
	}()

	stop := make(chan struct{})
	timer := time.AfterFunc(time.Until(deadline), func() { close(stop) })
	defer timer.Stop()
	drain(b.crashes)
	contextID, targetID, err := b.openPage(stop, s.base+"/jobs/"+j.token+"/")
	if err != nil {
		sl.lost(resp, b, j, timeout, stop, err)
		return
	}
	var pr pageResult
	for done := false; !done; {
		select {
		case pr = <-j.result:
			done = true
		case id := <-b.crashes:
			if id != targetID {
				continue
			}
			resp.Status = StatusCrash
			resp.Phase = j.lastPhase()
			resp.Error = fmt.Sprintf("%s: the page crashed during %q (renderer or GPU process died); the browser will be restarted", req.Platform, resp.Phase)
			s.logf("web: %s: %s", req.TestID, resp.Error)
			b.kill()
			sl.b = nil
			sl.pid.Store(0)
			return
		case <-b.exited:
			sl.lost(resp, b, j, timeout, stop, errors.New("exited"))
			return
		case <-b.conn.Done():
			sl.lost(resp, b, j, timeout, stop, errors.New("pipe closed"))
			return
		case <-stop:
			sl.lost(resp, b, j, timeout, stop, errors.New("stopped"))
			return
		case <-ctx.Done():
			resp.Status, resp.Phase = StatusCrash, j.lastPhase()
			resp.Error = fmt.Sprintf("%s: interrupted during %q: %v", req.Platform, resp.Phase, context.Cause(ctx))
			b.kill()
			sl.b = nil
			sl.pid.Store(0)
			return
		}
	}
	_ = b.closeContext(contextID)

	resp.Phase = pr.Phase
	resp.Adapter = pr.Adapter
	resp.AdapterLabel = AdapterLabel(req.Platform, pr.Adapter, b.version)
	resp.ORTVersion = pr.ORTVersion
	resp.SessionMS, resp.FirstRunMS, resp.SamplesMS = pr.SessionMS, pr.FirstRunMS, pr.SamplesMS
	resp.Outputs = pr.Outputs
	resp.UnusedInputs = pr.UnusedInputs
	resp.Placement = ParsePlacement(req.Platform, pr.PlacementLog)
	resp.LogTail = pr.LogTail
	resp.UserAgent = pr.UserAgent
	resp.CrossOrigin = pr.CrossOrigin
	if pr.Error != "" {
		resp.Status = StatusFail
		resp.Error = fmt.Sprintf("%s: %s (during %q)", req.Platform, firstLine(pr.Error), pr.Phase)
		if len(resp.Placement.Unsupported) > 0 {
			resp.Error += "; operators the provider cannot place: " + opsOf(resp.Placement.Unsupported)
		}
		return
	}
	resp.Status = StatusOK
}

// lost records a test whose browser hung, died or stopped answering, and
// kills the browser so that the next test starts a fresh one.
func (sl *slot) lost(resp *Response, b *browser, j *job, timeout time.Duration, stop <-chan struct{}, cause error) {
	resp.Phase = j.lastPhase()
	stopped := false
	select {
	case <-stop:
		stopped = true
	default:
	}
	if stopped && !b.dead() {
		resp.Status = StatusTimeout
		resp.Error = fmt.Sprintf("%s: no result within %s (the page was at %q); the browser was killed and will be restarted", sl.spec.platform, timeout.Round(time.Second), resp.Phase)
	} else {
		resp.Status = StatusCrash
		resp.Error = fmt.Sprintf("%s: the browser died during %q: %s; it will be restarted; browser output: %s", sl.spec.platform, resp.Phase, b.exitReason(), b.stderr.Tail(300))
		_ = cause
	}
	sl.svc.logf("web: %s", resp.Error)
	b.kill()
	sl.b = nil
	sl.pid.Store(0)
}

func drain(ch chan string) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

func opsOf(nodes []Node) string {
	return Placement{Unsupported: nodes}.FallbackOps()
}

// AdapterLabel names what ran a platform, for reports: "webgpu (SwiftShader
// CPU adapter)" is a software adapter on the CPU, "webgpu (nvidia ampere)" a
// real GPU; "webnn (cpu device, Chromium 153)".
func AdapterLabel(platform string, adapter map[string]any, browserVersion string) string {
	str := func(k string) string {
		v, _ := adapter[k].(string)
		return v
	}
	switch platform {
	case "webgpu":
		if adapter == nil {
			return "webgpu"
		}
		fallback, _ := adapter["isFallbackAdapter"].(bool)
		arch := strings.ToLower(str("architecture"))
		if strings.Contains(arch, "swiftshader") || strings.Contains(strings.ToLower(str("description")), "swiftshader") {
			return "webgpu (SwiftShader CPU adapter)"
		}
		name := strings.TrimSpace(str("vendor") + " " + str("architecture"))
		if name == "" {
			name = "unknown adapter"
		}
		if fallback {
			return "webgpu (" + name + ", fallback CPU adapter)"
		}
		return "webgpu (" + name + ")"
	case "webnn":
		dev := str("deviceType")
		if dev == "" {
			dev = "cpu"
		}
		label := "webnn (" + dev + " device"
		if v := majorVersion(browserVersion); v != "" {
			label += ", Chromium " + v
		}
		return label + ")"
	}
	return platform
}

// majorVersion returns "153" for "HeadlessChrome/153.0.8010.0".
func majorVersion(product string) string {
	_, v, ok := strings.Cut(product, "/")
	if !ok {
		return ""
	}
	major, _, _ := strings.Cut(v, ".")
	return major
}
