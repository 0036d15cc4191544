package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// commandPaths returns the path of c and of every command below it.
func commandPaths(c *cobra.Command) []string {
	paths := []string{c.CommandPath()}
	for _, sub := range c.Commands() {
		paths = append(paths, commandPaths(sub)...)
	}
	return paths
}

func TestHelpSections(t *testing.T) {
	root := NewCmdRoot(NewFactory(strings.NewReader(""), new(bytes.Buffer), new(bytes.Buffer)))
	paths := commandPaths(root)
	exists := map[string]bool{}
	for _, p := range paths {
		exists[p] = true
	}
	sections := helpSections()
	for _, p := range paths {
		h, ok := sections[p]
		switch {
		case !ok:
			t.Errorf("%s has no section %q in internal/face/cli/help/*.md", p, "## "+p)
		case h.long == "":
			t.Errorf("section %q in internal/face/cli/help/*.md has no long help", "## "+p)
		}
	}
	for p, h := range sections {
		if !exists[p] {
			t.Errorf("section %q in internal/face/cli/help/*.md names no command", "## "+p)
		}
		if strings.Contains(h.example, "### ") || strings.Contains(h.long, "### ") {
			t.Errorf("section %q has a heading other than %q", "## "+p, "### Example")
		}
	}
}

func TestHelpSectionsOnce(t *testing.T) {
	entries, err := helpFiles.ReadDir("help")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no help files: %v", err)
	}
	seen := map[string]string{}
	for _, e := range entries {
		b, err := helpFiles.ReadFile("help/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			p, ok := strings.CutPrefix(line, "## ")
			if !ok {
				continue
			}
			if f, dup := seen[p]; dup {
				t.Errorf("section %q is in both %s and %s", line, f, e.Name())
			}
			seen[p] = e.Name()
		}
	}
}

func TestParseHelp(t *testing.T) {
	tests := []struct {
		name, text string
		want       map[string]helpText
	}{
		{"intro only", "# hwcov x\n\nintro\n", map[string]helpText{}},
		{"long only", "# x\n\nintro\n\n## hwcov a\n\nLine one.\nLine two.\n\n", map[string]helpText{
			"hwcov a": {long: "Line one.\nLine two."},
		}},
		{"long and example", "## hwcov a\n\nLong.\n\n### Example\n\n  hwcov a --x \n\n## hwcov a b\n\nOther.\n", map[string]helpText{
			"hwcov a":   {long: "Long.", example: "  hwcov a --x "},
			"hwcov a b": {long: "Other."},
		}},
		{"blank lines inside kept", "## hwcov a\n\nOne.\n\nTwo.\n### Example\n  a\n\n  b\n", map[string]helpText{
			"hwcov a": {long: "One.\n\nTwo.", example: "  a\n\n  b"},
		}},
		{"empty section", "## hwcov a\n\n## hwcov b\nB.\n", map[string]helpText{
			"hwcov a": {}, "hwcov b": {long: "B."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseHelp(tt.text)
			if len(got) != len(tt.want) {
				t.Fatalf("parseHelp() = %q, want %q", got, tt.want)
			}
			for p, w := range tt.want {
				if got[p] != w {
					t.Errorf("parseHelp()[%q] = %q, want %q", p, got[p], w)
				}
			}
		})
	}
}
