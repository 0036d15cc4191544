package planrun

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/catalog"
)

func TestCIOnlyFlagsNeedPriorityHigh(t *testing.T) {
	tests := []struct {
		name string
		req  Request
	}{
		{"changed files", Request{Models: catalog.Choice{Priority: "key"}, ChangedFiles: []string{"a.py"}}},
		{"base ref", Request{Models: catalog.Choice{Models: []string{"bert"}}, BaseRef: "origin/main"}},
		{"budget", Request{Models: catalog.Choice{AllModels: true}, BudgetMinutes: 10}},
		{"explain beside high", Request{Models: catalog.Choice{Priority: "high", Category: "vision"}, Explain: true}},
		{"ci-mode beside key", Request{CIMode: true, Models: catalog.Choice{Priority: "key"}, Explain: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(context.Background(), nil, tt.req, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "belong to --priority high") {
				t.Fatalf("Build = %v, want the CI-only flags refused", err)
			}
		})
	}
}
