package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/workspace"
	"github.com/hwcov/hwcov/runners/shard"
	"github.com/hwcov/hwcov/runners/web"
)

// shardEnv starts a browser service for the shard runs in this process and
// points the Python workers at it; it skips when anything is missing.
func shardEnv(t *testing.T) (*web.Service, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs key models in real browsers (minutes); skipped under -short")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(filepath.Dir(wd)) // runners/web -> repository root
	py := filepath.Join(root, ".venv", "bin", "python")
	if out, err := exec.Command(py, "-c", "import torch, transformers, onnx, onnxscript").CombinedOutput(); err != nil {
		t.Skipf("needs %s with torch, transformers, onnx and onnxscript (make venv): %v %s", py, err, out)
	}
	o, err := web.OptionsFromEnv(func(string) string { return "" }, wd)
	if err != nil {
		t.Skipf("%v", err)
	}
	for p, r := range web.ProbeDetails(t.Context(), o) {
		if r.Status != web.StatusOK {
			t.Skipf("%s cannot run here: %s", p, r.Error)
		}
	}
	o.Logf = t.Logf
	svc, err := web.Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	t.Setenv(web.EnvURL, svc.URL())
	t.Setenv("HWCOV_PYTHON", py)
	t.Setenv("HWCOV_CACHE_DIR", filepath.Join(t.TempDir(), "cache"))
	return svc, t.TempDir()
}

// runShard runs the models on the platforms as `hwcov run --models ...
// --hardware ... --warmup 1 --timeout 300s --tests-out DIR/tests --db DB`
// does, through the domain packages: the workspace resolves the names, the
// shard package selects, renders and runs the tests. The error is the
// shard's verdict (nil when every test ran, whatever its status).
func runShard(t *testing.T, dir, db string, models, platforms []string, iterations int) error {
	t.Helper()
	ws := workspace.New(os.Getenv, "test")
	ps, err := ws.Platforms(platforms)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := ws.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	var archs []catalog.Architecture
	for _, m := range models {
		a, ok := cat.Get(m)
		if !ok {
			t.Fatalf("no %s in the catalog", m)
		}
		archs = append(archs, a)
	}
	reg, err := ws.Hardware()
	if err != nil {
		t.Fatal(err)
	}
	gen, err := ws.Generator("")
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	tests, err := shard.Select(shard.Selection{Archs: archs, Platforms: ps, Out: filepath.Join(dir, "tests"),
		Generator: gen, Catalog: cat, Hardware: reg, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	o := shard.Options{Workers: 1, Warmup: 1, Iterations: iterations, Timeout: 300 * time.Second,
		Version: "test", Getenv: os.Getenv, Now: time.Now, Log: &log,
		Web: func() (web.Options, error) { return web.OptionsFromEnv(os.Getenv) }}
	if o.Python, err = ws.Python(); err != nil {
		t.Fatal(err)
	}
	if o.Harness, err = ws.HarnessDir(); err != nil {
		t.Fatal(err)
	}
	d, err := store.Open(db, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	run := shard.NewRun(ctx, d, "", platforms, o)
	start := time.Now()
	res, runErr := shard.Run(ctx, d, run, tests, o)
	t.Logf("shard run %s in %s\n%s%s", run.RunID, time.Since(start).Round(time.Second), log.String(), res.Summary.Report(run.RunID, db))
	return res.Verdict(runErr, false)
}

func resultsOf(t *testing.T, db string) map[string]results.Result {
	t.Helper()
	d, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rs, err := d.Results(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]results.Result{}
	for _, r := range rs {
		out[r.TestID] = r
	}
	return out
}

// Key text and vision models run on webgpu and webnn for real through `hwcov
// run` and match the CPU reference; clip on webgpu is reported as a failure
// naming the operator that fell back to wasm (ArgMax on int64 token ids).
func TestKeyModelsInBrowsers(t *testing.T) {
	_, dir := shardEnv(t)
	db := filepath.Join(dir, "web.duckdb")
	if err := runShard(t, dir, db, []string{"bert", "vit", "clip", "t5", "detr", "wav2vec2", "whisper"}, []string{"webgpu", "webnn"}, 3); err != nil {
		t.Logf("verdict: %v", err)
	}
	rs := resultsOf(t, db)
	want := map[string]results.Status{}
	for _, m := range []string{"bert", "vit", "clip", "t5", "detr", "wav2vec2", "whisper"} {
		want[m+"@webgpu"] = results.StatusPass
		want[m+"@webnn"] = results.StatusPass
	}
	want["clip@webgpu"] = results.StatusFail
	for id, r := range rs {
		pair := strings.SplitN(id, "/", 2)[0]
		t.Logf("%-34s %-5s %8.1f ms  %s", id, r.Status, r.ExecutionMS, r.ErrorMessage)
		if r.Status != want[pair] {
			t.Errorf("%s: %s (%s), want %s", id, r.Status, r.ErrorMessage, want[pair])
		}
		delete(want, pair)
		label := "webnn (cpu device"
		if strings.Contains(pair, "webgpu") {
			label = "webgpu ("
		}
		if !strings.Contains(r.Extra, `"adapter_label":"`+label) {
			t.Errorf("%s: no adapter label %q in extra", id, label)
		}
		if r.Status == results.StatusPass && !strings.Contains(r.Extra, `"max_abs_diff"`) {
			t.Errorf("%s: no validation diffs in extra", id)
		}
	}
	for pair := range want {
		t.Errorf("%s: no result", pair)
	}
	if r := rs["clip@webgpu/fp32/b1/s77"]; !strings.Contains(r.ErrorMessage, "ran on wasm, not webgpu") || !strings.Contains(r.ErrorMessage, "ArgMax") {
		t.Errorf("clip@webgpu: %q, want the operators that ran on wasm", r.ErrorMessage)
	}
}

// Killing the browser in the middle of a shard costs that test (crash) and
// nothing else: the next test gets a fresh browser. The kill waits for the
// first test's request: the run's probe of the platform comes before it.
func TestShardSurvivesKilledBrowser(t *testing.T) {
	svc, dir := shardEnv(t)
	db := filepath.Join(dir, "kill.duckdb")
	killed := make(chan int, 1)
	go func() {
		for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if pid := svc.BrowserPID("webgpu"); pid > 0 && svc.TestsInFlight() > 0 {
				if p, err := os.FindProcess(pid); err == nil && p.Kill() == nil {
					killed <- pid
				}
				return
			}
		}
	}()
	if err := runShard(t, dir, db, []string{"bert", "vit"}, []string{"webgpu"}, 2); err != nil {
		t.Logf("verdict: %v", err)
	}
	select {
	case pid := <-killed:
		t.Logf("killed browser pid %d during the first test", pid)
	default:
		t.Fatal("the browser was never killed")
	}
	rs := resultsOf(t, db)
	first, second := rs["bert@webgpu/fp32/b1/s128"], rs["vit@webgpu/fp32/b1/s128"]
	if first.Status != results.StatusCrash || !strings.Contains(first.ErrorMessage, "the browser died") {
		t.Errorf("bert (browser killed): %s %q, want crash", first.Status, first.ErrorMessage)
	}
	if second.Status != results.StatusPass {
		t.Errorf("vit (after the kill): %s %q, want pass", second.Status, second.ErrorMessage)
	}
	if svc.Restarts("webgpu") != 1 {
		t.Errorf("restarts = %d, want 1", svc.Restarts("webgpu"))
	}
}
