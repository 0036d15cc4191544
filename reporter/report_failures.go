package reporter

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/hwcov/hwcov/internal/fingerprint"
	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/patch"
)

// FailureFormats are the formats of `hwcov report failures`.
var FailureFormats = []string{"table", "markdown", "json"}

// FailureOptions choose what a failures report shows.
type FailureOptions struct {
	Explain   bool // show each group's signature and the rules that matched
	Solutions bool // write the error resolution guide (markdown)
	// Fixes are the last verified fix of each fingerprint (the guide's
	// "Last verified fix"; store.DB.VerifiedFixes).
	Fixes map[string]patch.VerifiedFix
}

// WriteFailures renders rep in format ("table", "markdown" or "json").
func WriteFailures(w io.Writer, rep fingerprint.Report, format string, opts FailureOptions) error {
	switch format {
	case "json":
		return writeFailuresJSON(w, rep)
	case "markdown":
		if opts.Solutions {
			return writeResolutionGuide(w, rep, opts.Fixes)
		}
		return writeFailuresMarkdown(w, rep, opts)
	case "table":
		return writeFailuresTable(w, rep, opts)
	}
	return fmt.Errorf("unknown format %q", format)
}

func failureSummary(rep fingerprint.Report) string {
	return fmt.Sprintf("%d failures in %d groups (rules %s); %d infrastructure errors in %d groups; %d passes and skips left out",
		rep.Failures, len(rep.Groups), rep.RuleVersion, rep.Infra, len(rep.InfraGroups), rep.Excluded)
}

func keyCells(rep fingerprint.Report, g fingerprint.Group) []string {
	var out []string
	for _, k := range rep.Keys {
		v := g.Key[k]
		if k == "fingerprint" && g.RuleVersion != "" && g.RuleVersion != rep.RuleVersion {
			v += " (" + g.RuleVersion + ")"
		}
		out = append(out, v)
	}
	return out
}

func failureHeader(rep fingerprint.Report, opts FailureOptions) []string {
	h := append([]string{}, rep.Keys...)
	h = append(h, "count", "error category", "platforms", "architectures", "first run", "example")
	if opts.Explain {
		h = append(h, "why grouped")
	}
	return h
}

func failureRow(rep fingerprint.Report, g fingerprint.Group, opts FailureOptions) []string {
	r := keyCells(rep, g)
	r = append(r, fmt.Sprint(g.Count), g.ErrorCategory, strings.Join(g.Platforms, ","),
		strings.Join(g.Architectures, ","), g.FirstRun, g.Example.TestID+": "+clip(g.Example.Message, 100))
	if opts.Explain {
		r = append(r, why(g))
	}
	return r
}

