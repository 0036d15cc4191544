package reporter

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/results"
)

// CommentMarker is the hidden first line of hwcov's pull request comment,
// by which the comment is found again and edited in place.
const CommentMarker = "<!-- hwcov:comment -->"

// MaxCommentChars is GitHub's limit on a comment body, in characters.
const MaxCommentChars = 65536

// ReportInput is what RenderComment and RenderSummary read.
type ReportInput struct {
	// Report is the comparison of the head with the base.
	Report compare.Report
	// Matrix is the head's compatibility matrix; nil leaves it out.
	Matrix *Matrix
	// BaseLabel and HeadLabel say what was compared, in markdown: "`main`
	// @ abc1234". Optional.
	BaseLabel, HeadLabel string
	// DetailsURL links the full report (job summary, artifact). When the
	// body has to be shortened it says so and links here.
	DetailsURL string
	// DashboardURL links this run's dashboard (the hwcov-dashboard
	// artifact); empty leaves the link out.
	DashboardURL string
	// Chart adds a Mermaid bar chart of the largest regressions.
	Chart bool
	// NoBaseline says, in one markdown line, why the base is empty ("no
	// baseline yet: ..."); shown under the verdict when the base has no
	// tests.
	NoBaseline string
	// Limit is the most the body may hold: characters for a comment
	// (default MaxCommentChars), bytes for a summary (default
	// MaxSummaryBytes).
	Limit int
}

// Verdict is the report's one-line verdict: "❌ 2 new failures, 1
// regression · 3 fixed", "⚠️ 1 flaky", "✅ no new failures · 2 fixed".
func Verdict(r compare.Report) string {
	var bad, warn, good []string
	add := func(l *[]string, n int, one, many string) {
		if n == 1 {
			*l = append(*l, "1 "+one)
		} else if n > 1 {
			*l = append(*l, fmt.Sprintf("%s %s", withCommas(n), many))
		}
	}
	add(&bad, len(r.NewFailures), "new failure", "new failures")
	add(&bad, len(r.Regressions), "regression", "regressions")
	add(&warn, len(r.Flaky), "flaky test", "flaky tests")
	add(&warn, len(r.NotRun), "test not run", "tests not run")
	add(&warn, r.NewTestsFailing(), "new test failing", "new tests failing")
	add(&warn, len(r.NotComparedInfra), "not compared: infrastructure", "not compared: infrastructure")
	add(&good, len(r.Fixed), "fixed", "fixed")
	add(&good, len(r.Improvements), "improvement", "improvements")
	if r.Base.Tests == 0 {
		failing := ""
		if r.Head.Failing > 0 {
			failing = fmt.Sprintf(", %s failing", withCommas(r.Head.Failing))
		}
		return fmt.Sprintf("ℹ️ no baseline to compare with: %s tests, %s passed%s",
			withCommas(r.Head.Tests), withCommas(r.Head.Passed), failing)
	}
	var s string
	switch {
	case len(bad) > 0:
		s = "❌ " + strings.Join(append(bad, warn...), ", ")
	case len(warn) > 0:
		s = "⚠️ no new failures, " + strings.Join(warn, ", ")
	default:
		s = "✅ no new failures"
	}
	if len(good) > 0 {
		s += " · " + strings.Join(good, ", ")
	}
	return s
}

// RenderComment renders the pull request comment: the hidden marker, the
// verdict, new failures, regressions (with a chart when asked), flaky, then
// collapsed sections (fixed, still failing, not run, new tests,
// improvements, unconfirmed changes, the compatibility matrix). It fits
// in.Limit characters (GitHub's 65,536 by default): passing rows of the
// matrix go first, then the matrix, then long lists are cut, each step
// saying so and linking in.DetailsURL.
func RenderComment(in ReportInput) string {
	limit := in.Limit
	if limit <= 0 {
		limit = MaxCommentChars
	}
	return fitReport(in, CommentMarker+"\n", limit, utf16Len)
}

// fitReport renders at the most detailed level whose body fits limit.
func fitReport(in ReportInput, head string, limit int, measure func(string) int) string {
	var body string
	for li := range reportLevels {
		body = renderReport(in, head, li)
		if measure(body) <= limit {
			return body
		}
	}
	return hardCutReport(body, limit, measure, in.DetailsURL)
}

// reportLevel says how much detail a body keeps; later levels keep less.
type reportLevel struct {
	matrix      int // 0 full, 1 failing rows only, 2 none
	primaryCap  int // rows of new failures, regressions, flaky (0: all)
	secondary   int // rows of the collapsed lists (0: all, -1: counts only)
	errLen      int // characters of an error line
	chart       bool
	shortenNote bool
}

