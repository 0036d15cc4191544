package patch

import (
	"fmt"
	"strings"
)

// span is one {{define "name"}}...{{end}} (or {{block "name" .}}...{{end}})
// at the top level of a template file, as byte offsets.
type span struct {
	Name      string
	Block     bool // {{block}}: base's declarations
	Start     int  // the opening "{{"
	BodyStart int  // just after the opening action
	BodyEnd   int  // the "{{" of its {{end}}
	End       int  // just after its {{end}}
}

// action is one {{...}} in a template source.
type action struct {
	start, end int    // offsets of "{{" and just after "}}"
	words      string // the content without delimiters, trim markers and spaces
}

// actions lists the {{...}} of src in order; comments are actions without words.
func actions(src string) ([]action, error) {
	var out []action
	for i := 0; ; {
		j := strings.Index(src[i:], "{{")
		if j < 0 {
			return out, nil
		}
		start := i + j
		k := start + 2
		inner := strings.TrimLeft(strings.TrimPrefix(src[k:], "-"), " \t\n")
		var end int
		if strings.HasPrefix(inner, "/*") {
			c := strings.Index(src[k:], "*/")
			if c < 0 {
				return nil, fmt.Errorf("offset %d: unclosed comment", start)
			}
			e := strings.Index(src[k+c:], "}}")
			if e < 0 {
				return nil, fmt.Errorf("offset %d: unclosed action", start)
			}
			end = k + c + e + 2
			out = append(out, action{start: start, end: end})
			i = end
			continue
		}
		e := strings.Index(src[k:], "}}")
		if e < 0 {
			return nil, fmt.Errorf("offset %d: unclosed action", start)
		}
		end = k + e + 2
		w := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(src[k:end-2], "-"), "-"))
		out = append(out, action{start: start, end: end, words: w})
		i = end
	}
}

// defines returns the top-level define and block spans of src.
func defines(src string) ([]span, error) {
	acts, err := actions(src)
	if err != nil {
		return nil, err
	}
	var out []span
	depth := 0
	var cur *span
	for _, a := range acts {
		word, rest, _ := strings.Cut(a.words, " ")
		switch word {
		case "define", "block", "if", "range", "with":
			if depth == 0 && (word == "define" || word == "block") {
				name := strings.Trim(strings.Fields(rest + " x")[0], `"`)
				cur = &span{Name: name, Block: word == "block", Start: a.start, BodyStart: a.end}
			}
			depth++
		case "end":
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("offset %d: {{end}} without an opening action", a.start)
			}
			if depth == 0 && cur != nil {
				cur.BodyEnd, cur.End = a.start, a.end
				out = append(out, *cur)
				cur = nil
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("an action is not closed by {{end}}")
	}
	return out, nil
}

// findSpan returns the top-level define or block of name in src.
func findSpan(src, name string) (span, bool, error) {
	spans, err := defines(src)
	if err != nil {
		return span{}, false, err
	}
	for _, s := range spans {
		if s.Name == name {
			return s, true, nil
		}
	}
	return span{}, false, nil
}
