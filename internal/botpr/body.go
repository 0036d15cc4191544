package botpr

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Markers of what the bot writes: the body's first line, the provenance
// block, and the comments it writes at most once per pull request.
const (
	BodyMarker       = "<!-- hwcov:patch-pr -->"
	provenanceOpen   = "<!-- hwcov:provenance "
	HumanMarker      = "<!-- hwcov:patch-pr:human-commit -->"
	ClosedMarker     = "<!-- hwcov:patch-pr:closed -->"
	maxMatrixRows    = 200
	maxControlRows   = 100
	maxDiffChars     = 20000
	maxBodyChars     = 65536
	trailerRule      = "Hwcov-Patch-Rule: "
	trailerFinger    = "Hwcov-Fingerprint: "
	defaultTitleFmt  = "hwcov: patch templates (%s)"
	provenanceFormat = 1
)

// Title is the pull request's title.
func Title(p Proposal) string {
	return cmp.Or(p.Title, fmt.Sprintf(defaultTitleFmt, p.Rule))
}

// CommitMessage is the bot's commit message; its trailer marks the commit
// as the bot's, so a commit without it is a person's.
func CommitMessage(p Proposal) string {
	return fmt.Sprintf("%s\n\n%s\n\n%s%s\n%s%s\n", Title(p), strings.TrimSpace(p.Reason),
		trailerRule, p.Rule, trailerFinger, cmp.Or(p.Provenance.Fingerprint, "-"))
}

// isBotCommit reports whether message carries the trailer of rule.
func isBotCommit(message, rule string) bool {
	for _, line := range strings.Split(message, "\n") {
		if strings.TrimSpace(line) == trailerRule+rule {
			return true
		}
	}
	return false
}

// Body renders the pull request's body: failures addressed, rule and
// reason, the measured before/after matrix and control set, the template
// diff, the command to reproduce, and the hidden provenance block.
func Body(p Proposal) string {
	var b strings.Builder
	b.WriteString(BodyMarker + "\n")
	fmt.Fprintf(&b, "## hwcov patch: `%s`\n\n", p.Rule)
	fmt.Fprintf(&b, "**Rule** `%s`", p.Rule)
	if p.Provenance.RuleVersion != "" {
		fmt.Fprintf(&b, " (version %s)", p.Provenance.RuleVersion)
	}
	fmt.Fprintf(&b, ": %s\n\n", cell(p.Reason))

	b.WriteString("### Failures addressed\n\n| platform | failures |\n|---|---:|\n")
	total := 0
	fails := slices.Clone(p.Failures)
	slices.SortFunc(fails, func(a, b PlatformCount) int { return cmp.Compare(a.Platform, b.Platform) })
	for _, f := range fails {
		fmt.Fprintf(&b, "| %s | %d |\n", cell(f.Platform), f.Count)
		total += f.Count
	}
	fmt.Fprintf(&b, "| **total** | **%d** |\n\n", total)

	var affected, control []Result
	for _, r := range p.Results {
		if r.Control {
			control = append(control, r)
		} else {
			affected = append(affected, r)
		}
	}
	b.WriteString("### Measured before → after\n\n")
	fixed, still := 0, 0
	for _, r := range affected {
		if r.After == "pass" {
			fixed++
		} else {
			still++
		}
	}
	fmt.Fprintf(&b, "Re-run on the real runners: %d of %d affected tests pass after the patch", fixed, len(affected))
	switch {
	case still == 1:
		b.WriteString(", 1 does not")
	case still > 1:
		fmt.Fprintf(&b, ", %d do not", still)
	}
	b.WriteString(".\n\n")
	writeMatrix(&b, affected)
	broken := 0
	for _, r := range control {
		if r.After != "pass" {
			broken++
		}
	}
	fmt.Fprintf(&b, "\n<details><summary>Control set: %d tests on the same templates that passed before; %d pass after</summary>\n\n",
		len(control), len(control)-broken)
	b.WriteString("| architecture | platform | test | before → after |\n|---|---|---|---|\n")
	for i, r := range sortResults(control) {
		if i == maxControlRows {
			fmt.Fprintf(&b, "| … | | %d more | |\n", len(control)-i)
			break
		}
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s → %s |\n", cell(r.Architecture), cell(r.Platform), cell(r.Test), cell(r.Before), cell(r.After))
	}
	b.WriteString("\n</details>\n\n")

	if d := strings.TrimSpace(p.Diff); d != "" {
		if len(d) > maxDiffChars {
			d = d[:maxDiffChars] + "\n… (diff cut; the commit has it whole)"
		}
		fence := "```"
		for strings.Contains(d, fence) {
			fence += "`"
		}
		fmt.Fprintf(&b, "### Template diff\n\n%sdiff\n%s\n%s\n\n", fence, d, fence)
	}
	if p.Reproduce != "" {
		fmt.Fprintf(&b, "### Reproduce\n\n```sh\n%s\n```\n\n", strings.TrimSpace(p.Reproduce))
	}
	b.WriteString("A person's commit on this branch stops hwcov from updating it.\n\n")
	b.WriteString(provenanceBlock(p))
	out := b.String()
	if len(out) > maxBodyChars {
		out = out[:maxBodyChars-200] + "\n\n… (cut at GitHub's body limit)\n\n" + provenanceBlock(p)
	}
	return out
}