// reportLevels go from everything to little: the matrix's passing rows,
// then the matrix, then the collapsed lists, then the open lists are cut.
var reportLevels = func() []reportLevel {
	lv := []reportLevel{
		{matrix: 0, errLen: 300, chart: true},
		{matrix: 1, errLen: 300, chart: true, shortenNote: true},
		{matrix: 2, errLen: 300, chart: true, shortenNote: true},
		{matrix: 2, secondary: 50, errLen: 200, chart: true, shortenNote: true},
		{matrix: 2, secondary: 20, errLen: 200, chart: true, shortenNote: true},
		{matrix: 2, secondary: -1, errLen: 200, chart: true, shortenNote: true},
	}
	for _, n := range []int{400, 200, 100, 50, 25, 10, 5} {
		errLen := 200
		if n <= 25 {
			errLen = 100
		}
		lv = append(lv, reportLevel{matrix: 2, primaryCap: n, secondary: -1, errLen: errLen, chart: n >= 25, shortenNote: true})
	}
	return lv
}()

// renderReport writes the body at one level.
func renderReport(in ReportInput, head string, li int) string {
	lv := reportLevels[li]
	r := in.Report
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("### hwcov: " + Verdict(r) + "\n\n")
	b.WriteString(reportSubline(in))
	if in.NoBaseline != "" && r.Base.Tests == 0 {
		b.WriteString("ℹ️ " + in.NoBaseline + "\n\n")
	}

	if len(r.Environment) > 0 {
		var parts []string
		n := 0
		for i, e := range r.Environment {
			if i < 5 {
				parts = append(parts, fmt.Sprintf("%s %s → %s", mdCode(e.Key, 40), mdCode(e.Base, 60), mdCode(e.Head, 60)))
			}
			n = max(n, e.Tests)
		}
		fmt.Fprintf(&b, "> [!WARNING]\n> The recorded environment differs from the base for up to %s tests (%s). "+
			"Their performance is not compared, and status changes may come from the environment rather than this change.\n\n",
			withCommas(n), strings.Join(parts, "; "))
	}

	// Primary sections, open. A new failure of the harness is listed apart
	// from the platforms'.
	platformNew, harnessNew := splitHarness(r.NewFailures)
	reportChanges(&b, "❌ New failures", "passed in the base, fail now", platformNew, lv.primaryCap, lv.errLen, false, in.DetailsURL)
	reportChanges(&b, "🔧 New failures: harness", "passed in the base, fail now on the cpu reference, because the cpu reference fails, "+
		"or with inputs or a config hwcov built; hwcov's harness failed, not the platform", harnessNew, lv.primaryCap, lv.errLen, false, in.DetailsURL)
	reportPerf(&b, "🐢 Regressions", fmt.Sprintf("slower or larger by at least %s, p < %s", percentText(r.Options.Threshold), numText(r.Options.Alpha)),
		r.Regressions, lv.primaryCap, false, in.DetailsURL)
	if in.Chart && lv.chart {
		regressionChart(&b, r.Regressions)
	}
	reportChanges(&b, "🔁 Flaky", "failed, then passed on a rerun", r.Flaky, lv.primaryCap, lv.errLen, false, in.DetailsURL)
	reportChanges(&b, "🛠️ Not compared: infrastructure", "the runner was not set up (a missing package or browser); not the platform's fault",
		r.NotComparedInfra, lv.primaryCap, lv.errLen, false, in.DetailsURL)

	// Secondary sections, collapsed.
	sec := lv.secondary
	reportChanges(&b, "🎉 Fixed", "failed in the base, pass now", r.Fixed, sec, lv.errLen, true, in.DetailsURL)
	reportChanges(&b, "🔴 Still failing", "fail in the base and now", r.StillFailing, sec, lv.errLen, true, in.DetailsURL)
	reportChanges(&b, "⬜ Not run", "ran in the base, not now", r.NotRun, sec, lv.errLen, true, in.DetailsURL)
	reportChanges(&b, "🆕 New tests", "not in the base", r.NewTests, sec, lv.errLen, true, in.DetailsURL)
	reportPerf(&b, "🚀 Improvements", "faster or smaller, confirmed", r.Improvements, sec, true, in.DetailsURL)
	reportPerf(&b, "❔ Not confirmed", fmt.Sprintf("moved by at least %s, but not confirmed", percentText(r.Options.Threshold)),
		r.Unconfirmed, sec, true, in.DetailsURL)

	if in.Matrix != nil {
		reportMatrix(&b, *in.Matrix, lv.matrix, in.DetailsURL)
	}
	if in.DashboardURL != "" {
		fmt.Fprintf(&b, "📊 [Dashboard of this run](%s): the matrix with filters, each cell's error, fingerprint and history (one HTML file; unzip and open).\n\n", in.DashboardURL)
	}
	reportFooter(&b, r, in.DetailsURL, lv.shortenNote && reportShortened(in, lv))
	return b.String()
}

