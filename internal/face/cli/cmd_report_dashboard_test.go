package cli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/fingerprint"
)

// runHwcov runs hwcov in-process and returns its exit code, stdout and stderr.
func runHwcov(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	f := NewFactory(strings.NewReader(""), &out, &errb)
	f.Getenv = func(string) string { return "" }
	code := MainWith(f, args)
	return code, out.String(), errb.String()
}

// wantCells is what the dashboard's matrix must show for the fixture's
// newest results (see dashCases).
var wantCells = map[string]string{
	"bert@cpu": "pass", "bert@openvino": "partial", "bert@onnxruntime": "infra",
	"gpt2@cpu": "pass", "gpt2@openvino": "platform-fail", "gpt2@onnxruntime": "pass",
	"vit@cpu": "harness-fail", "vit@openvino": "pass", "whisper@onnxruntime": "platform-fail",
}

// TestDashboardInChromium builds a history of three CI runs with hwcov's
// store, writes the dashboard with `hwcov report dashboard`, and opens it in
// headless Chromium with every request but the file itself failed. It checks
// the matrix, a filter, a drill-down and a linked URL against the database,
// and keeps a screenshot in $HWCOV_ARTIFACTS (else the test's temp folder).
func TestDashboardInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium; skipped under -short")
	}
	bin := findChromium()
	if bin == "" {
		t.Skip("no Chromium: set HWCOV_CHROMIUM or run make browsers")
	}
	db := writeDashboardHistory(t)
	dir := filepath.Join(t.TempDir(), "dashboard")
	if code, _, errs := runHwcov(t, "report", "dashboard", "--db", db, "--out", dir); code != 0 {
		t.Fatalf("hwcov report dashboard: exit %d\n%s", code, errs)
	}
	file := filepath.Join(dir, "index.html")
	url := "file://" + file

	// what the database says: the newest failure of gpt2 on openvino
	sdb, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	latest, err := sdb.Results(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	fps, _ := fingerprint.Assign(latest, nil)
	var wantMsg, wantFP, wantChain string
	for _, r := range latest {
		if r.TestID == "gpt2@openvino/fp32/b1/s128" {
			wantMsg, wantFP, wantChain = r.ErrorMessage, fps[r.ID].ID, r.TemplateChain
		}
	}
	if wantFP == "" {
		t.Fatal("the fixture's gpt2@openvino failure has no fingerprint")
	}

	p := openPage(t, bin)
	p.allow = url
	p.navigate(url+"#view=matrix", "matrix")

	// the matrix against the database
	var cells map[string]string
	p.eval(`Object.fromEntries([...document.querySelectorAll("button.c")].map(b => [b.dataset.cell, b.dataset.state]))`, &cells)
	for cell, want := range wantCells {
		if cells[cell] != want {
			t.Errorf("cell %s shows %q, the database says %q", cell, cells[cell], want)
		}
	}
	for _, cell := range []string{"whisper@cpu", "whisper@openvino", "vit@onnxruntime"} {
		if s := cells[cell]; s != "not-run" && s != "declared" {
			t.Errorf("cell %s has no result but shows %q", cell, s)
		}
	}

	// a filter: platform failures only
	p.eval(`(() => { const s = document.getElementById("f-state"); s.value = "platform-fail"; s.dispatchEvent(new Event("change")); })()`, nil)
	var rows []string
	var hash string
	p.eval(`[...document.querySelectorAll("#matrix tr[data-arch]")].map(r => r.dataset.arch)`, &rows)
	p.eval(`location.hash`, &hash)
	// bert stays: its fp16 test fails on openvino (a partial cell)
	if strings.Join(rows, ",") != "whisper,bert,gpt2" {
		t.Errorf("filtered by platform fail, the matrix shows rows %v, want whisper, bert and gpt2", rows)
	}
	if !strings.Contains(hash, "state=platform-fail") {
		t.Errorf("the filter is not in the URL hash %q", hash)
	}

	// the drill-down of gpt2 on openvino, opened with the keyboard
	p.eval(`document.querySelector('button.c[data-cell="gpt2@cpu"]').focus()`, nil)
	p.key("ArrowRight", "ArrowRight", 39)
	var focused string
	p.eval(`document.activeElement.dataset.cell`, &focused)
	if focused != "gpt2@openvino" {
		t.Errorf("ArrowRight from gpt2@cpu focused %q, want gpt2@openvino", focused)
	}
	p.key("Enter", "Enter", 13)
	p.waitFor(`document.querySelector('#detail[data-cell="gpt2@openvino"]')`)
	var detail struct {
		Err, FP, Chain, History string
		Tests                   int
	}
	p.eval(`(() => { const d = document.getElementById("detail"); return {
  Err: d.querySelector(".err").textContent, FP: d.querySelector(".fp").textContent,
  Chain: d.querySelector(".chain").textContent, History: d.querySelector("svg[data-history]").dataset.history,
  Tests: d.querySelectorAll(".test").length }; })()`, &detail)
	if detail.Err != wantMsg || detail.FP != wantFP || detail.Chain != wantChain || detail.Tests != 1 {
		t.Errorf("drill-down of gpt2@openvino shows %+v; the database says error %q, fingerprint %q, chain %q, 1 test", detail, wantMsg, wantFP, wantChain)
	}
	if detail.History != "fff" {
		t.Errorf("gpt2@openvino history %q, want fff (failed in all three runs)", detail.History)
	}
	shots := os.Getenv("HWCOV_ARTIFACTS")
	if shots == "" {
		shots = t.TempDir()
	}
	os.MkdirAll(shots, 0o755)
	p.screenshot(filepath.Join(shots, "dashboard-matrix.png"))

	// a linked URL: search, and an open cell with its history
	p.navigate(url+"#view=matrix&q=bert&cell=bert%40openvino", "matrix")
	var linked struct {
		Rows    []string
		Cell    string
		History string
		Tests   []string
		Search  string
	}
	p.eval(`(() => { const d = document.getElementById("detail"); return {
  Rows: [...document.querySelectorAll("#matrix tr[data-arch]")].map(r => r.dataset.arch),
  Cell: d.dataset.cell, History: d.querySelector("svg[data-history]").dataset.history,
  Tests: [...d.querySelectorAll(".test")].map(x => x.dataset.testId + ":" + x.dataset.status),
  Search: document.getElementById("f-q").value }; })()`, &linked)
	if strings.Join(linked.Rows, ",") != "bert" || linked.Cell != "bert@openvino" || linked.Search != "bert" {
		t.Errorf("the linked URL shows rows %v, cell %q, search %q; want bert, bert@openvino, bert", linked.Rows, linked.Cell, linked.Search)
	}
	if linked.History != "hfh" || strings.Join(linked.Tests, ",") != "bert@openvino/fp16/b1/s128:fail,bert@openvino/fp32/b1/s128:pass" {
		t.Errorf("bert@openvino: history %q, tests %v; want hfh and fp16 fail, fp32 pass", linked.History, linked.Tests)
	}

	// the overview: cpu's newest results and its newest run against the one before
	p.navigate(url+"#view=overview", "overview")
	var cpu []string
	p.eval(`[...document.querySelectorAll('#overview-platform tr[data-row="platform:cpu"] td')].slice(0, 2).concat([...document.querySelectorAll('#overview-platform tr[data-row="platform:cpu"] td')].slice(3, 5)).map(x => x.textContent)`, &cpu)
	// cpu: bert, gpt2 pass, vit fails: 2/3 now; run 2 had 3/3
	if strings.Join(cpu, "|") != "66.7%|2/3|66.7%|100.0%" {
		t.Errorf("overview row cpu = %v, want 66.7%%, 2/3, newest run 66.7%%, run before 100.0%%", cpu)
	}
	p.screenshot(filepath.Join(shots, "dashboard-overview.png"))
	p.navigate(url+"#view=trends", "trends")
	var lines int
	p.eval(`document.querySelectorAll("main svg path").length`, &lines)
	if lines != 7 { // 3 platforms and 4 categories
		t.Errorf("trends draw %d lines, want 7", lines)
	}
	p.screenshot(filepath.Join(shots, "dashboard-trends.png"))
	p.navigate(url+"#view=hardware", "hardware")

	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.asked {
		if strings.SplitN(u, "#", 2)[0] != url {
			t.Errorf("the page requested %s; it must need no network", u)
		}
	}
	for _, e := range p.errors {
		t.Errorf("console error: %s", e)
	}
}

