package reporter

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// JUnit XML, in the dialect CI test reporters read (GitHub test-reporter
// actions, GitLab, Jenkins): testsuites > testsuite > testcase with failure,
// skipped and system-out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

// junitText is element text written as CDATA so tracebacks keep their line
// breaks and quotes readable.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// WriteJUnit writes rs as JUnit XML: one testsuite per hardware platform
// (sorted), one testcase per result named by its test id (sorted by test id,
// then attempt) with classname hwcov.<hardware>.<architecture> and the test's
// wall time in seconds. Fail, crash and timeout are failures whose message is
// the error message and whose type is the error category, or the status when
// there is none; skip and not_buildable are skipped; infra_error (the runner
// was not set up to run the test) is an <error> of type infra_error, never a
// failure. system-out carries the
// latency samples and where the test came from.
func WriteJUnit(w io.Writer, suiteName string, rs []results.Result) error {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b results.Result) int {
		return cmp.Or(cmp.Compare(hardwareOf(a), hardwareOf(b)), cmp.Compare(a.TestID, b.TestID),
			cmp.Compare(a.Attempt, b.Attempt), cmp.Compare(a.RunID, b.RunID))
	})
	doc := junitSuites{Name: suiteName, Suites: []junitSuite{}}
	var total float64
	for i := 0; i < len(rs); {
		hw := hardwareOf(rs[i])
		j := i
		for j < len(rs) && hardwareOf(rs[j]) == hw {
			j++
		}
		suite, secs := junitSuiteOf(hw, rs[i:j])
		doc.Suites = append(doc.Suites, suite)
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Errors += suite.Errors
		doc.Skipped += suite.Skipped
		total += secs
		i = j
	}
	doc.Time = seconds(total)

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}

func junitSuiteOf(hw string, rs []results.Result) (junitSuite, float64) {
	name := hw
	if name == "" {
		name = "unknown"
	}
	s := junitSuite{Name: name, Tests: len(rs)}
	var total float64
	var first time.Time
	for _, r := range rs {
		secs := durationSeconds(r)
		total += secs
		if !r.StartedAt.IsZero() && (first.IsZero() || r.StartedAt.Before(first)) {
			first = r.StartedAt
		}
		c := junitCase{
			Name:      r.TestID,
			Classname: "hwcov." + name + "." + archOf(r),
			Time:      seconds(secs),
		}
		if out := systemOut(r); out != "" {
			c.SystemOut = &junitText{Text: xmlSafe(out)}
		}
		switch r.Status {
		case results.StatusPass:
		case results.StatusSkip, results.StatusNotBuildable:
			s.Skipped++
			msg := r.ErrorMessage
			if msg == "" {
				msg = string(r.Status)
			}
			c.Skipped = &junitMessage{Message: xmlSafe(msg)}
		case results.StatusInfraError:
			s.Errors++
			text := r.Traceback
			if text == "" {
				text = r.ErrorMessage
			}
			c.Error = &junitMessage{Message: xmlSafe(r.ErrorMessage), Type: string(results.StatusInfraError), Text: xmlSafe(text)}
		default: // fail, timeout, crash, and anything unknown
			s.Failures++
			typ := r.ErrorCategory
			if typ == "" {
				typ = string(r.Status)
			}
			text := r.Traceback
			if text == "" {
				text = r.ErrorMessage
			}
			c.Failure = &junitMessage{Message: xmlSafe(r.ErrorMessage), Type: xmlSafe(typ), Text: xmlSafe(text)}
		}
		s.Cases = append(s.Cases, c)
	}
	s.Time = seconds(total)
	if !first.IsZero() {
		s.Timestamp = first.UTC().Format("2006-01-02T15:04:05")
	}
	return s, total
}

// durationSeconds is the test's wall time: WallMS, else finish minus start,
// else the sum of its timed iterations.
func durationSeconds(r results.Result) float64 {
	switch {
	case r.WallMS > 0:
		return r.WallMS / 1000
	case !r.StartedAt.IsZero() && r.FinishedAt.After(r.StartedAt):
		return r.FinishedAt.Sub(r.StartedAt).Seconds()
	}
	var sum float64
	for _, s := range r.SamplesMS {
		sum += s
	}
	return sum / 1000
}

// ansiEscape matches terminal colour and cursor sequences, which pytest and
// torch put in tracebacks.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;?]*[ -/]*[@-~]")

// xmlSafe drops terminal escape sequences and replaces characters XML 1.0
// cannot hold (CDATA sections get no escaping) with U+FFFD.
func xmlSafe(s string) string {
	s = ansiEscape.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }

// systemOut lists what a reader of a CI test report wants next to a test:
// the samples, the memory, and where the test came from.
func systemOut(r results.Result) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	line("status", string(r.Status))
	line("run_id", r.RunID)
	if r.Attempt > 0 {
		line("attempt", strconv.Itoa(r.Attempt))
	}
	if len(r.SamplesMS) > 0 {
		s := make([]string, len(r.SamplesMS))
		for i, v := range r.SamplesMS {
			s[i] = strconv.FormatFloat(v, 'f', -1, 64)
		}
		line("samples_ms", strings.Join(s, " "))
		line("mean_ms", strconv.FormatFloat(r.ExecutionMS, 'f', -1, 64))
	}
	if r.MemoryMB > 0 {
		line("memory_mb", strconv.FormatFloat(r.MemoryMB, 'f', -1, 64))
	}
	line("template_chain", r.TemplateChain)
	line("generated_file", r.GeneratedFile)
	line("patch_version", r.PatchVersion)
	return b.String()
}