// reportShortened reports whether level lv leaves anything out of in.
func reportShortened(in ReportInput, lv reportLevel) bool {
	r := in.Report
	if in.Matrix != nil && lv.matrix > 0 {
		return true
	}
	over := func(n, capN int) bool { return capN != 0 && n > max(capN, 0) }
	platformNew, harnessNew := splitHarness(r.NewFailures)
	return over(len(platformNew), lv.primaryCap) || over(len(harnessNew), lv.primaryCap) ||
		over(len(r.Regressions), lv.primaryCap) || over(len(r.Flaky), lv.primaryCap) ||
		over(len(r.NotComparedInfra), lv.primaryCap) ||
		over(len(r.Fixed), lv.secondary) || over(len(r.StillFailing), lv.secondary) || over(len(r.NotRun), lv.secondary) ||
		over(len(r.NewTests), lv.secondary) || over(len(r.Improvements), lv.secondary) || over(len(r.Unconfirmed), lv.secondary)
}

func reportSubline(in ReportInput) string {
	r := in.Report
	var parts []string
	if in.HeadLabel != "" && in.BaseLabel != "" {
		parts = append(parts, in.HeadLabel+" vs "+in.BaseLabel)
	}
	platforms := ""
	if in.Matrix != nil && len(in.Matrix.Platforms) > 0 {
		platforms = " on " + countOf(len(in.Matrix.Platforms), "platform", "platforms")
	}
	failingText := withCommas(r.Head.Failing) + " failing"
	if r.Head.Harness > 0 {
		failingText += fmt.Sprintf(" (%s of them the harness's)", withCommas(r.Head.Harness))
	}
	parts = append(parts, fmt.Sprintf("%s%s: %s passed, %s, %s skipped or not run",
		countOf(r.Head.Tests, "test", "tests"), platforms, withCommas(r.Head.Passed), failingText, withCommas(r.Head.Other)))
	if r.Head.Infra > 0 {
		parts[len(parts)-1] += fmt.Sprintf(", %s infra (the runner was not set up)", withCommas(r.Head.Infra))
	}
	if r.Base.Tests > 0 {
		parts = append(parts, fmt.Sprintf("base: %s in %s", countOf(r.Base.Tests, "test", "tests"), countOf(r.Base.Runs, "run", "runs")))
	}
	return "<sub>" + strings.Join(parts, " · ") + "</sub>\n\n"
}

// splitHarness splits new failures into the platforms' (and declared
// unsupported ones) and the harness's, keeping their order.
func splitHarness(cs []compare.Change) (platform, harness []compare.Change) {
	for _, c := range cs {
		if c.Outcome == outcome.Harness {
			harness = append(harness, c)
		} else {
			platform = append(platform, c)
		}
	}
	return platform, harness
}

// countOf is "1 test", "2,000 tests".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return withCommas(n) + " " + many
}

// reportChanges writes a status list. capN 0 shows every row, -1 only the
// count; collapsed puts it in <details>.
func reportChanges(b *strings.Builder, title, what string, cs []compare.Change, capN, errLen int, collapsed bool, details string) {
	if len(cs) == 0 {
		return
	}
	heading := fmt.Sprintf("%s (%s)", title, withCommas(len(cs)))
	openSection(b, heading, what, collapsed)
	if capN < 0 {
		fmt.Fprintf(b, "%s tests; %s.\n", withCommas(len(cs)), seeFullReport(details))
		closeSection(b, collapsed)
		return
	}
	mdRow(b, []string{"Test", "Base", "Head", "Error category", "Error"})
	mdRow(b, []string{"---", ":-:", ":-:", "---", "---"})
	n := len(cs)
	if capN > 0 {
		n = min(n, capN)
	}
	for _, c := range cs[:n] {
		headCell := reportStatusCell(c.Head)
		if len(c.Attempts) > 1 {
			var at []string
			for _, s := range c.Attempts {
				at = append(at, symbolOf(s).markdown)
			}
			headCell = strings.Join(at, "→")
		}
		if c.Outcome == outcome.Harness || c.Outcome == outcome.Declared {
			headCell += " · " + classSymbol(c.Outcome).label
		}
		errCell := mdCode(c.Error, errLen)
		if c.EnvNote != "" {
			errCell += " ⚠️ env: " + mdCode(c.EnvNote, 80)
		}
		mdRow(b, []string{mdCode(c.TestID, 120), reportStatusCell(c.Base), headCell, mdCode(c.ErrorCategory, 40), errCell})
	}
	moreRows(b, len(cs)-n, details)
	closeSection(b, collapsed)
}

