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
