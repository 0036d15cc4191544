package shard

import (
	"context"
	"io"
	"strings"
	"testing"
)

func TestMergeNeedsIntoAndShards(t *testing.T) {
	tests := []struct {
		name    string
		req     MergeRequest
		wantErr string
	}{
		{"no into", MergeRequest{Shards: []string{"a.duckdb"}}, "--into is required"},
		{"no shards", MergeRequest{Into: "run.duckdb"}, "name at least one shard database or folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Merge(context.Background(), nil, tt.req, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Merge = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
