package reporter

import (
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/hwcov/hwcov/internal/compare"
	"github.com/hwcov/hwcov/internal/results"
)

// MaxSummaryBytes is GitHub's limit on one step's job summary
// ($GITHUB_STEP_SUMMARY): 1 MiB.
const MaxSummaryBytes = 1 << 20

// RenderSummary renders the job summary: the comment's sections without the
// marker, within in.Limit bytes (default a little under MaxSummaryBytes, so
// that other steps' lines still fit), shortened the same way when needed.
func RenderSummary(in ReportInput) string {
	limit := in.Limit
	if limit <= 0 {
		limit = MaxSummaryBytes - 16<<10
	}
	return fitReport(in, "", limit, func(s string) int { return len(s) })
}

// MaxCheckSummaryChars is GitHub's limit on a check run's output.summary.
const MaxCheckSummaryChars = 65535

// RenderCheckSummary renders the summary of a check run: the job summary's
// sections within in.Limit characters (default MaxCheckSummaryChars).
func RenderCheckSummary(in ReportInput) string {
	limit := in.Limit
	if limit <= 0 {
		limit = MaxCheckSummaryChars
	}
	return fitReport(in, "", limit, utf16Len)
}

// Annotation is one workflow-command annotation (::error ...::).
type Annotation struct {
	Level   string // error, warning or notice
	File    string // repository-relative path, "" for none
	Line    int
	Title   string
	Message string
	TestID  string
}

// AnnotationOptions say where annotations point.
type AnnotationOptions struct {
	// Workspace is the checkout a generated file's absolute path is made
	// relative to ($GITHUB_WORKSPACE). A path under another runner's
	// checkout is recognised by RepoName's "<name>/<name>/" layout.
	Workspace string
	// RepoName is the repository's name (the part of GITHUB_REPOSITORY after
	// the slash).
	RepoName string
	// Template returns the repository-relative template a test was
	// generated from, "" when the repository has none (the defaults are
	// embedded in hwcov). A template the repository has is preferred: it is
	// what a pull request changes.
	Template func(c compare.Change) string
}

// Annotations are the report's annotations: an error for every new
// failure and for each reason tests were infra_error, a warning for every confirmed regression and flaky test,
// pointing at the test's template or generated file.
func Annotations(r compare.Report, opts AnnotationOptions) []Annotation {
	var out []Annotation
	for _, c := range r.NewFailures {
		msg := fmt.Sprintf("%s: %s in the base, %s now", c.TestID, statusWord(c.Base), statusWord(c.Head))
		if c.ErrorCategory != "" {
			msg += " (" + c.ErrorCategory + ")"
		}
		if c.Error != "" {
			msg += ": " + c.Error
		}
		if c.EnvNote != "" {
			msg += "\nThe environment differs from the base: " + c.EnvNote
		}
		out = append(out, Annotation{Level: "error", File: annotationFile(c, opts), Line: 1,
			Title: "hwcov: new failure " + c.TestID, Message: msg, TestID: c.TestID})
	}
	for _, p := range r.Regressions {
		what := "latency"
		if p.Metric == compare.Memory {
			what = "peak memory"
		}
		c := compare.Change{TestID: p.TestID, Architecture: p.Architecture, Hardware: p.Hardware, Category: p.Category,
			GeneratedFile: p.GeneratedFile, TemplateChain: p.TemplateChain}
		out = append(out, Annotation{Level: "warning", File: annotationFile(c, opts), Line: 1,
			Title:   "hwcov: regression " + p.TestID,
			Message: fmt.Sprintf("%s: %s %s (%s → %s), p = %s", p.TestID, what, signedPct(p.Delta), sigFigs(p.Base), sigFigs(p.Head), pValue(p.P)),
			TestID:  p.TestID})
	}
	// One error per distinct reason: a runner without torch makes every
	// test infra_error, and one line says what to install.
	infra := map[string]int{}
	var reasons []string
	for _, c := range r.NotComparedInfra {
		if c.Head != results.StatusInfraError {
			continue
		}
		if infra[c.Error] == 0 {
			reasons = append(reasons, c.Error)
		}
		infra[c.Error]++
	}
	for _, reason := range reasons {
		out = append(out, Annotation{Level: "error", Title: "hwcov: infrastructure",
			Message: fmt.Sprintf("%s could not run on this runner (not compared): %s", countOf(infra[reason], "test", "tests"), reason)})
	}
	for _, c := range r.Flaky {
		out = append(out, Annotation{Level: "warning", File: annotationFile(c, opts), Line: 1,
			Title:   "hwcov: flaky " + c.TestID,
			Message: fmt.Sprintf("%s failed, then passed on a rerun: %s", c.TestID, c.Error), TestID: c.TestID})
	}
	return out
}

func statusWord(s results.Status) string {
	if s == "" {
		return "absent"
	}
	return string(s)
}

// annotationFile picks the file an annotation points at: the template the
// repository has, else the generated file relative to the checkout.
func annotationFile(c compare.Change, opts AnnotationOptions) string {
	if opts.Template != nil {
		if t := opts.Template(c); t != "" {
			return t
		}
	}
	f := filepath.ToSlash(c.GeneratedFile)
	if f == "" {
		return ""
	}
	if !path.IsAbs(f) {
		return cleanRel(f)
	}
	if ws := strings.TrimSuffix(filepath.ToSlash(opts.Workspace), "/"); ws != "" && strings.HasPrefix(f, ws+"/") {
		return cleanRel(strings.TrimPrefix(f, ws+"/"))
	}
	if n := opts.RepoName; n != "" {
		if i := strings.LastIndex(f, "/"+n+"/"+n+"/"); i >= 0 {
			return cleanRel(f[i+len(n)*2+3:])
		}
	}
	return ""
}

func cleanRel(p string) string {
	p = path.Clean(p)
	if p == "." || strings.HasPrefix(p, "../") || p == ".." || path.IsAbs(p) {
		return ""
	}
	return p
}

// WriteAnnotations writes anns as GitHub workflow commands
// ("::error file=F,line=1,title=T::message"), at most maxPerLevel per level
// (default 10: GitHub shows at most 10 errors and 10 warnings per step),
// then a notice with how many were left out.
func WriteAnnotations(w io.Writer, anns []Annotation, maxPerLevel int) error {
	if maxPerLevel <= 0 {
		maxPerLevel = 10
	}
	written := map[string]int{}
	left := map[string]int{}
	var b strings.Builder
	for _, a := range anns {
		if written[a.Level] >= maxPerLevel {
			left[a.Level]++
			continue
		}
		written[a.Level]++
		b.WriteString(workflowCommand(a))
	}
	for _, lvl := range []string{"error", "warning", "notice"} {
		if n := left[lvl]; n > 0 {
			b.WriteString(workflowCommand(Annotation{Level: "notice", Title: "hwcov",
				Message: fmt.Sprintf("%d more %s annotations are in the job summary", n, lvl)}))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// workflowCommand renders one annotation, escaped as the runner expects.
func workflowCommand(a Annotation) string {
	var props []string
	if a.File != "" {
		props = append(props, "file="+escapeProperty(a.File))
		if a.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", a.Line))
		}
	}
	if a.Title != "" {
		props = append(props, "title="+escapeProperty(a.Title))
	}
	s := "::" + a.Level
	if len(props) > 0 {
		s += " " + strings.Join(props, ",")
	}
	return s + "::" + escapeData(a.Message) + "\n"
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
