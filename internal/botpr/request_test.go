package botpr

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestReadRequest(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.json")
	tests := []struct {
		name    string
		inputs  []string
		maxOpen int
		wantErr string
	}{
		{"no input", nil, 5, "--input is required"},
		{"max open", []string{missing}, 0, "--max-open 0: want at least 1"},
		{"unreadable", []string{missing}, 5, "none.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadRequest(tt.inputs, tt.maxOpen); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ReadRequest = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
