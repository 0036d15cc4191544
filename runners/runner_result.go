package runners

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// toResult turns one attempt's outcome into the row the store keeps.
func (e *Executor) toResult(runID string, job Job, attempt int, o outcome, started, finished time.Time) results.Result {
	r := results.Result{
		RunID:         runID,
		TestID:        job.ID.String(),
		Architecture:  job.ID.Model,
		Category:      job.Category,
		Hardware:      job.ID.Hardware,
		Precision:     job.ID.Precision,
		BatchSize:     job.ID.Batch,
		SeqLen:        job.ID.Seq,
		TemplateChain: job.TemplateChain,
		PatchVersion:  job.PatchVersion,
		GeneratedFile: job.File,
		Attempt:       attempt,
		StartedAt:     started,
		FinishedAt:    finished,
		WallMS:        float64(finished.Sub(started)) / float64(time.Millisecond),
	}
	if o.result == nil {
		// Timeout or crash: the worker never answered.
		r.Status = o.status
		r.ErrorMessage = stripANSI(o.msg)
		r.Traceback = stripANSI(o.tail)
	} else {
		w := o.result
		wMsg, wTrace := stripANSI(w.ErrorMessage), stripANSI(w.Traceback)
		r.Status, r.ErrorMessage = wireStatus(w.Status)
		msg := firstLine(wMsg)
		if msg == "" && r.Status != results.StatusPass {
			msg = lastLine(wTrace)
		}
		if r.ErrorMessage == "" {
			r.ErrorMessage = msg
		} else if msg != "" {
			r.ErrorMessage += ": " + msg
		}
		r.Traceback = wTrace
		if r.Traceback == "" && wMsg != r.ErrorMessage && strings.Contains(wMsg, "\n") {
			r.Traceback = wMsg
		}
		r.ModelName = w.ModelName
		r.SamplesMS = w.SamplesMS
		switch {
		case w.ExecutionMS != nil && *w.ExecutionMS > 0:
			r.ExecutionMS = *w.ExecutionMS
		case len(w.SamplesMS) > 0:
			r.ExecutionMS = mean(w.SamplesMS)
		}
		if w.MemoryMB != nil {
			r.MemoryMB = *w.MemoryMB
		}
		if w.WallMS != nil && *w.WallMS > 0 {
			r.WallMS = *w.WallMS
		}
		r.Output = compactJSON(w.Output)
		r.Extra = compactJSON(w.Extra)
	}
	r.Success = r.Status == results.StatusPass
	categorize := e.Categorize
	if categorize == nil {
		categorize = DefaultCategorize
	}
	r.ErrorCategory = categorize(r.Status, r.ErrorMessage, r.Traceback)
	return r
}

// ansiEscape matches a terminal escape sequence: CSI (colours, cursor moves:
// ESC [ params intermediates final), OSC (hyperlinks, titles: ESC ] ... ended
// by BEL or ST), either one cut off by the end of the text, any other
// two-byte or nF escape, and a lone ESC. See ECMA-48 sections 5.3 and 5.4.
var ansiEscape = regexp.MustCompile(`\x1b(?:\[[0-?]*[ -/]*(?:[@-~]|$)|\][^\x07\x1b]*(?:\x07|\x1b\\|$)|[ -/]*[0-~]|)`)

// stripANSI removes terminal escape sequences, so that a message a library
// coloured for a terminal is stored, matched and rendered as plain text.
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	return ansiEscape.ReplaceAllString(s, "")
}

// wireStatus maps the status the harness reported onto a stored status. An
// unknown status is a failure whose message says so.
func wireStatus(s string) (results.Status, string) {
	switch st := results.Status(s); st {
	case results.StatusPass, results.StatusFail, results.StatusSkip, results.StatusNotBuildable,
		results.StatusTimeout, results.StatusCrash:
		return st, ""
	}
	return results.StatusFail, fmt.Sprintf("harness reported unknown status %q", s)
}

// compactJSON renders a JSON value as a compact string; null and nothing
// become "".
func compactJSON(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}

func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// Report is the summary as `hwcov run` prints it: one line with the counts
// per status, the times and the database, and one for resumed tests.
func (s Summary) Report(runID, db string) string {
	order := []results.Status{results.StatusPass, results.StatusFail, results.StatusTimeout, results.StatusCrash, results.StatusSkip, results.StatusNotBuildable, results.StatusInfraError}
	var parts []string
	for _, st := range order {
		if s.Counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", s.Counts[st], st))
		}
	}
	counts := strings.Join(parts, ", ")
	if len(parts) == 0 {
		counts = "nothing ran"
	}
	out := fmt.Sprintf("run %s: %d tests, %s; wall %s, in-test %s, overhead %.2fx; database %s\n",
		runID, s.Tests, counts, s.Wall.Round(time.Millisecond), s.InTest.Round(time.Millisecond), s.Overhead(), db)
	if s.Resumed > 0 {
		out += fmt.Sprintf("resumed: %d tests were already recorded\n", s.Resumed)
	}
	return out
}
