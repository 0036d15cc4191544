package patchrun

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/patch"
)

func TestRerunTestsGroupsByPlatform(t *testing.T) {
	f := func(arch, hw string) patch.Failure { return patch.Failure{Architecture: arch, Hardware: hw} }
	tests := []struct {
		name string
		sels []patch.Selected
		want []platformTests
	}{
		{"none", nil, []platformTests{}},
		{"sorted, once each", []patch.Selected{
			{Targets: []patch.Failure{f("vit", "cuda"), f("bert", "cpu")}, Controls: []patch.Failure{f("albert", "cpu")}},
			{Targets: []patch.Failure{f("bert", "cpu"), f("gpt2", "cuda")}},
		}, []platformTests{{"cpu", []string{"albert", "bert"}}, {"cuda", []string{"gpt2", "vit"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rerunTests(tt.sels); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rerunTests = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckKind(t *testing.T) {
	for _, tt := range []struct {
		kind    string
		wantErr bool
	}{{patch.KindFix, false}, {patch.KindOptimization, false}, {"manual", true}, {"", true}} {
		err := CheckKind(tt.kind)
		if (err != nil) != tt.wantErr {
			t.Errorf("CheckKind(%q) = %v, want error %v", tt.kind, err, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "--kind") {
			t.Errorf("CheckKind(%q) = %v, want it to name --kind", tt.kind, err)
		}
	}
}

func TestRulesNamesBadInput(t *testing.T) {
	dir := t.TempDir()
	if _, err := Rules(dir, dir+"/missing"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Rules(missing input) = %v, want an error naming it", err)
	}
}
