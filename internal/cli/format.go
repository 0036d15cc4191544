package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/reporter"
)

func itoa(i int) string { return strconv.Itoa(i) }

// checkFormat returns a usage error when format is not one of valid.
func checkFormat(flag, format string, valid ...string) error {
	for _, v := range valid {
		if format == v {
			return nil
		}
	}
	return usagef(fmt.Sprintf("--%s %s", flag, valid[0]), "--%s %q is not one of %s", flag, format, strings.Join(valid, ", "))
}

// extFormats are the formats a file name's extension asks for.
var extFormats = map[string]string{".md": "markdown", ".markdown": "markdown", ".json": "json", ".csv": "csv", ".html": "html"}

// formatUsage is the --format flag's help: the formats, and where the
// default comes from.
func formatUsage(def string, valid ...string) string {
	return fmt.Sprintf("%s (default: from --out's extension, .md markdown, .json json, .csv csv; else %s)", strings.Join(valid, ", "), def)
}

// outputFormat resolves a command's --format: the one given, else the one
// the extension of --out asks for (report.md: markdown, .json, .csv), else
// def. A format or an extension the command cannot write is a usage error.
func outputFormat(format, out, def string, valid ...string) (string, error) {
	if format != "" {
		return format, checkFormat("format", format, valid...)
	}
	ext := strings.ToLower(filepath.Ext(out))
	f, ok := extFormats[ext]
	if !ok {
		return def, nil
	}
	if !slices.Contains(valid, f) {
		return "", usagef("--format "+def, "--out %q asks for %s, which this command does not write (%s)", out, f, strings.Join(valid, ", "))
	}
	return f, nil
}

// The listings' writers live in the reporter.
var (
	writeTable = reporter.WritePlainTable
	writeCSV   = reporter.WriteCSV
	writeJSON  = reporter.WriteJSON
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// writeOutput renders into a buffer and writes it to path atomically, or to stdout.
func writeOutput(f *Factory, path string, render func(*strings.Builder) error) error {
	var b strings.Builder
	if err := render(&b); err != nil {
		return err
	}
	if path == "" || path == "-" {
		_, err := fmt.Fprint(f.Out, b.String())
		return err
	}
	if err := fsutil.WriteFileDirs(path, []byte(b.String())); err != nil {
		return err
	}
	fmt.Fprintf(f.Err, "wrote %s\n", path)
	return nil
}
