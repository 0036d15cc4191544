package reference

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/catalog"
)

func TestRequestShard(t *testing.T) {
	runID := func(hw []string) string { return "local-" + strings.Join(hw, "+") }
	dir := t.TempDir()
	if _, _, err := (Request{Dir: dir}).Shard(runID); err == nil || !strings.Contains(err.Error(), "choose the models") {
		t.Fatalf("no models: %v", err)
	}
	if _, _, err := (Request{Validate: true, Models: catalog.Choice{Models: []string{"bert"}}, Dir: dir}).Shard(runID); err == nil || !strings.Contains(err.Error(), "no reference manifest") {
		t.Fatalf("validate without a manifest: %v", err)
	}
	s, abs, err := (Request{Models: catalog.Choice{Models: []string{"bert"}}, Dir: dir, Workers: 2, SeqLens: []int{128}}).Shard(runID)
	if err != nil || abs != dir || s.Precision != "fp32" || !reflect.DeepEqual(s.Hardware, []string{"cpu"}) ||
		s.Options.RunID != "local-cpu-reference" || s.Options.Params["reference_out"] != dir || !s.Options.Benchmark || s.Options.Workers != 2 {
		t.Fatalf("generate: %+v %q %v", s, abs, err)
	}
	s, _, err = (Request{Models: catalog.Choice{Models: []string{"bert"}}, Dir: filepath.Join(dir, "x")}).Shard(runID)
	if err != nil || s.Sweep != nil || s.Options.Benchmark {
		t.Fatalf("no sweep without batch sizes or lengths: %+v %v", s, err)
	}
}