// TestReportDashboardFiles covers where the page goes and --update.
func TestReportDashboardFiles(t *testing.T) {
	db := writeDashboardHistory(t)
	dir := filepath.Join(t.TempDir(), "dash")
	if code, _, errs := runHwcov(t, "report", "dashboard", "--db", db, "--update-dashboard", "--dashboard-path", dir); code != ExitUsage || !strings.Contains(errs, "no dashboard at") || !strings.Contains(errs, "Try:") {
		t.Errorf("--update without a dashboard: exit %d, %q; want a usage error", code, errs)
	}
	if code, _, errs := runHwcov(t, "report", "dashboard", "--db", db, "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	if code, _, errs := runHwcov(t, "report", "dashboard", "--db", db, "--update", "--out", dir); code != 0 {
		t.Fatalf("--update: exit %d: %s", code, errs)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(after) == 0 || len(after) != len(before) || len(left) > 0 {
		t.Errorf("--update rewrote %d bytes (was %d), left %v", len(after), len(before), left)
	}
	for _, want := range []string{"Content-Security-Policy", "default-src 'none'", `"matrixOnly"`} {
		if got := strings.Contains(string(after), want); got != (want != `"matrixOnly"`) {
			t.Errorf("dashboard: contains %s = %v", want, got)
		}
	}
	if page := strings.ReplaceAll(string(after), "http://www.w3.org/2000/svg", ""); strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the dashboard names a URL; it must load nothing")
	}
	mat := filepath.Join(t.TempDir(), "coverage_visualization.html")
	if code, _, errs := runHwcov(t, "report", "matrix", "--db", db, "--out", mat); code != 0 {
		t.Fatalf("report matrix --out .html: exit %d: %s", code, errs)
	}
	b, _ := os.ReadFile(mat)
	if !strings.Contains(string(b), `"matrixOnly":true`) {
		t.Errorf("report matrix --out %s did not write the matrix page", mat)
	}
}

