package reporter

import (
	"reflect"
	"testing"

	"github.com/hwcov/hwcov/internal/results"
)

func TestResultPlatforms(t *testing.T) {
	of := func(hws ...string) []results.Result {
		rs := make([]results.Result, len(hws))
		for i, h := range hws {
			rs[i].Hardware = h
		}
		return rs
	}
	order := []string{"cpu", "cuda", "rocm", "openvino"}
	tests := []struct {
		name string
		rs   []results.Result
		want []string
	}{
		{"none", nil, nil},
		{"registry order", of("openvino", "cpu", "cpu"), []string{"cpu", "openvino"}},
		{"unknown after, sorted", of("zpu", "cuda", "apu"), []string{"cuda", "apu", "zpu"}},
		{"empty hardware ignored", of("", "rocm"), []string{"rocm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ResultPlatforms(tt.rs, order)
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ResultPlatforms = %v, want %v", got, tt.want)
			}
		})
	}
}