func reportPerf(b *strings.Builder, title, what string, ps []compare.Perf, capN int, collapsed bool, details string) {
	if len(ps) == 0 {
		return
	}
	openSection(b, fmt.Sprintf("%s (%s)", title, withCommas(len(ps))), what, collapsed)
	if capN < 0 {
		fmt.Fprintf(b, "%s comparisons; %s.\n", withCommas(len(ps)), seeFullReport(details))
		closeSection(b, collapsed)
		return
	}
	mdRow(b, []string{"Test", "Metric", "Base", "Head", "Δ", "p", "Test (n base / head)"})
	mdRow(b, []string{"---", "---", "---:", "---:", "---:", "---:", "---"})
	n := len(ps)
	if capN > 0 {
		n = min(n, capN)
	}
	for _, p := range ps[:n] {
		metric, unit := "latency", "ms"
		if p.Metric == compare.Memory {
			metric, unit = "memory", "MB"
		}
		pv, test := "–", perfVerdictText(p)
		if p.Test != "" {
			pv = pValue(p.P)
		}
		delta := signedPct(p.Delta)
		if p.Verdict == compare.Regression || p.Verdict == compare.Improvement {
			delta = "**" + delta + "**"
		}
		mdRow(b, []string{mdCode(p.TestID, 120), metric, sigFigs(p.Base) + " " + unit, sigFigs(p.Head) + " " + unit, delta, pv,
			fmt.Sprintf("%s (%d / %d)", test, p.BaseN, p.HeadN)})
	}
	moreRows(b, len(ps)-n, details)
	closeSection(b, collapsed)
}

func perfVerdictText(p compare.Perf) string {
	switch p.Verdict {
	case compare.InsufficientData:
		return "insufficient data: " + mdCode(p.Note, 160)
	case compare.EnvironmentDiffers:
		return mdCode(p.Note, 160)
	}
	name := map[string]string{compare.TestMannWhitney: "Mann-Whitney U", compare.TestWelch: "Welch t",
		compare.TestPrediction: "prediction t"}[p.Test]
	if p.Verdict == compare.NotSignificant {
		return "not significant, " + name
	}
	return name
}

// regressionChart writes a Mermaid bar chart of the ten largest regressions.
func regressionChart(b *strings.Builder, ps []compare.Perf) {
	if len(ps) == 0 {
		return
	}
	n := min(len(ps), 10)
	var labels, values []string
	top := 0.0
	for _, p := range ps[:n] {
		label := p.TestID
		if p.Metric == compare.Memory {
			label += " mem"
		}
		labels = append(labels, strconv.Quote(mermaidSafe(label)))
		v := math.Round(p.Delta*1000) / 10
		values = append(values, strconv.FormatFloat(v, 'f', -1, 64))
		top = math.Max(top, v)
	}
	fmt.Fprintf(b, "```mermaid\nxychart-beta\n    title \"Largest regressions (%% slower or larger)\"\n    x-axis [%s]\n    y-axis \"%%\" 0 --> %s\n    bar [%s]\n```\n\n",
		strings.Join(labels, ", "), strconv.FormatFloat(math.Ceil(top/10)*10, 'f', -1, 64), strings.Join(values, ", "))
}

// reportMatrix writes the compatibility matrix in <details>: every row
// (mode 0), only rows with a failure (mode 1), or a line saying where it is
// (mode 2).
func reportMatrix(b *strings.Builder, m Matrix, mode int, details string) {
	m = safeMatrix(m)
	summary := fmt.Sprintf("Compatibility matrix: %s × %s, %s passed", countOf(len(m.Rows), "architecture", "architectures"),
		countOf(len(m.Platforms), "platform", "platforms"), m.Total.String())
	if mode == 2 {
		fmt.Fprintf(b, "**%s** — left out to fit; %s.\n\n", summary, seeFullReport(details))
		return
	}
	hidden := 0
	if mode == 1 {
		var rows []Row
		for _, r := range m.Rows {
			if r.Rate.Ran != r.Rate.Passed || rowHasFailure(r) {
				rows = append(rows, r)
			}
		}
		hidden = len(m.Rows) - len(rows)
		m.Rows = rows
	}
	fmt.Fprintf(b, "<details><summary>%s</summary>\n\n", summary)
	if hidden > 0 {
		fmt.Fprintf(b, "%s architectures that pass everywhere they ran are left out to fit; %s.\n\n", withCommas(hidden), seeFullReport(details))
	}
	var mb strings.Builder
	_ = renderMatrixMarkdown(&mb, m)
	b.WriteString(mb.String())
	b.WriteString("\n</details>\n\n")
}

