package reporter

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/hwcov/hwcov/internal/errpattern"
	"github.com/hwcov/hwcov/internal/patch"
)

// PatchFormats are the formats of the `hwcov patch` listings.
var PatchFormats = []string{"table", "markdown", "json"}

// WriteSuggestions renders candidate patches: each rule, what it changes and
// the tests it touches.
func WriteSuggestions(w io.Writer, rules []patch.AppliedRule, format string) error {
	if format == "json" {
		return WriteJSON(w, rules, EscapeHTML)
	}
	header := []string{"rule", "kind", "tests", "platforms", "architectures", "templates", "reason"}
	var rows [][]string
	for _, a := range rules {
		s := patch.Suggestion{Rule: a.Rule, Tests: a.Tests}
		rows = append(rows, []string{a.Rule.ID, a.Rule.Kind, fmt.Sprint(len(a.Tests)), strings.Join(s.Platforms(), ","),
			strings.Join(s.Architectures(), ","), strings.Join(a.Files(), ","), clip(strings.Join(strings.Fields(a.Rule.Reason), " "), 90)})
	}
	writeRows(w, format, header, rows)
	if format == "markdown" {
		for _, a := range rules {
			fmt.Fprintf(w, "\n#### %s\n\n%s\n\nTests:\n\n", a.Rule.ID, a.Rule.Title)
			for _, t := range a.Tests {
				fmt.Fprintf(w, "- `%s` (%s): %s\n", t.TestID, t.Status, mdCell(clip(t.Message, 120)))
			}
		}
	}
	_, err := fmt.Fprintf(w, "%d candidate patches\n", len(rules))
	return err
}

// WritePatterns renders failure patterns and the rules that patch them (the
// guide's --identify-patch-patterns).
func WritePatterns(w io.Writer, ps []patch.Pattern, format string) error {
	if format == "json" {
		return WriteJSON(w, ps, EscapeHTML)
	}
	header := []string{"fingerprint", "count", "error category", "platforms", "architectures", "rules", "signature"}
	var rows [][]string
	covered := 0
	for _, p := range ps {
		rules := "none (manual: hwcov patch suggest --manual)"
		if len(p.Rules) > 0 {
			rules = strings.Join(p.Rules, ",")
			covered++
		}
		rows = append(rows, []string{p.Fingerprint, fmt.Sprint(p.Count), p.ErrorCategory, strings.Join(p.Platforms, ","),
			strings.Join(p.Architectures, ","), rules, clip(p.Signature, 100)})
	}
	writeRows(w, format, header, rows)
	_, err := fmt.Fprintf(w, "%d failure patterns, %d with a patch rule\n", len(ps), covered)
	return err
}

// WriteManual writes the manual patch guide (markdown): the steps of each
// matching manual rule, then every pattern no rule patches with its error
// category's fix.
func WriteManual(w io.Writer, manual []patch.Suggestion, ps []patch.Pattern) error {
	fmt.Fprintf(w, "# Manual patches\n\n")
	for _, s := range manual {
		fmt.Fprintf(w, "## %s\n\n", s.Rule.ID)
		if s.Rule.Title != "" {
			fmt.Fprintf(w, "%s\n\n", s.Rule.Title)
		}
		fmt.Fprintf(w, "- **Why**: %s\n- **Tests**: %d on %s (%s)\n",
			strings.Join(strings.Fields(s.Rule.Reason), " "), len(s.Tests), strings.Join(s.Platforms(), ", "), strings.Join(s.Architectures(), ", "))
		if s.Rule.Link != "" {
			fmt.Fprintf(w, "- **Link**: %s\n", s.Rule.Link)
		}
		fmt.Fprintf(w, "\nSteps:\n\n")
		for i, st := range s.Rule.Steps {
			fmt.Fprintf(w, "%d. %s\n", i+1, st)
		}
		fmt.Fprintln(w)
	}
	n := 0
	for _, p := range ps {
		if len(p.Rules) > 0 {
			continue
		}
		n++
		fmt.Fprintf(w, "## `%s` (%s, %d tests)\n\n- **Signature**: `%s`\n- **Where**: %s; %s\n- **Fix**: %s, in the template that builds these tests (`hwcov templates which --model %s --hardware %s`); then add a rule (docs/patches.md) so the fix is verified\n\n",
			p.Fingerprint, p.ErrorCategory, p.Count, p.Signature, strings.Join(p.Platforms, ", "), strings.Join(p.Architectures, ", "),
			strings.TrimSuffix(errpattern.Solution(p.ErrorCategory), "."), p.Architectures[0], p.Platforms[0])
	}
	_, err := fmt.Fprintf(w, "%d manual rules matched; %d failure patterns without a patch rule\n", len(manual), n)
	return err
}

// WriteVerdicts renders verifications: each rule's verdict and every test
// before and after.
func WriteVerdicts(w io.Writer, vs []patch.Verdict, format string) error {
	if format == "json" {
		return WriteJSON(w, vs, EscapeHTML)
	}
	header := []string{"rule", "test", "role", "before", "after", "revision before", "revision after"}
	var rows [][]string
	for _, v := range vs {
		for _, o := range v.Tests {
			rows = append(rows, []string{v.Rule.ID, o.TestID, o.Role, o.StatusBefore, o.StatusAfter, o.RevisionBefore, o.RevisionAfter})
		}
	}
	writeRows(w, format, header, rows)
	for _, v := range vs {
		fmt.Fprintf(w, "%s: %s (run %s)\n", v.Rule.ID, v.Why, v.RunAfter)
	}
	return nil
}

func writeRows(w io.Writer, format string, header []string, rows [][]string) {
	if format == "markdown" {
		writeMDTable(w, header, rows)
		fmt.Fprintln(w)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}
