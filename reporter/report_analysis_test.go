package reporter

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

// analysisArchs is a small catalog: three key models, a high and a normal
// one, and an untested key model (clip).
var analysisArchs = []Arch{
	{"bert", "text-encoder"}, {"vit", "vision"}, {"whisper", "audio"}, {"clip", "multimodal"},
	{"gpt2", "text-generation"}, {"t5", "text2text"},
}

var analysisPop = map[string]Popularity{
	"bert": {"key", 1}, "vit": {"key", 3}, "whisper": {"key", 5}, "clip": {"key", 4},
	"gpt2": {"high", 2}, "t5": {"normal", 0},
}

// history is three runs on cpu and openvino: run 3 breaks vit on cpu
// (a new failure) and makes bert on cpu twice as slow; whisper never passes;
// t5 fails on openvino with the same error as gpt2.
func history() ([]results.Result, []results.Run) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var rs []results.Result
	var runs []results.Run
	id := int64(0)
	for k := range 3 {
		at := t0.Add(time.Duration(k) * 24 * time.Hour)
		for s, hw := range []string{"cpu", "openvino"} {
			runID := fmt.Sprintf("gh-%d-1-%s-1of1", 100+k, hw)
			runs = append(runs, results.Run{RunID: runID, WorkflowRunID: int64(100 + k), RunAttempt: 1, GitSHA: strings.Repeat(string(rune('a'+k)), 40),
				StartedAt: at.Add(time.Duration(s) * time.Minute)})
			add := func(arch, cat string, st results.Status, ms, mem float64, msg string) {
				id++
				r := results.Result{ID: id, RunID: runID, TestID: arch + "@" + hw + "/fp32/b1/s128", Architecture: arch, Category: cat,
					Hardware: hw, Status: st, MemoryMB: mem, ErrorMessage: msg, Attempt: 1,
					TemplateChain: "base > " + cat + " > " + hw, StartedAt: at.Add(time.Duration(id) * time.Second)}
				if arch == "whisper" {
					r.TemplateChain = "base > audio > whisper > " + hw
				}
				r.FinishedAt = r.StartedAt.Add(time.Second)
				if st == results.StatusPass {
					for j := range 8 {
						r.SamplesMS = append(r.SamplesMS, ms*(0.98+0.005*float64(j)))
					}
				}
				rs = append(rs, r)
			}
			bertMS := 10.0
			if k == 2 && hw == "cpu" {
				bertMS = 20
			}
			add("bert", "text-encoder", results.StatusPass, bertMS, 100, "")
			if k == 2 && hw == "cpu" {
				add("vit", "vision", results.StatusFail, 0, 0, "KeyError: 'pixel_values'")
			} else {
				add("vit", "vision", results.StatusPass, 30, 200, "")
			}
			add("whisper", "audio", results.StatusFail, 0, 0, "RuntimeError: The size of tensor a (80) must match the size of tensor b (3000) at non-singleton dimension 2")
			if hw == "cpu" {
				add("gpt2", "text-generation", results.StatusPass, 15, 150, "")
				add("t5", "text2text", results.StatusPass, 12, 120, "")
			} else {
				add("gpt2", "text-generation", results.StatusFail, 0, 0, "RuntimeError: Exception from src/inference/src/cpp/core.cpp:112: unsupported operation aten::triu")
				add("t5", "text2text", results.StatusFail, 0, 0, "RuntimeError: Exception from src/inference/src/cpp/core.cpp:98: unsupported operation aten::triu")
			}
		}
	}
	return rs, runs
}

// newest keeps the last run's results (the newest result per test).
func newest(rs []results.Result) []results.Result {
	last := map[string]results.Result{}
	var ids []string
	for _, r := range rs {
		if _, ok := last[r.TestID]; !ok {
			ids = append(ids, r.TestID)
		}
		last[r.TestID] = r
	}
	slices.Sort(ids)
	out := make([]results.Result, len(ids))
	for i, id := range ids {
		out[i] = last[id]
	}
	return out
}

func analysisMatrix(rs []results.Result) Matrix {
	return BuildMatrix(MatrixInput{Archs: analysisArchs, Platforms: []string{"cpu", "openvino"}, Results: rs, All: true,
		Compat: func(arch, hw string) (bool, string) {
			if arch == "clip" && hw == "openvino" {
				return false, "declared unsupported"
			}
			return true, ""
		}})
}

