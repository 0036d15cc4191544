package generator

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"unicode"
)

// Funcs returns the functions templates may call:
//
//	py VALUE            a Python literal: None, True/False, ints, floats, "strings", [lists], {dicts} (sorted keys)
//	pyfmt VALUE         the same, one entry per line when it does not fit in 80 columns
//	pystr STRING        a Python string literal
//	ident STRING        a Python identifier: other characters become "_"
//	join LIST SEP       strings.Join
//	comment STRING      every line prefixed with "# "
//	indent N STRING     every line but empty ones indented by N spaces
//	has LIST STRING     whether LIST contains STRING
//	chainNames CHAIN    the template names of a chain
//	upper, lower, replace OLD NEW S, trimSuffix SUFFIX S, hasPrefix PREFIX S
func Funcs() template.FuncMap {
	return template.FuncMap{
		"py":    PyLiteral,
		"pyfmt": func(v any) (string, error) { return pyFormat(v, 0) },
		"pystr": func(s string) string { return pyString(s) },
		"ident": Ident,
		"join": func(v any, sep string) (string, error) {
			ss, err := toStrings(v)
			return strings.Join(ss, sep), err
		},
		"comment": func(s string) string {
			lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
			for i, l := range lines {
				lines[i] = strings.TrimRight("# "+l, " ")
			}
			return strings.Join(lines, "\n")
		},
		"indent": func(n int, s string) string {
			pad := strings.Repeat(" ", n)
			lines := strings.Split(s, "\n")
			for i, l := range lines {
				if l != "" {
					lines[i] = pad + l
				}
			}
			return strings.Join(lines, "\n")
		},
		"has": func(v any, s string) (bool, error) {
			ss, err := toStrings(v)
			for _, x := range ss {
				if x == s {
					return true, err
				}
			}
			return false, err
		},
		"chainNames": func(chain []Layer) []string {
			out := make([]string, len(chain))
			for i, l := range chain {
				out[i] = l.Name
			}
			return out
		},
		"upper":      strings.ToUpper,
		"lower":      strings.ToLower,
		"replace":    func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
		"hasPrefix":  func(prefix, s string) bool { return strings.HasPrefix(s, prefix) },
	}
}

func toStrings(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []string:
		return x, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fmt.Sprint(e)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list of strings, got %T", v)
}

// Ident turns s into a Python identifier: characters other than letters,
// digits and "_" become "_", and a leading digit gets a "_" before it.
func Ident(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || (out[0] >= '0' && out[0] <= '9') {
		out = "_" + out
	}
	return out
}

// PyLiteral renders a Go value as a Python literal: nil is None, booleans are
// True/False, maps become dicts with sorted keys, slices become lists, whole
// floats are written as ints (JSON numbers decode as float64, and a config
// wants hidden_size=32, not 32.0), NaN and infinities as float("nan") and
// float("inf").
func PyLiteral(v any) (string, error) {
	var b strings.Builder
	if err := writePy(&b, reflect.ValueOf(v)); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writePy(b *strings.Builder, v reflect.Value) error {
	if !v.IsValid() {
		b.WriteString("None")
		return nil
	}
	if n, ok := v.Interface().(json.Number); ok {
		if _, err := strconv.ParseFloat(string(n), 64); err != nil {
			return fmt.Errorf("py: bad number %q", n)
		}
		b.WriteString(string(n))
		return nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			b.WriteString("None")
			return nil
		}
		return writePy(b, v.Elem())
	case reflect.Bool:
		if v.Bool() {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		b.WriteString(pyFloat(v.Float()))
	case reflect.String:
		b.WriteString(pyString(v.String()))
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writePy(b, v.Index(i)); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case reflect.Map:
		keys, err := sortedKeys(v)
		if err != nil {
			return err
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyString(k.String()))
			b.WriteString(": ")
			if err := writePy(b, v.MapIndex(k)); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("py: cannot write a %s as a Python literal", v.Type())
	}
	return nil
}

func sortedKeys(v reflect.Value) ([]reflect.Value, error) {
	if v.Type().Key().Kind() != reflect.String {
		return nil, fmt.Errorf("py: map keys must be strings, got %s", v.Type().Key())
	}
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys, nil
}

func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return `float("nan")`
	case math.IsInf(f, 1):
		return `float("inf")`
	case math.IsInf(f, -1):
		return `float("-inf")`
	case f == math.Trunc(f) && math.Abs(f) < 1e15:
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// pyString quotes s as a Python string literal using only ASCII (Go's
// escapes \n, \t, \", \\, \xNN, \uNNNN, \UNNNNNNNN mean the same in Python).
func pyString(s string) string {
	return strconv.QuoteToASCII(s)
}

// pyFormat is PyLiteral, broken one entry per line (indented by depth levels
// of four spaces) when the one-line form is longer than 80 columns.
func pyFormat(v any, depth int) (string, error) {
	one, err := PyLiteral(v)
	if err != nil || len(one)+4*depth <= 80 {
		return one, err
	}
	rv := reflect.ValueOf(v)
	for rv.IsValid() && (rv.Kind() == reflect.Interface || rv.Kind() == reflect.Pointer) && !rv.IsNil() {
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return one, nil
	}
	pad := strings.Repeat("    ", depth+1)
	var b strings.Builder
	switch rv.Kind() {
	case reflect.Map:
		keys, err := sortedKeys(rv)
		if err != nil {
			return "", err
		}
		b.WriteString("{\n")
		for _, k := range keys {
			s, err := pyFormat(rv.MapIndex(k).Interface(), depth+1)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "%s%s: %s,\n", pad, pyString(k.String()), s)
		}
		b.WriteString(strings.Repeat("    ", depth) + "}")
	case reflect.Slice, reflect.Array:
		b.WriteString("[\n")
		for i := 0; i < rv.Len(); i++ {
			s, err := pyFormat(rv.Index(i).Interface(), depth+1)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "%s%s,\n", pad, s)
		}
		b.WriteString(strings.Repeat("    ", depth) + "]")
	default:
		return one, nil
	}
	return b.String(), nil
}
