package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/reporter"
)

func itoa(i int) string { return strconv.Itoa(i) }

// The formats' checks live in the reporter.
var (
	checkFormat  = reporter.CheckFormat
	outputFormat = reporter.OutputFormat
)

// formatUsage is the --format flag's help: the formats, and where the
// default comes from.
func formatUsage(def string, valid ...string) string {
	return fmt.Sprintf("%s (default: from --out's extension, .md markdown, .json json, .csv csv; else %s)", strings.Join(valid, ", "), def)
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
