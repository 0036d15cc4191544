package workflows

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Pin is the commit an action's tag pointed to when hwcov took it, and the
// release that commit is.
type Pin struct {
	SHA     string
	Release string
}

// Pins are the actions hwcov's workflows use, by owner/repo@tag, with the
// commit `hwcov workflow generate --pin` writes instead of the tag. Each
// commit is the release named beside it (the newest of the tag's line when
// the table was written); to move one, check the release's commit
// (`git ls-remote https://github.com/actions/checkout refs/tags/v4.2.2`) and
// edit this table and docs/ci.md together.
var Pins = map[string]Pin{
	"actions/checkout@v4":              {SHA: "11bd71901bbe5b1630ceea73d27597364c9af683", Release: "v4.2.2"},
	"actions/upload-artifact@v4":       {SHA: "ea165f8d65b6e75b540449e92b4886f43607fa02", Release: "v4.6.2"},
	"actions/download-artifact@v4":     {SHA: "d3f86a106a0bac45b974a628896c90dbdf5c8093", Release: "v4.3.0"},
	"actions/setup-go@v5":              {SHA: "d35c59abb061a4a6fb18e82ac0862c26744d6ab5", Release: "v5.5.0"},
	"actions/upload-pages-artifact@v4": {SHA: "7b1f4a764d45c48632c6b24a0339c27f5614fb0b", Release: "v4.0.0"},
	"actions/deploy-pages@v4":          {SHA: "d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e", Release: "v4.0.5"},
}

// PinError names the actions (owner/repo@ref) with no known commit.
type PinError struct {
	Refs []string
}

func (e *PinError) Error() string {
	return fmt.Sprintf("no commit known for %s", strings.Join(e.Refs, ", "))
}

var (
	usesLine = regexp.MustCompile(`^(\s*(?:-\s+)?uses:\s+)([^\s@#]+)@([^\s#]+)[ \t]*(?:#\s*(.*))?$`)
	fullSHA  = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// PinActions rewrites each `uses: owner/repo[/path]@ref` of a workflow to
// the commit Pins (or extra, "owner/repo@ref" to a 40-hex commit) has for
// owner/repo@ref, and keeps the ref in a comment, as Dependabot and
// Renovate read it: `uses: actions/checkout@11bd719... # v4`. A reusable
// workflow (owner/repo/.github/workflows/x.yml@ref) takes its repository's
// pin. Local references (./), docker:// images and refs that already are a
// commit are left alone. An action with no known commit is a *PinError
// naming every one.
func PinActions(src []byte, extra map[string]string) ([]byte, error) {
	lines := strings.Split(string(src), "\n")
	var unknown []string
	seen := map[string]bool{}
	for i, line := range lines {
		m := usesLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		prefix, target, ref, comment := m[1], m[2], m[3], m[4]
		if strings.HasPrefix(target, "./") || strings.HasPrefix(target, "docker://") || fullSHA.MatchString(ref) {
			continue
		}
		parts := strings.SplitN(target, "/", 3)
		if len(parts) < 2 {
			continue
		}
		key := parts[0] + "/" + parts[1] + "@" + ref
		sha := extra[key]
		if sha == "" {
			sha = Pins[key].SHA
		}
		if sha == "" {
			if !seen[key] {
				seen[key] = true
				unknown = append(unknown, key)
			}
			continue
		}
		if comment != "" {
			comment = ref + " - " + comment
		} else {
			comment = ref
		}
		lines[i] = prefix + target + "@" + sha + " # " + comment
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, &PinError{Refs: unknown}
	}
	return []byte(strings.Join(lines, "\n")), nil
}

// ParsePin reads "owner/repo@ref=SHA" (a --pin-sha flag).
func ParsePin(s string) (key, sha string, err error) {
	key, sha, ok := strings.Cut(s, "=")
	owner, rest, _ := strings.Cut(key, "/")
	repo, ref, _ := strings.Cut(rest, "@")
	if !ok || owner == "" || repo == "" || ref == "" || strings.Contains(repo, "/") || !fullSHA.MatchString(sha) {
		return "", "", fmt.Errorf("%q: want owner/repo@ref=<40-hex commit>", s)
	}
	return key, sha, nil
}
