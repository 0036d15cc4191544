package reporter

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/hwcov/hwcov/internal/results"
)

// PerfFormats are the formats of the validation, hardware, optimal-hardware,
// optimization-impact and profile reports.
var PerfFormats = []string{"table", "markdown", "json", "csv"}

// Table is a titled table with notes under it: what the performance reports render.
type Table struct {
	Title  string     `json:"title"`
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
	Notes  []string   `json:"notes,omitempty"`
}

// RenderTables writes tables in format (table, markdown, json or csv). In
// table and markdown a table without rows is its title and notes only.
func RenderTables(w io.Writer, tables []Table, format string) error {
	switch format {
	case "table", "":
		for i, t := range tables {
			if i > 0 {
				io.WriteString(w, "\n")
			}
			if t.Title != "" {
				fmt.Fprintln(w, t.Title)
			}
			if len(t.Rows) == 0 {
				// a header over nothing says less than the notes, which say why
				for _, n := range t.Notes {
					fmt.Fprintln(w, n)
				}
				continue
			}
			tt := tablewriter.NewTable(w,
				tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleLight)})),
				tablewriter.WithConfig(tablewriter.Config{
					Header: tw.CellConfig{Formatting: tw.CellFormatting{AutoFormat: tw.Off}, Alignment: tw.CellAlignment{Global: tw.AlignLeft}},
					Row:    tw.CellConfig{Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone}, Alignment: tw.CellAlignment{Global: tw.AlignLeft}},
				}),
			)
			tt.Header(anys(t.Header)...)
			for _, r := range t.Rows {
				if err := tt.Append(anys(r)...); err != nil {
					return fmt.Errorf("render %s: %w", t.Title, err)
				}
			}
			if err := tt.Render(); err != nil {
				return fmt.Errorf("render %s: %w", t.Title, err)
			}
			for _, n := range t.Notes {
				fmt.Fprintln(w, n)
			}
		}
		return nil
	case "markdown":
		var b strings.Builder
		for i, t := range tables {
			if i > 0 {
				b.WriteString("\n")
			}
			if t.Title != "" {
				b.WriteString("### " + t.Title + "\n\n")
			}
			if len(t.Rows) == 0 {
				b.WriteString(strings.Join(t.Notes, "\n") + "\n")
				continue
			}
			mdRow(&b, t.Header)
			align := make([]string, len(t.Header))
			for i := range align {
				align[i] = "---"
			}
			mdRow(&b, align)
			for _, r := range t.Rows {
				mdRow(&b, r)
			}
			if len(t.Notes) > 0 {
				b.WriteString("\n" + strings.Join(t.Notes, "\n") + "\n")
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(tables)
	case "csv":
		cw := csv.NewWriter(w)
		for _, t := range tables {
			cw.Write(append([]string{"table"}, t.Header...))
			for _, r := range t.Rows {
				cw.Write(append([]string{t.Title}, r...))
			}
		}
		cw.Flush()
		return cw.Error()
	}
	return fmt.Errorf("unknown format %q: want one of %s", format, strings.Join(PerfFormats, ", "))
}

// ---------------------------------------------------------------- extra JSON

// Validation is what a result's extra.validation holds: the comparison with the CPU reference.
type Validation struct {
	Reference       string  `json:"reference"`
	Atol            float64 `json:"atol"`
	Rtol            float64 `json:"rtol"`
	MaxAbsDiff      float64 `json:"max_abs_diff"`
	MaxRelDiff      float64 `json:"max_rel_diff"`
	WithinTolerance *bool   `json:"within_tolerance"`
}

// Extra is the part of a result's extra JSON the performance reports read.
type Extra struct {
	Validation    *Validation        `json:"validation"`
	Optimizations []string           `json:"optimizations"`
	Applied       []string           `json:"optimizations_applied"`
	Stats         map[string]float64 `json:"stats_ms"`
	Environment   map[string]any     `json:"environment"`
	Profile       json.RawMessage    `json:"profile"`
}

