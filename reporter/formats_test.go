package reporter

import (
	"errors"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/hwerr"
)

func TestOutputFormat(t *testing.T) {
	perf := PerfFormats
	compare := []string{"markdown", "json"}            // hwcov compare's
	catalogFormats := []string{"table", "json", "csv"} // hwcov catalog list's
	tests := []struct {
		format, out, def string
		valid            []string
		want, wantErr    string
	}{
		{"", "", "table", perf, "table", ""},
		{"", "-", "table", perf, "table", ""},
		{"", "validation_report.md", "table", perf, "markdown", ""},
		{"", "out/Report.MD", "table", perf, "markdown", ""},
		{"", "impact.markdown", "table", perf, "markdown", ""},
		{"", "matrix.json", "table", perf, "json", ""},
		{"", "hardware.csv", "table", perf, "csv", ""},
		{"", "report.txt", "table", perf, "table", ""},
		{"", "report", "table", perf, "table", ""},
		{"", "run.md", "markdown", compare, "markdown", ""},
		{"", "run.json", "markdown", compare, "json", ""},
		// --format wins over the extension
		{"table", "validation_report.md", "table", perf, "table", ""},
		{"json", "x.csv", "table", perf, "json", ""},
		// what the command cannot write
		{"html", "x.md", "table", perf, "", `--format "html" is not one of table, markdown, json, csv`},
		{"", "run.csv", "markdown", compare, "", `--out "run.csv" asks for csv, which this command does not write (markdown, json)`},
		{"", "models.md", "table", catalogFormats, "", `--out "models.md" asks for markdown`},
	}
	for _, tt := range tests {
		got, err := OutputFormat(tt.format, tt.out, tt.def, tt.valid...)
		if tt.wantErr != "" {
			var ue *hwerr.UsageError
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ue) {
				t.Errorf("OutputFormat(%q, %q) error = %v, want a usage error with %q", tt.format, tt.out, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("OutputFormat(%q, %q) = %q, %v, want %q", tt.format, tt.out, got, err, tt.want)
		}
	}
}
