package errpattern

import (
	"testing"

	"github.com/hwcov/hwcov/internal/results"
)

func TestCategorize(t *testing.T) {
	tests := []struct {
		status results.Status
		msg    string
		tb     string
		want   string
	}{
		{results.StatusPass, "", "", ""},
		{results.StatusFail, "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB", "", "memory_error"},
		{results.StatusFail, "RuntimeError: Cannot find conv3d implementation", "", "missing_implementation"},
		{results.StatusFail, "Shape mismatch: expected [1,3,224,224] got [1,224,224,3]", "", "shape_mismatch"},
		{results.StatusFail, "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x32 and 16x8)", "", "shape_mismatch"},
		{results.StatusFail, "Unsupported operation: ScatterND", "", "unsupported_operation"},
		{results.StatusFail, "webgpu backend compilation failed", "", "compilation_error"},
		{results.StatusFail, `RuntimeError: "addmm_impl_cpu_" not implemented for 'Half'`, "", "missing_implementation"},
		{results.StatusFail, "TypeError: forward() missing 1 required positional argument: 'pixel_values'", "", "input_error"},
		{results.StatusFail, "AssertionError", "Traceback ...\nModuleNotFoundError: No module named 'openvino'", "import_error"},
		{results.StatusFail, "something odd", "", "other_error"},
		{results.StatusTimeout, "test exceeded 2s", "", "timeout"},
		{results.StatusCrash, "worker killed by signal SIGSEGV", "", "crash"},
		{results.StatusCrash, "worker killed by signal SIGKILL", "MemoryError", "memory_error"},
		{results.StatusNotBuildable, "no auto class", "", "not_buildable"},
	}
	for _, tt := range tests {
		if got := Categorize(tt.status, tt.msg, tt.tb); got != tt.want {
			t.Errorf("Categorize(%s, %q) = %q, want %q", tt.status, tt.msg, got, tt.want)
		}
	}
	for _, c := range []string{"memory_error", "timeout", "crash", "not_buildable"} {
		if Solution(c) == "" {
			t.Errorf("no solution for %s", c)
		}
	}
}
