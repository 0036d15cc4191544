package reporter

import (
	"encoding/csv"
	"encoding/json"
	"io"

	"github.com/olekukonko/tablewriter"
)

// WritePlainTable renders rows as a terminal table in tablewriter's
// default style (the listings: catalog, hardware, plan).
func WritePlainTable(w io.Writer, header []string, rows [][]string) error {
	t := tablewriter.NewWriter(w)
	t.Header(anys(header)...)
	for _, r := range rows {
		if err := t.Append(anys(r)...); err != nil {
			return err
		}
	}
	return t.Render()
}

// WriteCSV renders rows as CSV with a header.
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// JSONOption changes how WriteJSON encodes.
type JSONOption func(*json.Encoder)

// EscapeHTML escapes <, > and & in strings, as encoding/json does by
// default.
func EscapeHTML(e *json.Encoder) { e.SetEscapeHTML(true) }

// WriteJSON writes v as indented JSON, leaving <, > and & as they are
// unless EscapeHTML is given.
func WriteJSON(w io.Writer, v any, opts ...JSONOption) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	for _, o := range opts {
		o(enc)
	}
	return enc.Encode(v)
}

// writeListing writes header and rows as a plain table, or CSV when format is csv.
func writeListing(w io.Writer, format string, header []string, rows [][]string) error {
	if format == "csv" {
		return WriteCSV(w, header, rows)
	}
	return WritePlainTable(w, header, rows)
}
