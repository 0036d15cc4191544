package reporter

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"
)

// dashboardPage is the page: markup, style and script in one file, with
// placeholders for the title and the data. It loads nothing: its Content
// Security Policy forbids every request, so a chart library from a CDN could
// not load even by mistake.
//
//go:embed dashboard.html
var dashboardPage string

// WriteDashboard writes the self-contained dashboard page for d. The data
// goes into a JSON script element; encoding/json escapes <, > and &, so no
// value can end the element.
func WriteDashboard(w io.Writer, d DashboardData) error {
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode the dashboard data: %w", err)
	}
	before, after, ok := strings.Cut(dashboardPage, "/*DATA*/")
	if !ok {
		return fmt.Errorf("dashboard template has no data placeholder")
	}
	before = strings.ReplaceAll(before, "{{TITLE}}", html.EscapeString(d.Title))
	for _, s := range []string{before, string(data), after} {
		if _, err := io.WriteString(w, s); err != nil {
			return err
		}
	}
	return nil
}
