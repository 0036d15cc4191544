package workflows

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/testing/testfs"
)

// hwcovPin stands in for the commit of the hwcov action's tag, which the
// table cannot know (it is the release being made).
var hwcovPin = map[string]string{"hwcov/hwcov@v0": "0123456789abcdef0123456789abcdef01234567"}

// TestPinActions: the pinned caller (both styles) and comment workflows are
// golden files, every uses: is a commit with the tag in a comment, and they
// lint clean.
func TestPinActions(t *testing.T) {
	l := newLinter(t)
	for name, render := range map[string]func() ([]byte, error){
		"standalone": func() ([]byte, error) { return RenderCaller(CallerOptions{Hardware: "cpu,cuda", Shards: 2}) },
		"reusable":   func() ([]byte, error) { return RenderCaller(CallerOptions{Style: Reusable, Hardware: "cpu"}) },
		"comment":    func() ([]byte, error) { return RenderComment("", "") },
	} {
		t.Run(name, func(t *testing.T) {
			src, err := render()
			if err != nil {
				t.Fatal(err)
			}
			pinned, err := PinActions(src, hwcovPin)
			if err != nil {
				t.Fatal(err)
			}
			testfs.Golden(t, pinned, *update)
			uses := regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s+(\S+)(.*)$`).FindAllStringSubmatch(string(pinned), -1)
			if len(uses) == 0 {
				t.Fatal("no uses:")
			}
			for _, u := range uses {
				if !regexp.MustCompile(`@[0-9a-f]{40}$`).MatchString(u[1]) || !regexp.MustCompile(`^ # v\d`).MatchString(u[2]) {
					t.Errorf("not pinned with its tag: %s%s", u[1], u[2])
				}
			}
			l.add("pinned-"+name+".yml", pinned)
		})
	}
	for name, fs := range l.lint() {
		for _, f := range fs {
			t.Errorf("%s:%d:%d: %s [%s]", name, f.Line, f.Column, f.Message, f.Kind)
		}
	}
}

func TestPinActionsRefuses(t *testing.T) {
	src := []byte("steps:\n  - uses: ./\n  - uses: actions/checkout@v4\n  - uses: actions/cache@v4 # cache\n" +
		"  - uses: octo/tool/sub@v1\n  - uses: docker://alpine:3\n  - uses: actions/cache@v4\n")
	_, err := PinActions(src, nil)
	var pe *PinError
	if !errors.As(err, &pe) || strings.Join(pe.Refs, " ") != "actions/cache@v4 octo/tool@v1" {
		t.Fatalf("err = %v", err)
	}
	out, err := PinActions(src, map[string]string{"actions/cache@v4": strings.Repeat("a", 40), "octo/tool@v1": strings.Repeat("b", 40)})
	if err != nil {
		t.Fatal(err)
	}
	want := "steps:\n  - uses: ./\n  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4\n" +
		"  - uses: actions/cache@" + strings.Repeat("a", 40) + " # v4 - cache\n  - uses: octo/tool/sub@" + strings.Repeat("b", 40) + " # v1\n" +
		"  - uses: docker://alpine:3\n  - uses: actions/cache@" + strings.Repeat("a", 40) + " # v4\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// Pinned twice: unchanged.
	if again, err := PinActions(out, nil); err != nil || string(again) != want {
		t.Errorf("pinning a pinned workflow: %v\n%s", err, again)
	}
	for _, bad := range []string{"hwcov/hwcov@v0", "hwcov/hwcov@v0=abc", "hwcov@v0=" + strings.Repeat("a", 40), "a/b/c@v0=" + strings.Repeat("a", 40)} {
		if _, _, err := ParsePin(bad); err == nil {
			t.Errorf("ParsePin(%q) accepted", bad)
		}
	}
}