// ParseExtra reads a result's extra JSON; an empty or broken one gives a zero Extra.
func ParseExtra(s string) Extra {
	var e Extra
	if s != "" {
		_ = json.Unmarshal([]byte(s), &e)
	}
	return e
}

func g4(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }
func ms(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }

// ---------------------------------------------------------------- validation

// ValidationTable lists every result compared with a CPU reference: test,
// platform, max abs/rel difference, tolerance and verdict (guide: --validation-report).
func ValidationTable(rs []results.Result) Table {
	t := Table{Title: "Validation against the CPU reference", Header: []string{"test", "platform", "reference", "max abs diff", "max rel diff", "tolerance (atol/rtol)", "verdict"}}
	var counts = map[string]int{}
	sorted := append([]results.Result(nil), rs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].TestID < sorted[j].TestID })
	for _, r := range sorted {
		e := ParseExtra(r.Extra)
		if e.Validation == nil {
			continue
		}
		v := e.Validation
		verdict := "pass"
		if (v.WithinTolerance != nil && !*v.WithinTolerance) || (v.WithinTolerance == nil && r.Status != results.StatusPass) {
			verdict = "FAIL"
		}
		counts[verdict]++
		t.Rows = append(t.Rows, []string{r.TestID, r.Hardware, v.Reference, g4(v.MaxAbsDiff), g4(v.MaxRelDiff), g4(v.Atol) + " / " + g4(v.Rtol), verdict})
	}
	switch {
	case len(rs) == 0:
		t.Notes = append(t.Notes, "nothing compared: no results. Run a platform against the CPU reference first: hwcov run --models MODEL --hardware openvino,onnxruntime.")
	case len(t.Rows) == 0:
		t.Notes = append(t.Notes, fmt.Sprintf("nothing compared: none of the %s holds a comparison with the CPU reference (cpu fp32 results are the reference itself). "+
			"Compare a platform live (hwcov run --hardware openvino,onnxruntime) or with stored outputs (hwcov reference validate).", countOf(len(rs), "result", "results")))
	default:
		t.Notes = append(t.Notes, fmt.Sprintf("%d compared: %d within tolerance, %d out of tolerance. max rel diff divides by |reference| clamped at 1e-6.", len(t.Rows), counts["pass"], counts["FAIL"]))
	}
	if why := skipReasons(rs); why != "" {
		t.Notes = append(t.Notes, "Skipped, so not compared: "+why+".")
	}
	return t
}

// ---------------------------------------------------------------- latency statistics

// Stats are the statistics of one result's timed samples.
type Stats struct {
	N      int
	Mean   float64
	Median float64
	Stdev  float64
	CV     float64 // stdev / mean
}

