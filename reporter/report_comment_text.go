package reporter

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hwcov/hwcov/internal/results"
)

// mdCode renders an untrusted string as inline code: one line, at most n
// characters, without backticks, so it cannot close the span, mention
// anyone or inject HTML. Empty stays empty.
func mdCode(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "`", "'")
	return "`" + truncateRunes(s, n) + "`"
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}

func reportStatusCell(s results.Status) string {
	if s == "" {
		return "–"
	}
	sym := symbolOf(s)
	if s == results.StatusPass {
		return sym.markdown
	}
	return sym.markdown + " " + sym.label
}

func mermaidSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_.-@/ ", r):
			return r
		}
		return '_'
	}, s)
	return truncateRunes(s, 48)
}

// utf16Len counts UTF-16 code units: never fewer than the characters
// GitHub counts, whichever way it counts them.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

func percentText(f float64) string { return strconv.FormatFloat(f*100, 'f', -1, 64) + "%" }

func signedPct(f float64) string {
	s := strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
	if f >= 0 {
		s = "+" + s
	}
	return s
}

func numText(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// sigFigs formats a measurement with three significant digits.
func sigFigs(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1000:
		return withCommas(int(math.Round(v)))
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func pValue(p float64) string {
	switch {
	case p < 0.0001:
		return "<0.0001"
	case p < 0.001:
		return strconv.FormatFloat(p, 'f', 4, 64)
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// withCommas writes n with comma separators: 65,536.
func withCommas(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
