package reporter

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hwcov/hwcov/internal/hwerr"
)

// CheckFormat returns a usage error naming --flag when format is not one
// of valid.
func CheckFormat(flag, format string, valid ...string) error {
	if slices.Contains(valid, format) {
		return nil
	}
	return hwerr.Usagef(fmt.Sprintf("--%s %s", flag, valid[0]), "--%s %q is not one of %s", flag, format, strings.Join(valid, ", "))
}

// extFormats are the formats a file name's extension asks for.
var extFormats = map[string]string{".md": "markdown", ".markdown": "markdown", ".json": "json", ".csv": "csv", ".html": "html"}

// OutputFormat resolves a command's --format: the one given, else the one
// the extension of --out asks for (report.md: markdown, .json, .csv), else
// def. A format or an extension the command cannot write is a usage error.
func OutputFormat(format, out, def string, valid ...string) (string, error) {
	if format != "" {
		return format, CheckFormat("format", format, valid...)
	}
	ext := strings.ToLower(filepath.Ext(out))
	f, ok := extFormats[ext]
	if !ok {
		return def, nil
	}
	if !slices.Contains(valid, f) {
		return "", hwerr.Usagef("--format "+def, "--out %q asks for %s, which this command does not write (%s)", out, f, strings.Join(valid, ", "))
	}
	return f, nil
}