func TestBuildCoverage(t *testing.T) {
	rs, _ := history()
	cov := BuildCoverage(analysisMatrix(newest(rs)), analysisPop)
	if g := cov.Total; g.Architectures != 6 || g.Tested != 5 || g.Passing != 4 {
		t.Errorf("total = %+v, want 6 architectures, 5 tested, 4 passing", g)
	}
	var names []string
	for _, g := range cov.NoPassingPlatform {
		names = append(names, g.Architecture)
	}
	if !slices.Equal(names, []string{"whisper"}) {
		t.Errorf("no passing platform = %v, want [whisper]", names)
	}
	gaps := map[string]string{}
	for _, g := range cov.KeyModelGaps {
		var ps []string
		for _, p := range g.Platforms {
			ps = append(ps, p.String())
		}
		gaps[g.Architecture] = strings.Join(ps, ", ")
	}
	want := map[string]string{"vit": "cpu (fail)", "whisper": "cpu (fail), openvino (fail)", "clip": "cpu (not run)"}
	if fmt.Sprint(gaps) != fmt.Sprint(want) {
		t.Errorf("key model gaps = %v\nwant %v", gaps, want)
	}
	for _, p := range cov.ByPlatform {
		if p.Name == "openvino" && (p.Architectures != 5 || p.Passing != 2) {
			t.Errorf("openvino = %+v, want 5 that can run there (clip is declared unsupported), 2 passing", p)
		}
	}
}

func TestWriteCoverage(t *testing.T) {
	rs, _ := history()
	m := analysisMatrix(newest(rs))
	cov := BuildCoverage(m, analysisPop)
	for _, format := range AnalysisFormats {
		t.Run(format, func(t *testing.T) {
			var b strings.Builder
			if err := WriteCoverage(&b, cov, m, format); err != nil {
				t.Fatal(err)
			}
			testfs.Golden(t, []byte(b.String()), *update)
		})
	}
}

func TestBuildTrends(t *testing.T) {
	rs, runs := history()
	for _, tt := range []struct {
		metric string
		// marked are the regressions, as "point test"
		marked []string
		// cpu are the cpu series' values at each point
		cpu []string
	}{
		{"pass-rate", []string{"gh-102-1 vit@cpu/fp32/b1/s128"}, []string{"80.0%", "80.0% (+0.0)", "60.0% (-20.0) ✗1"}},
		{"latency", []string{"gh-102-1 bert@cpu/fp32/b1/s128"}, []string{"15.2 ms", "15.2 ms (+0.0%)", "15.3 ms (+26.0%) ✗1"}},
		{"memory", nil, []string{"138 MB", "138 MB (+0.0%)", "122 MB (+0.0%)"}},
	} {
		t.Run(tt.metric, func(t *testing.T) {
			tr, err := BuildTrends(TrendInput{Results: rs, Runs: runs, Metric: tt.metric})
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Points) != 3 || !slices.Equal(tr.Points[0].Runs, []string{"gh-100-1-cpu-1of1", "gh-100-1-openvino-1of1"}) {
				t.Fatalf("points = %+v, want 3 workflow runs of 2 shards each", tr.Points)
			}
			var marked []string
			for _, e := range tr.Marked {
				marked = append(marked, e.Point+" "+e.TestID)
			}
			if !slices.Equal(marked, tt.marked) {
				t.Errorf("marked = %v, want %v", marked, tt.marked)
			}
			var cpu []string
			for _, v := range tr.ByPlatform[0].Values {
				cpu = append(cpu, tr.cellText(v))
			}
			if tr.ByPlatform[0].Name != "cpu" || !slices.Equal(cpu, tt.cpu) {
				t.Errorf("%s = %q, want cpu %q", tr.ByPlatform[0].Name, cpu, tt.cpu)
			}
		})
	}
	if _, err := BuildTrends(TrendInput{Metric: "speed"}); err == nil || !strings.Contains(err.Error(), "pass-rate, latency, memory") {
		t.Errorf("metric speed: %v", err)
	}
}

func TestWriteTrends(t *testing.T) {
	rs, runs := history()
	for _, metric := range []string{"pass-rate", "latency"} {
		for _, format := range AnalysisFormats {
			t.Run(metric+"_"+format, func(t *testing.T) {
				tr, err := BuildTrends(TrendInput{Results: rs, Runs: runs, Metric: metric, Options: compare.DefaultOptions()})
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				if err := WriteTrends(&b, tr, format); err != nil {
					t.Fatal(err)
				}
				testfs.Golden(t, []byte(b.String()), *update)
			})
		}
	}
}

func TestLayers(t *testing.T) {
	r := results.Result{Architecture: "whisper", Category: "audio", Hardware: "openvino"}
	for _, tt := range []struct{ chain, want string }{
		{"base > audio > whisper > openvino", "base.py.tmpl:base modality/audio.py.tmpl:category family/whisper.py.tmpl:family hardware/openvino.py.tmpl:hardware"},
		{"base > audio_openvino > openvino", "base.py.tmpl:base modality/audio_openvino.py.tmpl:category-hardware hardware/openvino.py.tmpl:hardware"},
		{"custom", "custom:other"},
		{"", ""},
	} {
		r.TemplateChain = tt.chain
		var got []string
		for _, l := range Layers(r) {
			got = append(got, l.File+":"+l.Role)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("Layers(%q) = %v, want %s", tt.chain, got, tt.want)
		}
	}
}

