package planner

import (
	"slices"
	"testing"
)

func TestRoundRobin(t *testing.T) {
	items := []int{0, 1, 2, 3, 4}
	tests := []struct {
		i, n int
		want []int
	}{
		{1, 1, []int{0, 1, 2, 3, 4}},
		{1, 2, []int{0, 2, 4}},
		{2, 2, []int{1, 3}},
		{3, 3, []int{2}},
		{2, 9, []int{1}},
	}
	for _, tt := range tests {
		if got := RoundRobin(items, tt.i, tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("RoundRobin(%d/%d) = %v, want %v", tt.i, tt.n, got, tt.want)
		}
	}
}