// why says why the results of a group are one group.
func why(g fingerprint.Group) string {
	if g.Signature == "" {
		return "same key"
	}
	rules := "no rule"
	if len(g.Rules) > 0 {
		rules = strings.Join(g.Rules, ",")
	}
	return fmt.Sprintf("signature %q (rules %s: %s)", g.Signature, g.RuleVersion, rules)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func writeFailuresTable(w io.Writer, rep fingerprint.Report, opts FailureOptions) error {
	section := func(title string, gs []fingerprint.Group) {
		fmt.Fprintf(w, "%s\n", title)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(failureHeader(rep, opts), "\t"))
		for _, g := range gs {
			fmt.Fprintln(tw, strings.Join(failureRow(rep, g, opts), "\t"))
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	if len(rep.Groups) > 0 {
		section("Failures", rep.Groups)
	}
	if len(rep.InfraGroups) > 0 {
		section("Infrastructure errors (the runner's fault, not the platform's)", rep.InfraGroups)
	}
	_, err := fmt.Fprintln(w, failureSummary(rep))
	return err
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func writeMDTable(w io.Writer, header []string, rows [][]string) {
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
	for _, r := range rows {
		for i := range r {
			r[i] = mdCell(r[i])
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
}

func writeFailuresMarkdown(w io.Writer, rep fingerprint.Report, opts FailureOptions) error {
	fmt.Fprintf(w, "### Failure groups\n\n%s.\n\n", failureSummary(rep))
	rows := func(gs []fingerprint.Group) [][]string {
		var out [][]string
		for _, g := range gs {
			out = append(out, failureRow(rep, g, opts))
		}
		return out
	}
	if len(rep.Groups) > 0 {
		writeMDTable(w, failureHeader(rep, opts), rows(rep.Groups))
	}
	if len(rep.InfraGroups) > 0 {
		fmt.Fprintf(w, "\n#### Infrastructure errors\n\nThe runner is not set up; these count against no platform.\n\n")
		writeMDTable(w, failureHeader(rep, opts), rows(rep.InfraGroups))
	}
	return nil
}

// writeResolutionGuide writes the error resolution guide: per group what it
// means, how to fix it and the last verified fix.
func writeResolutionGuide(w io.Writer, rep fingerprint.Report, fixes map[string]patch.VerifiedFix) error {
	fmt.Fprintf(w, "# Error resolution guide\n\n%s.\n\n", failureSummary(rep))
	entry := func(i int, g fingerprint.Group) {
		title := g.Fingerprint
		if title == "" {
			title = strings.Join(keyCells(rep, g), " × ")
		}
		n := fmt.Sprintf("%d results", g.Count)
		if g.Count == 1 {
			n = "1 result"
		}
		fmt.Fprintf(w, "### %d. `%s` (%s, %s)\n\n", i+1, title, g.ErrorCategory, n)
		if g.Signature != "" {
			fmt.Fprintf(w, "- **Signature** (%s): `%s`\n", g.RuleVersion, g.Signature)
		}
		fmt.Fprintf(w, "- **What it means**: %s\n", meaning(g))
		fmt.Fprintf(w, "- **Whose fault**: %s\n", whose(g.Outcomes))
		fix := g.Solution
		if fix == "" {
			fix = "No recipe for this category yet: reproduce with `python <generated test>` and fix the template in the chain below"
		}
		fmt.Fprintf(w, "- **Fix**: %s\n", fix)
		fmt.Fprintf(w, "- **Where**: platforms %s; architectures %s; template chain %s\n",
			orNone(g.Platforms), orNone(g.Architectures), orNone(g.Templates))
		fmt.Fprintf(w, "- **First seen**: run `%s`; example `%s`: %s\n", g.FirstRun, g.Example.TestID, g.Example.Message)
		last := "none yet"
		if f, ok := fixes[g.Fingerprint]; ok {
			last = f.String()
		}
		fmt.Fprintf(w, "- **Last verified fix**: %s\n\n", last)
	}
	if len(rep.Groups) > 0 {
		fmt.Fprintf(w, "## Failures\n\n")
		for i, g := range rep.Groups {
			entry(i, g)
		}
	}
	if len(rep.InfraGroups) > 0 {
		fmt.Fprintf(w, "## Infrastructure errors\n\nThe runner is not set up; these count against no platform.\n\n")
		for i, g := range rep.InfraGroups {
			entry(i, g)
		}
	}
	return nil
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// meanings explain the errpattern categories.
var meanings = map[string]string{
	"memory_error":           "the test ran out of memory",
	"missing_implementation": "an operation has no implementation on this platform or in this build",
	"shape_mismatch":         "a tensor reached an operation with a shape it cannot take: usually inputs built for another modality",
	"unsupported_operation":  "the platform or its converter does not support an operator the model uses",
	"compilation_error":      "the backend failed to compile or export the model",
	"dtype_error":            "a tensor has a dtype the operation or platform does not accept",
	"input_error":            "the inputs do not match what the model's forward() expects",
	"config_error":           "the tiny config is invalid for this architecture",
	"import_error":           "a Python package is missing on the runner",
	"tolerance_error":        "the outputs differ from the CPU reference beyond the platform's tolerance",
	"placement_error":        "the execution provider fell back to another device for some operators",
	"numerical_error":        "the outputs hold NaN or infinity",
	"timeout":                "the test ran past the platform's timeout",
	"crash":                  "the worker died (a native crash or exit) before reporting",
	"not_buildable":          "no auto class builds this architecture from a config",
	"infrastructure":         "the runner is not set up to run the test",
	"other_error":            "no known pattern matches; read the example and its traceback",
}

// whoseFault explains the outcome classes (docs/outcomes.md).
var whoseFault = map[string]string{
	string(outcome.Platform):       "the platform's (platform): it cannot run this",
	string(outcome.Harness):        "hwcov's harness's (harness): the test fails on the cpu reference, or hwcov built its inputs or config wrong",
	string(outcome.Declared):       "known (declared_unsupported): declared with a reason and a link",
	string(outcome.Infrastructure): "the runner's (infrastructure): it is not set up",
}

func whose(classes []string) string {
	var out []string
	for _, c := range classes {
		if w, ok := whoseFault[c]; ok {
			out = append(out, w)
		} else {
			out = append(out, c)
		}
	}
	return orNone(out)
}

func meaning(g fingerprint.Group) string {
	if m, ok := meanings[g.ErrorCategory]; ok {
		return m
	}
	return "no known pattern matches; read the example and its traceback"
}

type failureGroupJSON struct {
	Key           map[string]string `json:"key"`
	Fingerprint   string            `json:"fingerprint,omitempty"`
	RuleVersion   string            `json:"rule_version,omitempty"`
	Signature     string            `json:"signature,omitempty"`
	Rules         []string          `json:"rules,omitempty"`
	ErrorCategory string            `json:"error_category"`
	Solution      string            `json:"solution,omitempty"`
	Count         int               `json:"count"`
	Platforms     []string          `json:"platforms"`
	Architectures []string          `json:"architectures"`
	Templates     []string          `json:"template_chains"`
	Outcomes      []string          `json:"outcomes"`
	FirstRun      string            `json:"first_run"`
	ExampleTest   string            `json:"example_test"`
	ExampleError  string            `json:"example_error"`
}

func writeFailuresJSON(w io.Writer, rep fingerprint.Report) error {
	conv := func(gs []fingerprint.Group) []failureGroupJSON {
		out := []failureGroupJSON{}
		for _, g := range gs {
			out = append(out, failureGroupJSON{g.Key, g.Fingerprint, g.RuleVersion, g.Signature, g.Rules,
				g.ErrorCategory, g.Solution, g.Count, g.Platforms, g.Architectures, g.Templates, g.Outcomes, g.FirstRun,
				g.Example.TestID, g.Example.Message})
		}
		return out
	}
	doc := struct {
		RuleVersion string             `json:"rule_version"`
		GroupBy     []string           `json:"group_by"`
		Failures    int                `json:"failures"`
		Groups      []failureGroupJSON `json:"groups"`
		Infra       int                `json:"infra_errors"`
		InfraGroups []failureGroupJSON `json:"infra_groups"`
		Excluded    int                `json:"excluded"`
	}{rep.RuleVersion, rep.Keys, rep.Failures, conv(rep.Groups), rep.Infra, conv(rep.InfraGroups), rep.Excluded}
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(doc)
}
