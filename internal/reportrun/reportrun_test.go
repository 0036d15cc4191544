package reportrun

import (
	"context"
	"strings"
	"testing"
)

// The requests' own checks come before any database is opened.
func TestRequestChecks(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		run     func() error
		wantErr string
	}{
		{"impact needs both runs", func() error {
			_, err := Perf(ctx, nil, PerfRequest{Kind: "optimization-impact", Base: "a"})
			return err
		}, "--base and --head are required"},
		{"profile needs a test", func() error { _, err := Perf(ctx, nil, PerfRequest{Kind: "profile"}); return err }, "--test is required"},
		{"solutions are markdown", func() error {
			_, err := Failures(ctx, nil, FailuresRequest{Solutions: true, Format: "json"})
			return err
		}, "--solutions writes markdown, not json"},
		{"unknown group key", func() error {
			_, err := Failures(ctx, nil, FailuresRequest{Format: "table", GroupBy: []string{"colour"}})
			return err
		}, "colour"},
		{"unknown category", func() error { _, err := Matrix(ctx, nil, MatrixRequest{Category: "visoin"}); return err }, "visoin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
