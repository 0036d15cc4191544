package botpr

import (
	"fmt"
	"strings"
)

var actionText = map[Action]string{
	Opened:    "opened",
	Updated:   "updated",
	Unchanged: "unchanged",
	Closed:    "closed, branch deleted",
	NoDiff:    "nothing to do (no diff)",
	HumanHeld: "left alone (a person committed)",
	HeldBack:  "held back",
	Dropped:   "left alone (verification dropped the patch)",
	Nothing:   "nothing to do",
}

// Text is the report for a terminal: one line per proposal, then what was
// held back.
func (r Report) Text() string {
	var b strings.Builder
	if len(r.Items) == 0 {
		fmt.Fprintf(&b, "hwcov patch pr: nothing to do in %s (no proposals)\n", r.Repo)
		return b.String()
	}
	verb := ""
	if r.DryRun {
		verb = " (dry run: nothing written)"
	}
	fmt.Fprintf(&b, "hwcov patch pr: %s, base %s, at most %d open%s\n", r.Repo, r.Base, r.MaxOpen, verb)
	for _, it := range r.Items {
		line := fmt.Sprintf("  %-28s %s", it.Branch, actionText[it.Action])
		if it.Number > 0 {
			line += fmt.Sprintf(" #%d", it.Number)
		}
		if it.Why != "" {
			line += ": " + it.Why
		}
		b.WriteString(line + "\n")
	}
	if held := r.Held(); len(held) > 0 {
		fmt.Fprintf(&b, "held back (%d): %s; they open once fewer than %d hwcov pull requests are open\n",
			len(held), strings.Join(held, ", "), r.MaxOpen)
	}
	return b.String()
}

// Held lists the rules held back by the cap.
func (r Report) Held() []string {
	var out []string
	for _, it := range r.Items {
		if it.Action == HeldBack {
			out = append(out, it.Rule)
		}
	}
	return out
}

// Markdown is the report for $GITHUB_STEP_SUMMARY.
func (r Report) Markdown() string {
	var b strings.Builder
	b.WriteString("### hwcov patch pull requests\n\n")
	if len(r.Items) == 0 {
		b.WriteString("Nothing to do: no proposals.\n")
		return b.String()
	}
	if r.DryRun {
		b.WriteString("Dry run: nothing was written.\n\n")
	}
	b.WriteString("| rule | branch | outcome | pull request |\n|---|---|---|---|\n")
	for _, it := range r.Items {
		pr := ""
		if it.Number > 0 {
			pr = fmt.Sprintf("[#%d](%s)", it.Number, it.URL)
		}
		out := actionText[it.Action]
		if it.Why != "" {
			out += ": " + cell(it.Why)
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", it.Rule, it.Branch, out, pr)
	}
	if held := r.Held(); len(held) > 0 {
		fmt.Fprintf(&b, "\n**Held back** (%d, cap of %d open pull requests): %s\n", len(held), r.MaxOpen, "`"+strings.Join(held, "`, `")+"`")
	}
	return b.String()
}
