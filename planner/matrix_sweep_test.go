package planner

import (
	"reflect"
	"testing"
)

func TestPartialSweep(t *testing.T) {
	tests := []struct {
		name          string
		batches, seqs []int
		want          *Sweep
	}{
		{"neither: no sweep", nil, nil, nil},
		{"batches only", []int{1, 4}, nil, &Sweep{BatchSizes: []int{1, 4}, SeqLens: []int{DefaultSeqLen}}},
		{"seqs only", nil, []int{64, 512}, &Sweep{BatchSizes: []int{1}, SeqLens: []int{64, 512}}},
		{"both", []int{2}, []int{256}, &Sweep{BatchSizes: []int{2}, SeqLens: []int{256}}},
	}
	for _, tt := range tests {
		if got := PartialSweep(tt.batches, tt.seqs); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: PartialSweep = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
