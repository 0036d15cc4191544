package reporter

import (
	"testing"

	"github.com/hwcov/hwcov/internal/results"
)

func TestRunAnnotationsCap(t *testing.T) {
	var rs []results.Result
	for i := 0; i < 13; i++ {
		rs = append(rs, results.Result{TestID: "m@cpu", Status: results.StatusCrash, ErrorMessage: "segfault\nmore"})
	}
	as, more := RunAnnotations(rs, "/w", 10)
	if len(as) != 10 || more != 3 || as[0].Message != "segfault" || as[0].File != "" {
		t.Errorf("annotations = %d (+%d): %+v", len(as), more, as[0])
	}
}

// A harness failure off cpu is still a failure for fail-on-error; a
// declared unsupported result is known and is not.
func TestMatrixFailuresOutcomes(t *testing.T) {
	m := Matrix{Rows: []Row{{Cells: []Cell{
		{Counts: Counts{Fail: 1}},
		{Counts: Counts{Harness: 2}},
		{Counts: Counts{Declared: 4, Pass: 1}},
	}}}}
	if n := m.Failures(); n != 3 {
		t.Errorf("Failures = %d, want 3 (1 fail + 2 harness, declared left out)", n)
	}
}
