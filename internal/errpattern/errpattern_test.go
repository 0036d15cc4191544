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

		// hwcov's own messages, as the hardware templates and the browser harness word them.
		{results.StatusFail, "AssertionError: cuda in fp16 differs from the fp32 cpu reference: logits by 0.21 (atol=0.01, rtol=0.01)", "", "tolerance_error"},
		{results.StatusFail, "AssertionError: output logits on cpu in int8 differs from the fp32 cpu reference by 0.5 (atol=0.1, rtol=0.1)", "", "tolerance_error"},
		{results.StatusFail, "AssertionError: webgpu differs from the fp32 cpu reference: last_hidden_state by 0.003 (atol=0.001, rtol=0.001)", "", "tolerance_error"},
		{results.StatusFail, "AssertionError: cuda in fp16 differs from the fp32 cpu reference: logits by nan (atol=0.01, rtol=0.01)", "", "tolerance_error"},
		{results.StatusFail, "PlacementError: ran on wasm, not webgpu: 3 of 93 nodes on CPUExecutionProvider (ArgMax (node_argmax), Cast x2 (c1, c2)); the provider cannot place these operators", "", "placement_error"},
		{results.StatusFail, "PlacementError: ran on JsExecutionProvider, not webnn: 2 of 40 nodes on JsExecutionProvider (Det (d1)); the provider cannot place these operators", "", "placement_error"},
		{results.StatusFail, "PlacementError: onnxruntime-web logged no node placement on webgpu: cannot tell whether the model ran there", "", "placement_error"},
		{results.StatusFail, "AssertionError: non-finite values in logits", "", "numerical_error"},
		{results.StatusFail, "ValueError: tensor holds NaN", "", "numerical_error"},
		{results.StatusFail, "RuntimeError: found inf in the attention scores", "", "numerical_error"},

		// nan and inf only as words.
		{results.StatusFail, "KeyError: 'Finance'", "", "other_error"},
		{results.StatusFail, "RuntimeError: dynamic axes of the export", "", "other_error"},
		{results.StatusFail, "maintenance window", "", "other_error"},
		{results.StatusFail, "AssertionError: nanoseconds and infos", "", "other_error"},
		{results.StatusFail, "AssertionError", "File \"/site-packages/finance/dynamic_info.py\", line 3\nKeyError: 'x'", "other_error"},
	}
	for _, tt := range tests {
		if got := Categorize(tt.status, tt.msg, tt.tb); got != tt.want {
			t.Errorf("Categorize(%s, %q) = %q, want %q", tt.status, tt.msg, got, tt.want)
		}
	}
	for _, c := range []string{"memory_error", "tolerance_error", "placement_error", "timeout", "crash", "not_buildable"} {
		if Solution(c) == "" {
			t.Errorf("no solution for %s", c)
		}
	}
}