// SampleStats computes Stats of samples (sample standard deviation).
func SampleStats(samples []float64) Stats {
	n := len(samples)
	if n == 0 {
		return Stats{}
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	mean := sum / float64(n)
	v := 0.0
	for _, x := range s {
		v += (x - mean) * (x - mean)
	}
	sd := 0.0
	if n > 1 {
		sd = math.Sqrt(v / float64(n-1))
	}
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	cv := 0.0
	if mean > 0 {
		cv = sd / mean
	}
	return Stats{N: n, Mean: mean, Median: med, Stdev: sd, CV: cv}
}

func cellOf(r results.Result) string { return fmt.Sprintf("b%d/s%d", r.BatchSize, r.SeqLen) }

// HardwareTable compares platforms per model and cell: mean and median
// latency, CV, samples and the speed-up over cpu on the same cell
// (guide: --compare-hardware-performance, --comparative-report).
func HardwareTable(rs []results.Result, models []string) Table {
	keep := map[string]bool{}
	for _, m := range models {
		keep[m] = true
	}
	t := Table{Title: "Latency by platform (ms per forward pass)", Header: []string{"model", "cell", "platform", "precision", "status", "mean", "median", "cv", "n", "speed-up vs cpu"}}
	type key struct{ model, cell string }
	cpu := map[key]float64{}
	var list []results.Result
	for _, r := range rs {
		if len(keep) > 0 && !keep[r.Architecture] {
			continue
		}
		list = append(list, r)
		if r.Hardware == "cpu" && r.Status == results.StatusPass && r.Precision == "fp32" {
			cpu[key{r.Architecture, cellOf(r)}] = SampleStats(r.SamplesMS).Median
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Architecture != b.Architecture {
			return a.Architecture < b.Architecture
		}
		if a.SeqLen != b.SeqLen {
			return a.SeqLen < b.SeqLen
		}
		if a.BatchSize != b.BatchSize {
			return a.BatchSize < b.BatchSize
		}
		return a.Hardware < b.Hardware
	})
	for _, r := range list {
		row := []string{r.Architecture, cellOf(r), r.Hardware, r.Precision, string(r.Status), "", "", "", "", ""}
		if r.Status == results.StatusPass && len(r.SamplesMS) > 0 {
			st := SampleStats(r.SamplesMS)
			row[5], row[6], row[7], row[8] = ms(st.Mean), ms(st.Median), fmt.Sprintf("%.1f%%", 100*st.CV), strconv.Itoa(st.N)
			if base, ok := cpu[key{r.Architecture, cellOf(r)}]; ok && st.Median > 0 {
				row[9] = fmt.Sprintf("%.2fx", base/st.Median)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	t.Notes = []string{"speed-up vs cpu: the cpu fp32 median over this platform's median on the same cell; cv: stdev / mean of the timed samples."}
	return t
}

// OptimalHardware names the fastest platform per architecture (over the cells
// every passing platform ran, by geometric mean of median latency) and per
// category (the platform that is fastest for most of its architectures)
// (guide: --optimal-hardware-analysis).
func OptimalHardware(rs []results.Result) []Table {
	type perf map[string]map[string]float64 // platform -> cell -> median
	byArch := map[string]perf{}
	category := map[string]string{}
	for _, r := range rs {
		if r.Status != results.StatusPass || len(r.SamplesMS) == 0 {
			continue
		}
		p := byArch[r.Architecture]
		if p == nil {
			p = perf{}
			byArch[r.Architecture] = p
		}
		if p[r.Hardware] == nil {
			p[r.Hardware] = map[string]float64{}
		}
		p[r.Hardware][cellOf(r)] = SampleStats(r.SamplesMS).Median
		if r.Category != "" {
			category[r.Architecture] = r.Category
		}
	}
	archs := make([]string, 0, len(byArch))
	for a := range byArch {
		archs = append(archs, a)
	}
	sort.Strings(archs)
	at := Table{Title: "Fastest compatible platform per architecture", Header: []string{"architecture", "category", "fastest", "median ms (geo-mean)", "runner-up", "margin", "platforms compared", "cells"}}
	wins := map[string]map[string]int{}
	for _, a := range archs {
		p := byArch[a]
		var common []string
		for c := range p[firstKey(p)] {
			all := true
			for _, cells := range p {
				if _, ok := cells[c]; !ok {
					all = false
				}
			}
			if all {
				common = append(common, c)
			}
		}
		type score struct {
			hw  string
			geo float64
		}
		var scores []score
		for hw, cells := range p {
			if len(common) == 0 {
				continue
			}
			lg := 0.0
			for _, c := range common {
				lg += math.Log(math.Max(cells[c], 1e-9))
			}
			scores = append(scores, score{hw, math.Exp(lg / float64(len(common)))})
		}
		if len(scores) == 0 {
			continue
		}
		sort.Slice(scores, func(i, j int) bool {
			if scores[i].geo != scores[j].geo {
				return scores[i].geo < scores[j].geo
			}
			return scores[i].hw < scores[j].hw
		})
		names := make([]string, len(scores))
		for i, s := range scores {
			names[i] = s.hw
		}
		runner, margin := "-", "-"
		if len(scores) > 1 {
			runner = scores[1].hw
			margin = fmt.Sprintf("%.2fx", scores[1].geo/scores[0].geo)
		}
		cat := category[a]
		if wins[cat] == nil {
			wins[cat] = map[string]int{}
		}
		wins[cat][scores[0].hw]++
		at.Rows = append(at.Rows, []string{a, cat, scores[0].hw, ms(scores[0].geo), runner, margin, strings.Join(names, ", "), strconv.Itoa(len(common))})
	}
	at.Notes = []string{"compared over the cells (batch/seq) every passing platform ran; margin: runner-up latency over the fastest."}
	ct := Table{Title: "Fastest platform per category", Header: []string{"category", "fastest", "architectures it wins", "architectures"}}
	cats := make([]string, 0, len(wins))
	for c := range wins {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		best, n, total := "", -1, 0
		hws := make([]string, 0, len(wins[c]))
		for hw := range wins[c] {
			hws = append(hws, hw)
		}
		sort.Strings(hws)
		for _, hw := range hws {
			total += wins[c][hw]
			if wins[c][hw] > n {
				best, n = hw, wins[c][hw]
			}
		}
		ct.Rows = append(ct.Rows, []string{c, best, strconv.Itoa(n), strconv.Itoa(total)})
	}
	return []Table{at, ct}
}

func firstKey[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// ---------------------------------------------------------------- optimization impact

// MannWhitneyP is the two-sided p-value of the Mann-Whitney U test of a and b
// (normal approximation with tie correction); 1 when either is empty.
func MannWhitneyP(a, b []float64) float64 {
	n1, n2 := len(a), len(b)
	if n1 == 0 || n2 == 0 {
		return 1
	}
	type obs struct {
		v float64
		g int
	}
	all := make([]obs, 0, n1+n2)
	for _, x := range a {
		all = append(all, obs{x, 0})
	}
	for _, x := range b {
		all = append(all, obs{x, 1})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	n := float64(n1 + n2)
	r1, ties := 0.0, 0.0
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			if all[k].g == 0 {
				r1 += rank
			}
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}
	u := r1 - float64(n1*(n1+1))/2
	mu := float64(n1*n2) / 2
	sigma := math.Sqrt(float64(n1*n2) / 12 * ((n + 1) - ties/(n*(n-1))))
	if sigma == 0 {
		return 1
	}
	z := (math.Abs(u-mu) - 0.5) / sigma
	if z < 0 {
		z = 0
	}
	return math.Erfc(z / math.Sqrt2)
}

// OptimizationImpactTable compares a baseline run with an optimized one, test
// by test, with the stored samples: medians, change, speed-up, Mann-Whitney
// p-value, and the optimizations each side applied (guide:
// --optimization-impact). Its notes say why tests were not compared: a
// platform both runs skipped is named with its reason, never shown as "0
// tests compared".
func OptimizationImpactTable(base, head []results.Result, alpha float64) Table {
	t := Table{Title: "Optimization impact (head vs base)", Header: []string{"test", "base median ms", "head median ms", "change", "speed-up", "p-value", "verdict", "base optimizations", "head optimizations"}}
	byID := map[string]results.Result{}
	for _, r := range base {
		byID[r.TestID] = r
	}
	sorted := append([]results.Result(nil), head...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].TestID < sorted[j].TestID })
	faster, slower := 0, 0
	for _, h := range sorted {
		b, ok := byID[h.TestID]
		if !ok || !impactComparable(b, h) {
			continue
		}
		sb, sh := SampleStats(b.SamplesMS), SampleStats(h.SamplesMS)
		change := (sh.Median - sb.Median) / sb.Median
		speedup := "–"
		if sh.Median > 0 {
			speedup = fmt.Sprintf("%.2fx", sb.Median/sh.Median)
		}
		p := MannWhitneyP(b.SamplesMS, h.SamplesMS)
		verdict := "no significant change"
		if p < alpha {
			if change < 0 {
				verdict, faster = "faster", faster+1
			} else {
				verdict, slower = "slower", slower+1
			}
		}
		t.Rows = append(t.Rows, []string{h.TestID, ms(sb.Median), ms(sh.Median), fmt.Sprintf("%+.1f%%", 100*change), speedup, fmt.Sprintf("%.3g", p), verdict,
			optList(ParseExtra(b.Extra)), optList(ParseExtra(h.Extra))})
	}
	if len(t.Rows) > 0 {
		t.Notes = []string{fmt.Sprintf("%s compared: %d faster, %d slower at p < %g (Mann-Whitney U on the stored samples); speed-up is base median / head median.",
			countOf(len(t.Rows), "test", "tests"), faster, slower, alpha)}
	}
	if why := impactNotCompared(base, head, len(t.Rows) == 0); why != "" {
		t.Notes = append(t.Notes, why)
	}
	return t
}

// impactComparable reports whether a test's base and head results can be
// compared: both passed, both with timed samples.
func impactComparable(b, h results.Result) bool {
	return b.Status == results.StatusPass && h.Status == results.StatusPass && len(b.SamplesMS) > 0 && len(h.SamplesMS) > 0
}

// impactNotCompared says why tests of the two runs were not compared: "no
// comparison: every test in both runs was skipped (cuda: CUDA is not
// available ...)" when none was, "2 tests not compared: ..." when some were
// not; "" when every test was.
func impactNotCompared(base, head []results.Result, none bool) string {
	last := func(rs []results.Result) map[string]results.Result {
		m := map[string]results.Result{}
		for _, r := range rs {
			m[r.TestID] = r
		}
		return m
	}
	bs, hs := last(base), last(head)
	ids := make([]string, 0, len(bs)+len(hs))
	for id := range bs {
		ids = append(ids, id)
	}
	for id := range hs {
		if _, ok := bs[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)

	var skipped, bothSkipped, failing, oneRun, noSamples int
	var skips []results.Result
	for _, id := range ids {
		b, inBase := bs[id]
		h, inHead := hs[id]
		switch {
		case !inBase || !inHead:
			oneRun++
		case b.Status == results.StatusSkip || h.Status == results.StatusSkip:
			skipped++
			if b.Status == h.Status {
				bothSkipped++
			}
			skips = append(skips, h, b)
		case b.Status != results.StatusPass || h.Status != results.StatusPass:
			failing++
		case !impactComparable(b, h):
			noSamples++
		}
	}
	skipNote := skipReasons(skips)

	if none && len(ids) > 0 && bothSkipped == len(ids) {
		return "no comparison: every test in both runs was skipped (" + skipNote + ")."
	}
	var parts []string
	if skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped (%s)", skipped, skipNote))
	}
	if failing > 0 {
		parts = append(parts, fmt.Sprintf("%d did not pass in both runs", failing))
	}
	if noSamples > 0 {
		parts = append(parts, fmt.Sprintf("%d without timed samples", noSamples))
	}
	if oneRun > 0 {
		parts = append(parts, fmt.Sprintf("%d in only one of the runs", oneRun))
	}
	switch {
	case none && len(ids) == 0:
		return "no comparison: neither run has results."
	case none:
		return "no comparison: no test passed with timed samples in both runs: " + strings.Join(parts, ", ") + "."
	case len(parts) > 0:
		return fmt.Sprintf("%s not compared: %s.", countOf(skipped+failing+noSamples+oneRun, "test", "tests"), strings.Join(parts, ", "))
	}
	return ""
}

// skipReasons names each platform with a skipped result in rs, with the
// first reason given for it: "cuda: CUDA is not available on this machine
// (...); qualcomm: no runner for this platform".
func skipReasons(rs []results.Result) string {
	var hws []string
	why := map[string]string{}
	for _, r := range rs {
		if r.Status != results.StatusSkip {
			continue
		}
		hw := hardwareOf(r)
		if _, seen := why[hw]; !seen {
			hws = append(hws, hw)
			why[hw] = ""
		}
		if why[hw] == "" {
			why[hw] = truncateRunes(firstLineOf(r.ErrorMessage), 160)
		}
	}
	parts := make([]string, len(hws))
	for i, hw := range hws {
		parts[i] = hw
		if why[hw] != "" {
			parts[i] += ": " + why[hw]
		}
	}
	return strings.Join(parts, "; ")
}

// firstLineOf is the first non-empty line of s, trimmed.
func firstLineOf(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

func optList(e Extra) string {
	xs := e.Applied
	if xs == nil {
		xs = e.Optimizations
	}
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// ---------------------------------------------------------------- profiles

type layerProfile struct {
	Kind    string  `json:"kind"`
	TotalMS float64 `json:"total_ms"`
	Note    string  `json:"note"`
	Error   string  `json:"error"`
	Modules []struct {
		Module  string  `json:"module"`
		Type    string  `json:"type"`
		MS      float64 `json:"ms"`
		Calls   int     `json:"calls"`
		Percent float64 `json:"percent"`
	} `json:"modules"`
	Ops []struct {
		Op      string  `json:"op"`
		SelfMS  float64 `json:"self_cpu_ms"`
		TotalMS float64 `json:"cpu_total_ms"`
		Calls   int     `json:"calls"`
	} `json:"ops"`
	Source     string  `json:"source"`
	PeakMB     float64 `json:"peak_mb"`
	GrowthMB   float64 `json:"growth_mb_per_iteration"`
	Iterations []struct {
		Iteration int     `json:"iteration"`
		PeakMB    float64 `json:"peak_mb"`
		InUseMB   float64 `json:"in_use_mb"`
		GrowthMB  float64 `json:"growth_mb"`
	} `json:"iterations"`
}

// ProfileTables renders the profile stored in r's extra.profile: per-module
// times and top operators (layers), or peak and growth per iteration (memory).
func ProfileTables(r results.Result, top int) ([]Table, error) {
	e := ParseExtra(r.Extra)
	if len(e.Profile) == 0 {
		return nil, fmt.Errorf("test %s has no profile (run it with hwcov run --profile layers or --profile memory)", r.TestID)
	}
	var p layerProfile
	if err := json.Unmarshal(e.Profile, &p); err != nil {
		return nil, fmt.Errorf("profile of %s: %w", r.TestID, err)
	}
	if p.Error != "" {
		return nil, fmt.Errorf("profile of %s: %s", r.TestID, p.Error)
	}
	switch p.Kind {
	case "layers":
		mt := Table{Title: fmt.Sprintf("Layers of %s (one forward pass, %.3f ms)", r.TestID, p.TotalMS), Header: []string{"module", "type", "ms", "% of pass", "calls"}}
		for i, m := range p.Modules {
			if top > 0 && i >= top {
				break
			}
			mt.Rows = append(mt.Rows, []string{m.Module, m.Type, ms(m.MS), fmt.Sprintf("%.1f", m.Percent), strconv.Itoa(m.Calls)})
		}
		mt.Notes = []string{"inclusive wall time per module (a parent includes its children)."}
		if p.Note != "" {
			mt.Notes = append(mt.Notes, p.Note)
		}
		ot := Table{Title: "Top operators (torch.profiler, self CPU time)", Header: []string{"operator", "self ms", "total ms", "calls"}}
		for i, o := range p.Ops {
			if top > 0 && i >= top {
				break
			}
			ot.Rows = append(ot.Rows, []string{o.Op, ms(o.SelfMS), ms(o.TotalMS), strconv.Itoa(o.Calls)})
		}
		return []Table{mt, ot}, nil
	case "memory":
		t := Table{Title: fmt.Sprintf("Memory of %s per iteration (%s)", r.TestID, p.Source), Header: []string{"iteration", "peak MiB", "in use MiB", "growth MiB"}}
		for _, it := range p.Iterations {
			t.Rows = append(t.Rows, []string{strconv.Itoa(it.Iteration), ms(it.PeakMB), ms(it.InUseMB), ms(it.GrowthMB)})
		}
		t.Notes = []string{fmt.Sprintf("peak %.3f MiB; growth %.3f MiB per iteration after the first (steady growth is a leak).", p.PeakMB, p.GrowthMB)}
		return []Table{t}, nil
	}
	return nil, fmt.Errorf("profile of %s: unknown kind %q", r.TestID, p.Kind)
}