// provenanceBlock is the hidden, machine-readable block.
func provenanceBlock(p Proposal) string {
	v := struct {
		Format int    `json:"format"`
		Rule   string `json:"rule"`
		Provenance
	}{provenanceFormat, p.Rule, p.Provenance}
	data, _ := json.Marshal(v)
	// "--" cannot end an HTML comment early once escaped.
	return provenanceOpen + strings.ReplaceAll(string(data), "--", `-\u002d`) + " -->\n"
}

// writeMatrix writes architectures × platforms, each cell the transitions
// measured there ("fail → pass", "2× fail → pass").
func writeMatrix(b *strings.Builder, rs []Result) {
	if len(rs) == 0 {
		b.WriteString("_No affected tests were re-run._\n")
		return
	}
	platforms := map[string]bool{}
	cells := map[string]map[string]map[string]int{} // arch -> platform -> transition -> n
	for _, r := range rs {
		platforms[r.Platform] = true
		if cells[r.Architecture] == nil {
			cells[r.Architecture] = map[string]map[string]int{}
		}
		if cells[r.Architecture][r.Platform] == nil {
			cells[r.Architecture][r.Platform] = map[string]int{}
		}
		cells[r.Architecture][r.Platform][cell(r.Before)+" → "+cell(r.After)]++
	}
	ps := slices.Sorted(maps.Keys(platforms))
	b.WriteString("| architecture | " + strings.Join(cellAll(ps), " | ") + " |\n|---|" + strings.Repeat("---|", len(ps)) + "\n")
	archs := slices.Sorted(maps.Keys(cells))
	for i, a := range archs {
		if i == maxMatrixRows {
			fmt.Fprintf(b, "| … %d more architectures |%s\n", len(archs)-i, strings.Repeat(" |", len(ps)))
			break
		}
		row := []string{cell(a)}
		for _, p := range ps {
			var parts []string
			for _, t := range slices.Sorted(maps.Keys(cells[a][p])) {
				if n := cells[a][p][t]; n > 1 {
					parts = append(parts, fmt.Sprintf("%d× %s", n, t))
				} else {
					parts = append(parts, t)
				}
			}
			row = append(row, cmp.Or(strings.Join(parts, ", "), "—"))
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
}

func sortResults(rs []Result) []Result {
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b Result) int {
		return cmp.Or(cmp.Compare(a.Architecture, b.Architecture), cmp.Compare(a.Platform, b.Platform), cmp.Compare(a.Test, b.Test))
	})
	return out
}

// cell makes s safe in a markdown table cell and an HTML comment.
func cell(s string) string {
	s = oneLine(s)
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "`", "'").Replace(s)
}

func cellAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = cell(s)
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
