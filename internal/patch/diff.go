package patch

import (
	"fmt"
	"strings"
)

// Diff renders the edits as a unified diff (paths relative to dir, as git
// shows them), three lines of context.
func Diff(dir string, edits []FileEdit) string {
	var b strings.Builder
	for _, e := range edits {
		from := "a/" + join(dir, e.File)
		if !e.Existed {
			from = "/dev/null"
		}
		fmt.Fprintf(&b, "--- %s\n+++ b/%s\n", from, join(dir, e.File))
		b.WriteString(unified(lines(e.Before), lines(e.After), 3))
	}
	return b.String()
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return strings.TrimSuffix(dir, "/") + "/" + name
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
}

// op is one line of an edit script: ' ', '-' or '+'.
type op struct {
	kind byte
	text string
}

// script is the shortest edit script from a to b (LCS, fine for templates
// of a few hundred lines).
func script(a, b []string) []op {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if strings.TrimSuffix(a[i], "\n") == strings.TrimSuffix(b[j], "\n") {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && strings.TrimSuffix(a[i], "\n") == strings.TrimSuffix(b[j], "\n"):
			out = append(out, op{' ', a[i]})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, op{'+', b[j]})
			j++
		default:
			out = append(out, op{'-', a[i]})
			i++
		}
	}
	return out
}

// unified renders the hunks of the edit script from a to b.
func unified(a, b []string, context int) string {
	ops := script(a, b)
	var sb strings.Builder
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-context)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			k := end
			for k < len(ops) && ops[k].kind == ' ' {
				k++
			}
			if k == len(ops) || k-end > 2*context {
				end = min(len(ops), end+context)
				break
			}
			end = k
		}
		aLine, bLine := 1, 1
		for _, o := range ops[:start] {
			if o.kind != '+' {
				aLine++
			}
			if o.kind != '-' {
				bLine++
			}
		}
		var an, bn int
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				an++
			}
			if o.kind != '-' {
				bn++
			}
		}
		if an == 0 {
			aLine--
		}
		if bn == 0 {
			bLine--
		}
		fmt.Fprintf(&sb, "@@ -%d,%d +%d,%d @@\n", aLine, an, bLine, bn)
		for _, o := range ops[start:end] {
			sb.WriteByte(o.kind)
			sb.WriteString(strings.TrimSuffix(o.text, "\n"))
			sb.WriteByte('\n')
		}
		i = end
	}
	return sb.String()
}
