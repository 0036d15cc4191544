package web

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testModel is a model of testdata/models.json: inputs and expected outputs.
type testModel struct {
	Inputs  []testTensor `json:"inputs"`
	Outputs []testTensor `json:"outputs"`
}

type testTensor struct {
	Name   string    `json:"name"`
	DType  string    `json:"dtype"`
	Shape  []int64   `json:"shape"`
	Values []float64 `json:"values"`
}

func loadModel(t *testing.T, name string) (Request, testModel) {
	t.Helper()
	b, err := os.ReadFile("testdata/models.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]testModel
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	m := all[name]
	req := Request{TestID: name, Model: webDir(t) + "/testdata/" + name + ".onnx", Warmup: 1, Iterations: 3}
	for _, in := range m.Inputs {
		data := make([]byte, 4*len(in.Values))
		for i, v := range in.Values {
			binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(float32(v)))
		}
		req.Inputs = append(req.Inputs, Tensor{Name: in.Name, DType: "float32", Shape: in.Shape, Data: data})
	}
	return req, m
}

func float32s(t Tensor) []float64 {
	out := make([]float64, len(t.Data)/4)
	for i := range out {
		out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:])))
	}
	return out
}

func realService(t *testing.T, timeout time.Duration, platforms ...string) *Service {
	t.Helper()
	o := needBrowsers(t, platforms...)
	o.TestTimeout = timeout
	svc, err := Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

// runOK runs the test model name on platform p and fails the test unless it
// ran.
func runOK(t *testing.T, svc *Service, name, p string) (Response, testModel) {
	t.Helper()
	req, m := loadModel(t, name)
	req.Platform = p
	r, err := svc.Run(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusOK {
		t.Fatalf("%s: %s: %s", p, r.Status, r.Error)
	}
	return r, m
}

func TestRealMLP(t *testing.T) {
	svc := realService(t, 2*time.Minute, Platforms...)
	for _, p := range Platforms {
		r, m := runOK(t, svc, "mlp", p)
		if !r.Placement.OnPlatform() || !r.CrossOrigin {
			t.Errorf("%s: placement %+v, crossOriginIsolated %v", p, r.Placement, r.CrossOrigin)
		}
		got := float32s(r.Outputs[0])
		for i, want := range m.Outputs[0].Values {
			if math.Abs(got[i]-want) > 1e-5 {
				t.Errorf("%s: y[%d] = %v, want %v", p, i, got[i], want)
			}
		}
		t.Logf("%s: %s, %s, session %.0f ms, first run %.1f ms, samples %v", p, r.Browser, r.AdapterLabel, r.SessionMS, r.FirstRunMS, r.SamplesMS)
	}
}

// An operator the provider cannot place runs on wasm: the placement says so
// and names it (the Python side turns that into "ran on wasm, not webgpu").
func TestRealUnplaceableOperator(t *testing.T) {
	svc := realService(t, 2*time.Minute, Platforms...)
	for _, p := range Platforms {
		r, m := runOK(t, svc, "unplaceable", p)
		pl := r.Placement
		if pl.OnPlatform() || pl.Providers["CPUExecutionProvider"] == 0 || !strings.Contains(pl.FallbackOps(), "Det") {
			t.Errorf("%s: Det not reported as off the platform: %+v", p, pl)
		}
		for _, n := range pl.Fallback {
			if n.Op != "Det" {
				t.Errorf("%s: %s fell back too: %+v", p, n.Op, pl)
			}
		}
		if got, want := float32s(r.Outputs[0]), m.Outputs[0].Values; math.Abs(got[0]-want[0]) > 1e-4 || math.Abs(got[1]-want[1]) > 1e-4 {
			t.Errorf("%s: z = %v, want %v", p, got, want)
		}
		t.Logf("%s: providers %v, fallback %s", p, pl.Providers, pl.FallbackOps())
	}
}

// Killing the browser in the middle of a test records that test as a crash;
// the next test gets a fresh browser. A test past its timeout has its
// browser killed.
func TestRealKillBrowserAndTimeout(t *testing.T) {
	svc := realService(t, 2*time.Minute, "webgpu")
	req, _ := loadModel(t, "mlp")
	req.Platform = "webgpu"
	if r, _ := svc.Run(t.Context(), req); r.Status != StatusOK {
		t.Fatalf("first test: %s %s", r.Status, r.Error)
	}

	long := req
	long.Iterations = 10_000_000
	done := make(chan Response, 1)
	go func() {
		r, _ := svc.Run(t.Context(), long)
		done <- r
	}()
	pid := waitRunning(t, svc)
	if pid <= 0 {
		t.Fatalf("no browser pid (%d) while a test runs", pid)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.Status != StatusCrash || !strings.Contains(r.Error, "the browser died") {
		t.Fatalf("killed browser: %s %q", r.Status, r.Error)
	}
	t.Logf("killed: %s", r.Error)
	if r, _ := svc.Run(t.Context(), req); r.Status != StatusOK || r.Restarts != 1 {
		t.Fatalf("after the kill: %s %q, restarts %d", r.Status, r.Error, r.Restarts)
	}

	long.TimeoutS = 4
	r, _ = svc.Run(t.Context(), long)
	if r.Status != StatusTimeout || !strings.Contains(r.Phase, "run ") {
		t.Fatalf("timeout: %s %q (phase %q)", r.Status, r.Error, r.Phase)
	}
	if r, _ := svc.Run(t.Context(), req); r.Status != StatusOK || r.Restarts != 2 {
		t.Fatalf("after the timeout: %s %q, restarts %d", r.Status, r.Error, r.Restarts)
	}
}

// waitRunning waits until the page is in its timed runs; returns the browser pid.
func waitRunning(t *testing.T, svc *Service) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		svc.mu.Lock()
		running := false
		for _, j := range svc.jobs {
			running = running || strings.HasPrefix(j.lastPhase(), "run ")
		}
		svc.mu.Unlock()
		if running {
			return svc.BrowserPID("webgpu")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the page never reached its timed runs")
	return 0
}
