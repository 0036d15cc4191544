package patch

import (
	"fmt"
	"sort"
	"strings"
)

// marker opens a change in a template; endMarker closes it.
func marker(c Change) string {
	return fmt.Sprintf("hwcov patch %s v%d: %s", c.RuleID, c.RuleVersion, c.Block)
}
func endMarker(c Change) string { return "end hwcov patch " + c.RuleID }

// Applied reports whether src holds c already (any version of its rule, same block).
func Applied(src string, c Change) bool {
	for _, line := range strings.Split(src, "\n") {
		if strings.Contains(line, "hwcov patch "+c.RuleID+" v") && strings.Contains(line, ": "+c.Block+" */") {
			return true
		}
	}
	return false
}

// Sources is what applying needs to read: the current source of a template
// (the user's copy, else the embedded default; ok false when neither exists).
type Sources func(name string) (src string, ok bool, err error)

// FileEdit is a template file before and after changes.
type FileEdit struct {
	File    string   `json:"file"`
	Existed bool     `json:"existed"` // the file existed (user copy or embedded) before
	Before  string   `json:"before"`
	After   string   `json:"after"`
	Rules   []string `json:"rules"`
}

// Render applies changes to the templates read through read and returns
// each changed file before and after, sorted by name. A change already in
// its file is skipped; a file whose changes were all applied before is left
// out.
func Render(read Sources, changes []Change) ([]FileEdit, error) {
	byFile := map[string][]Change{}
	for _, c := range changes {
		byFile[c.File] = append(byFile[c.File], c)
	}
	names := make([]string, 0, len(byFile))
	for n := range byFile {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []FileEdit
	for _, name := range names {
		src, ok, err := read(name)
		if err != nil {
			return nil, err
		}
		if !ok && strings.HasPrefix(name, "hardware/") {
			return nil, fmt.Errorf("template %q does not exist: a hardware edit needs the platform's own template (write it, or name the template in a block edit)", name)
		}
		after := src
		if !ok {
			after = fmt.Sprintf("{{- /* %s: written by hwcov patch apply. */ -}}\n", name)
		}
		var rules []string
		for _, c := range byFile[name] {
			if Applied(after, c) {
				continue
			}
			if after, err = applyChange(read, name, after, c); err != nil {
				return nil, err
			}
			if !contains(rules, c.RuleID) {
				rules = append(rules, c.RuleID)
			}
		}
		if after != src {
			out = append(out, FileEdit{File: name, Existed: ok, Before: src, After: after, Rules: rules})
		}
	}
	return out, nil
}

// applyChange writes c into src, the source of template name.
func applyChange(read Sources, name, src string, c Change) (string, error) {
	sp, found, err := findSpan(src, c.Block)
	if err != nil {
		return "", fmt.Errorf("template %q: %w", name, err)
	}
	if found && sp.Block {
		return "", fmt.Errorf("template %q declares block %q with {{block}}: patch a family, modality or hardware template instead", name, c.Block)
	}
	body := strings.TrimRight(c.Body, "\n") + "\n"
	open := fmt.Sprintf("{{- /* %s */}}\n", marker(c))
	close := fmt.Sprintf("{{- /* %s */ -}}\n", endMarker(c))
	var def string
	switch c.Mode {
	case ModeReplace:
		def = fmt.Sprintf("{{define %q}}\n%s%s%s{{end}}", c.Block, open, body, close)
	case ModeAppend:
		inherited := ""
		if found {
			inherited = src[sp.BodyStart:sp.BodyEnd]
		} else if inherited, err = baseBody(read, c.Block); err != nil {
			return "", fmt.Errorf("template %q: %w", name, err)
		}
		def = fmt.Sprintf("{{define %q}}%s\n%s%s%s{{end}}", c.Block, strings.TrimRight(inherited, "\n"), open, body, close)
	default:
		return "", fmt.Errorf("change mode %q", c.Mode)
	}
	if found {
		return src[:sp.Start] + def + src[sp.End:], nil
	}
	return strings.TrimRight(src, "\n") + "\n" + def + "\n", nil
}

// baseBody is the body base.py.tmpl declares for block; an empty block
// (family_overrides) is "".
func baseBody(read Sources, block string) (string, error) {
	src, ok, err := read("base.py.tmpl")
	if err != nil {
		return "", err
	}
	if ok {
		sp, found, err := findSpan(src, block)
		if err != nil {
			return "", fmt.Errorf("base.py.tmpl: %w", err)
		}
		if found {
			return src[sp.BodyStart:sp.BodyEnd], nil
		}
		// A block declared inside another one (family_overrides in constants).
		if i := strings.Index(src, fmt.Sprintf("{{- block %q .}}{{end}}", block)); i >= 0 {
			return "", nil
		}
	}
	return "", fmt.Errorf("block %q is neither defined in the file nor declared by base.py.tmpl: use a block edit that replaces it", block)
}
