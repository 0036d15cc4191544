package errpattern

import (
	"regexp"

	"github.com/hwcov/hwcov/internal/results"
)

// Pattern is one recognised kind of failure.
type Pattern struct {
	Category string
	Re       *regexp.Regexp
	Solution string
}

// Patterns are tried in order; the first match wins. The first five are the
// guide's; the rest are what tiny-model runs hit in practice.
var Patterns = []Pattern{
	{"memory_error", regexp.MustCompile(`(?i)(CUDA|HIP|MPS) out of memory|OutOfMemoryError|MemoryError|Cannot allocate memory|std::bad_alloc|DefaultCPUAllocator: can't allocate`),
		"Reduce batch size or model size, enable memory efficient attention"},
	{"missing_implementation", regexp.MustCompile(`Cannot find (\w+) implementation|NotImplementedError|not implemented for|is not implemented`),
		"Add custom implementation for the operation or use compatibility layer"},
	{"shape_mismatch", regexp.MustCompile(`(?i)Shape mismatch|size mismatch|shapes cannot be multiplied|must match the size of tensor|The size of tensor a|expected .*shape|Expected .* to have .* channels|doesn't match the broadcast shape`),
		"Add input reshaping or model adapter to handle shape differences"},
	{"unsupported_operation", regexp.MustCompile(`Unsupported operation: (\w+)|(?i)unsupported (op|operator|operation)|is not supported|Exporting the operator .* is not supported`),
		"Implement operation compatibility layer or use equivalent operations"},
	{"compilation_error", regexp.MustCompile(`(\w+) backend compilation failed|(?i)compil(e|ation) (error|failed)|Failed to compile|TorchDynamo|onnx export failed`),
		"Check backend compatibility, reduce model complexity or add compilation flags"},
	{"dtype_error", regexp.MustCompile(`(?i)expected (scalar type|dtype)|dtype mismatch|"(\w+)" not implemented for '(Half|BFloat16)'|Input type .* and weight type .* should be the same`),
		"Cast inputs to the model's dtype in the template, or run this platform at fp32"},
	{"input_error", regexp.MustCompile(`(?i)missing \d+ required positional argument|got an unexpected keyword argument|You have to specify either|You must specify|index out of range in self|IndexError`),
		"Build the inputs the model's forward() expects in the modality or family template"},
	{"config_error", regexp.MustCompile(`(?i)(config|configuration).*(error|invalid|must be)|ValueError: .*should be|StrictDataclass`),
		"Fix the tiny config overrides for this architecture in the catalog or family template"},
	{"import_error", regexp.MustCompile(`ModuleNotFoundError|ImportError|No module named`),
		"Install the platform's Python package on the runner (see runners/python/requirements.txt)"},
	// hwcov's own compare_with_reference: "cuda in fp16 differs from the fp32 cpu reference: logits by 0.2 (atol=…)".
	{"tolerance_error", regexp.MustCompile(`(?i)beyond tolerance|not close|mismatch in '|differs from the fp32 cpu reference`),
		"Check the platform's tolerance in its hardware template, or the conversion"},
	// hwcov's browser check_placement: "ran on wasm, not webgpu: 3 of 93 nodes on CPUExecutionProvider (ArgMax …)".
	{"placement_error", regexp.MustCompile(`ran on [^:]+, not \w+: \d+ of \d+ nodes|logged no node placement`),
		"The execution provider cannot place these operators: rewrite them in the platform's hardware template, or mark the architecture incompatible there"},
	// "nan" and "inf" as words only, so that "Finance", "dynamic" or "info" do not count.
	{"numerical_error", regexp.MustCompile(`(?i)non-finite|\b(nan|inf|infinity)\b`),
		"Look for overflow at this precision; try fp32 or bf16"},
}

// Categorize returns the category for a finished test: empty for a pass, the
// status itself for timeouts and crashes, a pattern's category when one
// matches the message or traceback, else "other_error".
func Categorize(status results.Status, message, traceback string) string {
	switch status {
	case results.StatusPass:
		return ""
	case results.StatusTimeout:
		return "timeout"
	case results.StatusSkip:
		return "skipped"
	case results.StatusNotBuildable:
		return "not_buildable"
	}
	for _, p := range Patterns {
		if p.Re.MatchString(message) {
			return p.Category
		}
	}
	for _, p := range Patterns {
		if p.Re.MatchString(traceback) {
			return p.Category
		}
	}
	if status == results.StatusCrash {
		return "crash"
	}
	return "other_error"
}

// Solution returns the suggested fix for a category.
func Solution(category string) string {
	for _, p := range Patterns {
		if p.Category == category {
			return p.Solution
		}
	}
	switch category {
	case "timeout":
		return "Raise the platform's default_timeout_seconds or shrink the tiny config"
	case "crash":
		return "Reproduce with `python <generated test>`; look at the stderr tail for the native error"
	case "not_buildable":
		return "No auto class builds this architecture from a config; add a family template that builds it"
	}
	return ""
}
