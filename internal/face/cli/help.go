package cli

import (
	"embed"
	"strings"

	"github.com/spf13/cobra"
)

// helpFiles hold the long help and examples of every command, one file per
// command group: "## hwcov <path>" starts a command's section, its long help
// follows, then "### Example" and its example.
//
//go:embed help/*.md
var helpFiles embed.FS

// helpText is the long help and example of one command.
type helpText struct{ long, example string }

// helpSections reads the help files into sections by command path.
func helpSections() map[string]helpText {
	entries, _ := helpFiles.ReadDir("help")
	sections := map[string]helpText{}
	for _, e := range entries {
		b, _ := helpFiles.ReadFile("help/" + e.Name())
		for path, h := range parseHelp(string(b)) {
			sections[path] = h
		}
	}
	return sections
}

// parseHelp splits one help file into its sections; text before the first
// section is the file's own introduction.
func parseHelp(text string) map[string]helpText {
	sections := map[string]helpText{}
	var path string
	var long, example []string
	cur := &long
	flush := func() {
		if path != "" {
			sections[path] = helpText{strings.Trim(strings.Join(long, "\n"), "\n"), strings.Trim(strings.Join(example, "\n"), "\n")}
		}
	}
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			flush()
			path, long, example, cur = strings.TrimPrefix(line, "## "), nil, nil, &long
		case line == "### Example":
			cur = &example
		default:
			*cur = append(*cur, line)
		}
	}
	flush()
	return sections
}

// applyHelp fills Long and Example of c and every command below it from
// the help files.
func applyHelp(c *cobra.Command, sections map[string]helpText) {
	h := sections[c.CommandPath()]
	c.Long, c.Example = h.long, h.example
	for _, sub := range c.Commands() {
		applyHelp(sub, sections)
	}
}