// BenchmarkDashboardHistoryDB runs `hwcov report dashboard` end to end
// (read the newest results, aggregate the whole history per run and the
// newest 30 runs per cell, build and write the page) against a
// 1,000,000-row history: 10,000 tests on 9 platforms x 100 runs. Target:
// under 2 s; the page must stay under 3 MB.
func BenchmarkDashboardHistoryDB(b *testing.B) {
	dir := b.TempDir()
	hist := filepath.Join(dir, "history.duckdb")
	benchResultsDB(b, hist, 100, 10_000, false)
	out := filepath.Join(dir, "dashboard")
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for range b.N {
		if code, _, errs := runHwcov(b, "report", "dashboard", "--db", hist, "--out", out); code != 0 {
			b.Fatalf("hwcov report dashboard: exit %d\n%s", code, errs)
		}
	}
	b.StopTimer()
	// CPU time says more than wall time on a shared, loaded machine
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	st, err := os.Stat(filepath.Join(out, "index.html"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/1e6, "MB/page")
	if st.Size() > 3e6 {
		b.Errorf("the page is %d bytes, over 3 MB", st.Size())
	}
	if p := os.Getenv("HWCOV_BENCH_PAGE"); p != "" {
		b.Logf("kept the page: %s", p)
		data, _ := os.ReadFile(filepath.Join(out, "index.html"))
		os.WriteFile(p, data, 0o644)
	}
}

// BenchmarkDashboardOpenInChromium opens the page of the 1,000,000-row
// history in headless Chromium and reports the time from navigation to the
// first rendered view (ms/open, from the page's own clock) for the overview
// and the matrix. Target: under 2 s.
func BenchmarkDashboardOpenInChromium(b *testing.B) {
	bin := findChromium()
	if bin == "" {
		b.Skip("no Chromium: set HWCOV_CHROMIUM or run make browsers")
	}
	dir := b.TempDir()
	hist := filepath.Join(dir, "history.duckdb")
	benchResultsDB(b, hist, 100, 10_000, false)
	out := filepath.Join(dir, "dashboard")
	if code, _, errs := runHwcov(b, "report", "dashboard", "--db", hist, "--out", out); code != 0 {
		b.Fatalf("hwcov report dashboard: exit %d\n%s", code, errs)
	}
	url := "file://" + filepath.Join(out, "index.html")
	for _, view := range []string{"overview", "matrix"} {
		b.Run(view, func(b *testing.B) {
			p := openPage(b, bin)
			p.allow = url
			var total float64
			for range b.N {
				p.navigate(url+"#view="+view, view)
				var ms string
				p.eval(`document.body.getAttribute("data-ready-ms")`, &ms)
				v, _ := strconv.ParseFloat(ms, 64)
				total += v
			}
			b.ReportMetric(total/float64(b.N), "ms/open")
			for _, e := range p.errors {
				b.Errorf("console error: %s", e)
			}
		})
	}
}

// cpuSeconds is the user and system CPU time this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func TestDashboardUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"report", "matrix", "--format", "html", "--category", "vision"},
		{"report", "dashboard", "--update", "--out", filepath.Join(t.TempDir(), "none")},
		{"comment", "--dry-run", "--dashboard-url", "javascript:alert(1)"},
		{"comment", "--dry-run", "--dashboard-url", "https://x/a) [b](https://evil"},
	} {
		code, _, errs := runHwcov(t, args...)
		if code != ExitUsage || !strings.Contains(errs, "Try:") {
			t.Errorf("hwcov %s: exit %d, %q; want a usage error with a hint", strings.Join(args, " "), code, errs)
		}
	}
}
