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
