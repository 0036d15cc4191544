package patch

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hwcov/hwcov/generator"
)

// Change modes.
const (
	ModeReplace = "replace" // the block's definition in the file is replaced
	ModeAppend  = "append"  // the body is added after the block's definition (the file's own, else base's)
)

// Change is one edit made concrete: a block of one template file.
type Change struct {
	RuleID      string `json:"rule_id"`
	RuleVersion int    `json:"rule_version"`
	File        string `json:"file"` // relative template name: family/musicgen.py.tmpl
	Block       string `json:"block"`
	Mode        string `json:"mode"`
	Body        string `json:"body"`
}

// Changes turns the edits of s's rule into changes, one per file and block,
// filling in the matched architectures and platforms where an edit leaves
// them open.
func Changes(s Suggestion) ([]Change, error) {
	r := s.Rule
	var out []Change
	add := func(file, block, mode, body string) {
		out = append(out, Change{RuleID: r.ID, RuleVersion: r.Version, File: file, Block: block, Mode: mode, Body: body})
	}
	for _, e := range r.Edits {
		archs := pick(e.Architecture, s.Architectures())
		platforms := pick(e.Platform, s.Platforms())
		reason := cmpOr(e.Reason, r.Reason)
		switch e.Kind {
		case EditBlock:
			for _, file := range expand(e.Template, archs, platforms) {
				add(file, e.Block, ModeReplace, e.Body)
			}
		case EditConfig:
			lit, err := generator.PyLiteral(e.Overrides)
			if err != nil {
				return nil, fmt.Errorf("rule %q: config overrides: %w", r.ID, err)
			}
			for _, a := range archs {
				add(familyFile(a), "family_overrides", ModeAppend,
					fmt.Sprintf("# %s\nCONFIG_OVERRIDES = harness.deep_merge(CONFIG_OVERRIDES, %s)\n", oneLine(reason), lit))
			}
		case EditInputs:
			for _, a := range archs {
				add(familyFile(a), "inputs", ModeReplace, fmt.Sprintf("{{template %q .}}\n", e.Builder))
			}
		case EditBatch:
			for _, p := range platforms {
				add(hardwareFile(p), "device_setup", ModeAppend, batchSnippet(r.ID, e.MaxBatch, scope(e.Architecture, archs), reason))
			}
		case EditTolerance:
			for _, p := range platforms {
				add(hardwareFile(p), "tolerance", ModeAppend, toleranceSnippet(r.ID, e, scope(e.Architecture, archs), reason))
			}
		case EditUnsupported:
			link := cmpOr(e.Link, r.Link)
			for _, p := range platforms {
				add(hardwareFile(p), "device_setup", ModeAppend, unsupportedSnippet(r.ID, p, archs, reason, link))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
}

func familyFile(arch string) string  { return "family/" + arch + ".py.tmpl" }
func hardwareFile(key string) string { return "hardware/" + key + ".py.tmpl" }

// pick is []string{v} when v is set, else the matched values.
func pick(v string, matched []string) []string {
	if v != "" && v != "*" {
		return []string{v}
	}
	return matched
}

// scope is the architectures a platform-wide edit is limited to: none (all of
// them) for "*".
func scope(v string, archs []string) []string {
	if v == "*" {
		return nil
	}
	return archs
}

// expand fills {architecture} and {platform} into a template name.
func expand(name string, archs, platforms []string) []string {
	names := []string{name}
	for _, ph := range []struct {
		key  string
		vals []string
	}{{"{architecture}", archs}, {"{platform}", platforms}} {
		if !strings.Contains(name, ph.key) {
			continue
		}
		var next []string
		for _, n := range names {
			for _, v := range ph.vals {
				next = append(next, strings.ReplaceAll(n, ph.key, v))
			}
		}
		names = next
	}
	return names
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// py renders v as a Python literal (values here are strings and numbers).
func py(v any) string {
	s, err := generator.PyLiteral(v)
	if err != nil {
		panic(err)
	}
	return s
}

// only is the Python condition limiting a snippet to archs ("" for all).
func only(archs []string) string {
	if len(archs) == 0 {
		return ""
	}
	return "MODEL_TYPE in " + py(archs) + " and "
}

func batchSnippet(id string, max int, archs []string, reason string) string {
	n := generator.Ident(id)
	return fmt.Sprintf(`
# %[4]s
MAX_BATCH_SIZE_%[1]s = %[2]d
_setup_device_before_%[1]s = setup_device


def setup_device(ctx):
    """Cap the batch size at %[2]d (patch rule %[5]s), then set the device up."""
    if %[3]sctx.batch_size > MAX_BATCH_SIZE_%[1]s:
        ctx.extra["batch_size_capped"] = {"from": ctx.batch_size, "to": MAX_BATCH_SIZE_%[1]s, "rule": %[6]s}
        ctx.batch_size = MAX_BATCH_SIZE_%[1]s
    return _setup_device_before_%[1]s(ctx)
`, n, max, only(archs), oneLine(reason), id, py(id))
}

func toleranceSnippet(id string, e Edit, archs []string, reason string) string {
	n := generator.Ident(id)
	return fmt.Sprintf(`
_tolerance_before_%[1]s = tolerance


def tolerance(precision):
    """Widened by patch rule %[5]s: %[4]s"""
    atol, rtol = _tolerance_before_%[1]s(precision)
    if %[6]s:
        return max(atol, %[2]s), max(rtol, %[3]s)
    return atol, rtol
`, n, py(e.Atol), py(e.Rtol), oneLine(reason), id, strings.TrimSuffix(cmpOr(only(archs), "True"), " and "))
}

func unsupportedSnippet(id, platform string, archs []string, reason, link string) string {
	n := generator.Ident(id)
	why := oneLine(reason)
	if link != "" {
		why += " (" + link + ")"
	}
	return fmt.Sprintf(`
# Declared unsupported on %[2]s by patch rule %[3]s.
DECLARED_UNSUPPORTED_%[1]s = %[4]s
_setup_device_before_%[1]s = setup_device


def setup_device(ctx):
    """Skip what is declared unsupported here, with the reason and a link; else set the device up."""
    if MODEL_TYPE in DECLARED_UNSUPPORTED_%[1]s:
        raise harness.Skip("declared unsupported on " + HARDWARE + ": " + %[5]s)
    return _setup_device_before_%[1]s(ctx)
`, n, platform, id, py(archs), py(why))
}