func rowHasFailure(r Row) bool {
	for _, c := range r.Cells {
		if c.Status != results.StatusPass && c.Status != results.StatusIncompatible && c.Status != results.StatusNotRun {
			return true
		}
	}
	return false
}

// safeMatrix copies m with names reduced to characters that cannot break
// out of markdown (results from a fork's run are untrusted).
func safeMatrix(m Matrix) Matrix {
	out := m
	out.Platforms = make([]string, len(m.Platforms))
	out.Labels = nil
	for i, p := range m.Platforms {
		out.Platforms[i] = safeMatrixName(p)
		if l := safeMatrixLabel(m.Labels[p]); l != "" {
			if out.Labels == nil {
				out.Labels = map[string]string{}
			}
			out.Labels[out.Platforms[i]] = l
		}
	}
	out.Rows = make([]Row, len(m.Rows))
	for i, r := range m.Rows {
		r.Architecture, r.Category = safeMatrixName(r.Architecture), safeMatrixName(r.Category)
		out.Rows[i] = r
	}
	out.ByCategory = make([]Rate, len(m.ByCategory))
	for i, c := range m.ByCategory {
		c.Name = safeMatrixName(c.Name)
		out.ByCategory[i] = c
	}
	return out
}

// safeMatrixLabel is safeMatrixName for a column label, which also keeps
// spaces, parentheses and commas but no @ (a mention): "webgpu
// (SwiftShader CPU adapter)".
func safeMatrixLabel(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_.-+/ (),", r):
			return r
		}
		return '_'
	}, s)
	return strings.TrimSpace(truncateRunes(s, 80))
}

func safeMatrixName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_.-+@/", r):
			return r
		}
		return '_'
	}, s)
	return truncateRunes(s, 80)
}

func reportFooter(b *strings.Builder, r compare.Report, details string, shortenedNote bool) {
	test := map[string]string{compare.TestMannWhitney: "Mann-Whitney U", compare.TestWelch: "Welch's t-test"}[r.Options.Test]
	fmt.Fprintf(b, "<sub>A regression needs a change of at least %s in the median and p < %s (%s, two-sided; a single new value against %d or more base runs: prediction t-test). "+
		"Tests are compared only with the same test id (architecture, hardware, precision, batch, sequence) and environment.",
		percentText(r.Options.Threshold), numText(r.Options.Alpha), test, r.Options.MinSamples)
	if details != "" {
		fmt.Fprintf(b, " [Full report](%s).", details)
	}
	b.WriteString("</sub>\n")
	if shortenedNote {
		fmt.Fprintf(b, "\n_This report was shortened to fit; %s._\n", seeFullReport(details))
	}
}

func openSection(b *strings.Builder, heading, what string, collapsed bool) {
	if collapsed {
		fmt.Fprintf(b, "<details><summary><b>%s</b> — %s</summary>\n\n", heading, what)
		return
	}
	fmt.Fprintf(b, "#### %s\n_%s_\n\n", heading, what)
}

func closeSection(b *strings.Builder, collapsed bool) {
	if collapsed {
		b.WriteString("\n</details>\n\n")
		return
	}
	b.WriteString("\n")
}

func moreRows(b *strings.Builder, n int, details string) {
	if n > 0 {
		fmt.Fprintf(b, "\n… and %s more; %s.\n", withCommas(n), seeFullReport(details))
	}
}

func seeFullReport(details string) string {
	if details == "" {
		return "the job summary and `hwcov compare` have them all"
	}
	return "[the full report](" + details + ") has them all"
}

// hardCutReport is the last resort: cut at a line boundary and say so.
func hardCutReport(body string, limit int, measure func(string) int, details string) string {
	note := "\n\n… (cut to fit; " + seeFullReport(details) + ")\n"
	budget := limit - measure(note)
	lines := strings.SplitAfter(body, "\n")
	var b strings.Builder
	used := 0
	for _, l := range lines {
		if used+measure(l) > budget {
			break
		}
		b.WriteString(l)
		used += measure(l)
	}
	return b.String() + note
}
