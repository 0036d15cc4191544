package action

import (
	"encoding/xml"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Outcome is one test of a JUnit report hwcov wrote.
type Outcome struct {
	ID       string // the test id, bert@cpu/fp32/b1/s128
	Status   string // pass, fail, timeout, crash, skip, not_buildable, infra_error
	Category string // error category, for failures
	Message  string
	Text     string // traceback
	File     string // the generated test file
}

// Failed reports whether the outcome counts as a failure. An infra_error
// does not: the runner was not set up to run the test (see Infra).
func (o Outcome) Failed() bool {
	switch o.Status {
	case "pass", "skip", "not_buildable", "infra_error":
		return false
	}
	return true
}

// Infra reports whether the runner, not the test, failed.
func (o Outcome) Infra() bool { return o.Status == "infra_error" }

type junitDoc struct {
	Suites []struct {
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// ParseJUnit reads the JUnit XML `hwcov run --junit` writes: the status and
// the generated file come from each test case's system-out.
func ParseJUnit(data []byte) ([]Outcome, error) {
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("read junit: %w", err)
	}
	var out []Outcome
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			o := Outcome{ID: c.Name, Status: "pass"}
			props := systemOut(c.SystemOut)
			o.File = props["generated_file"]
			switch {
			case c.Failure != nil:
				o.Status, o.Category, o.Message, o.Text = "fail", c.Failure.Type, c.Failure.Message, c.Failure.Text
			case c.Error != nil:
				o.Status, o.Category, o.Message, o.Text = c.Error.Type, "infrastructure", c.Error.Message, c.Error.Text
			case c.Skipped != nil:
				o.Status, o.Message = "skip", c.Skipped.Message
			}
			if st := props["status"]; st != "" {
				o.Status = st
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// systemOut reads the "key: value" lines hwcov writes into system-out.
func systemOut(s string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok && !strings.Contains(k, " ") {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// Annotation is an ::error:: for one failed test.
type Annotation struct {
	File, Title, Message string
	Line                 int
}

// annotations are the error annotations for the failed outcomes, at most max,
// with paths relative to the workspace.
func annotations(os []Outcome, workspace string, max int) (as []Annotation, more int) {
	for _, o := range os {
		if !o.Failed() {
			continue
		}
		if len(as) == max {
			more++
			continue
		}
		a := Annotation{Title: o.ID + ": " + o.Status, Message: firstLine(o.Message)}
		if a.Message == "" {
			a.Message = o.Status
		}
		if o.Category != "" && o.Category != o.Status {
			a.Title += " (" + o.Category + ")"
		}
		if o.File != "" {
			a.File = relTo(workspace, o.File)
			a.Line = tracebackLine(o.Text, filepath.Base(o.File))
		}
		as = append(as, a)
	}
	return as, more
}

// infraAnnotations are one error per distinct reason of the infra_error
// outcomes: "2 tests could not run on this runner: No module named 'torch'.
// Try: ...".
func infraAnnotations(os []Outcome) []Annotation {
	count := map[string]int{}
	var reasons []string
	for _, o := range os {
		if !o.Infra() {
			continue
		}
		m := firstLine(o.Message)
		if count[m] == 0 {
			reasons = append(reasons, m)
		}
		count[m]++
	}
	var as []Annotation
	for _, m := range reasons {
		n := fmt.Sprintf("%d tests", count[m])
		if count[m] == 1 {
			n = "1 test"
		}
		as = append(as, Annotation{Title: "hwcov: infrastructure", Message: n + " could not run on this runner (infra_error): " + m})
	}
	return as
}

// tracebackLine finds the deepest frame of a Python traceback in the file
// named base: `File ".../test_bert_cpu.py", line 42`.
func tracebackLine(tb, base string) int {
	re := regexp.MustCompile(`File "([^"]*)", line ([0-9]+)`)
	line := 0
	for _, m := range re.FindAllStringSubmatch(tb, -1) {
		if filepath.Base(m[1]) == base {
			line, _ = strconv.Atoi(m[2])
		}
	}
	return line
}

// relTo makes path relative to the workspace when it lies inside it.
func relTo(workspace, path string) string {
	if workspace == "" || !filepath.IsAbs(path) {
		return filepath.ToSlash(path)
	}
	rel, err := filepath.Rel(workspace, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