func TestTouchedTemplates(t *testing.T) {
	r := func(arch, cat, hw, chain string) results.Result {
		return results.Result{Architecture: arch, Category: cat, Hardware: hw, TemplateChain: chain}
	}
	for _, tt := range []struct {
		name string
		rs   []results.Result
		want []string
	}{
		{"one family", []results.Result{r("whisper", "audio", "cpu", "base > audio > whisper > cpu"), r("whisper", "audio", "openvino", "base > audio > whisper > openvino")}, []string{"family/whisper.py.tmpl"}},
		{"shared category", []results.Result{r("bert", "text", "cpu", "base > text > cpu"), r("roberta", "text", "cpu", "base > text > cpu")}, []string{"modality/text.py.tmpl"}},
		{"shared platform", []results.Result{r("gpt2", "gen", "openvino", "base > gen > openvino"), r("t5", "t2t", "openvino", "base > t2t > openvino")}, []string{"hardware/openvino.py.tmpl"}},
		{"nothing shared", []results.Result{r("gpt2", "gen", "cpu", "base > gen > cpu"), r("t5", "t2t", "openvino", "base > t2t > openvino")}, []string{"modality/gen.py.tmpl", "modality/t2t.py.tmpl"}},
		{"none", nil, []string{}},
	} {
		if got := touchedTemplates(tt.rs); !slices.Equal(got, tt.want) {
			t.Errorf("%s: touchedTemplates = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func analysisPlan(top int) Plan {
	rs, _ := history()
	cur := newest(rs)
	fps, _ := fingerprint.Assign(cur, nil)
	return BuildPlan(PlanInput{Matrix: analysisMatrix(cur), Popularity: analysisPop, Results: cur, Fingerprints: fps, Top: top})
}

func TestBuildPlan(t *testing.T) {
	p := analysisPlan(0)
	var order []string
	for _, it := range p.Items {
		order = append(order, fmt.Sprintf("%s=%d", it.Architecture, it.Score))
	}
	// whisper: key × 2 platforms; vit, clip: key × 1 (vit is more
	// downloaded than clip: rank 3 before 4); gpt2: high × 1; t5: normal × 1.
	if want := []string{"whisper=6", "vit=3", "clip=3", "gpt2=2", "t5=1"}; !slices.Equal(order, want) {
		t.Errorf("plan order = %v, want %v", order, want)
	}
	if p.Items[2].Next != "run it: hwcov run --models clip --hardware cpu" {
		t.Errorf("clip's next step = %q", p.Items[2].Next)
	}
	var fixes []string
	for _, f := range p.Fixes {
		fixes = append(fixes, fmt.Sprintf("%d %s %s %s", f.Cells, f.ErrorCategory, strings.Join(f.Templates, "+"), f.Effort))
	}
	// gpt2 and t5 share one openvino error: one fix in the openvino template.
	// Fixes blocking as many cells are in fingerprint order.
	want := []string{"2 shape_mismatch family/whisper.py.tmpl small", "2 unsupported_operation hardware/openvino.py.tmpl small", "1 other_error modality/vision.py.tmpl small"}
	if !slices.Equal(fixes, want) {
		t.Errorf("fixes = %q\nwant %q", fixes, want)
	}
	if top := analysisPlan(2); len(top.Items) != 2 || top.More != 3 {
		t.Errorf("Top 2: %d items, %d more; want 2 and 3", len(top.Items), top.More)
	}
}

func TestWritePlan(t *testing.T) {
	p := analysisPlan(0)
	for _, tt := range []struct {
		name   string
		effort bool
		format string
	}{{"table", false, "table"}, {"effort_table", true, "table"}, {"effort_markdown", true, "markdown"}, {"json", true, "json"}} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WritePlan(&b, p, tt.effort, tt.format); err != nil {
				t.Fatal(err)
			}
			testfs.Golden(t, []byte(b.String()), *update)
		})
	}
}

func TestBuildTemplateReport(t *testing.T) {
	rs, _ := history()
	rep := BuildTemplateReport(newest(rs))
	got := map[string]string{}
	for _, s := range rep.Templates {
		got[s.Template] = s.Role + " " + s.Tests.String()
	}
	for file, want := range map[string]string{
		"base.py.tmpl":              "base 50.0% (5/10)",
		"hardware/openvino.py.tmpl": "hardware 40.0% (2/5)",
		"family/whisper.py.tmpl":    "family 0.0% (0/2)",
		"modality/vision.py.tmpl":   "category 50.0% (1/2)",
	} {
		if got[file] != want {
			t.Errorf("%s = %q, want %q", file, got[file], want)
		}
	}
	if rep.Templates[0].Template != "base.py.tmpl" || len(rep.Chains) != 10 {
		t.Errorf("first template %q, %d chains; want base first and 10 chains", rep.Templates[0].Template, len(rep.Chains))
	}
}

func TestWriteTemplates(t *testing.T) {
	rs, _ := history()
	rep := BuildTemplateReport(newest(rs))
	for _, format := range AnalysisFormats {
		t.Run(format, func(t *testing.T) {
			var b strings.Builder
			if err := WriteTemplates(&b, rep, format); err != nil {
				t.Fatal(err)
			}
			if format == "json" && !json.Valid([]byte(b.String())) {
				t.Fatal("invalid JSON")
			}
			testfs.Golden(t, []byte(b.String()), *update)
		})
	}
}
