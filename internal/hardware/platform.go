package hardware

// Platform is one hardware platform in the guide's JSON format, plus the
// runner labels and the facts hwcov's compatibility rule needs.
type Platform struct {
	PlatformName          string         `json:"platform_name"`
	PlatformKey           string         `json:"platform_key"`
	DeviceFlag            string         `json:"device_flag,omitempty"`
	BackendType           string         `json:"backend_type"` // torch, openvino, onnxruntime, webgpu, webnn
	Device                string         `json:"device,omitempty"`
	MemoryConstraintMB    int            `json:"memory_constraint_mb"`
	SupportedPrecisions   []string       `json:"supported_precisions"`
	PreferredPrecision    string         `json:"preferred_precision"`
	QuantizationSupport   bool           `json:"quantization_support"`
	ParallelismSupport    bool           `json:"parallelism_support"`
	CoreCount             int            `json:"core_count,omitempty"`
	ImportStatements      []string       `json:"import_statements,omitempty"`
	DeviceInitialization  string         `json:"device_initialization,omitempty"`
	DeviceSetup           string         `json:"device_setup,omitempty"`
	DefaultBatchSize      int            `json:"default_batch_size"`
	DefaultTimeoutSeconds int            `json:"default_timeout_seconds"`
	OptimizationFlags     map[string]any `json:"optimization_flags,omitempty"`

	// hwcov's additions.
	RunnerLabels        []string  `json:"runner_labels,omitempty"`        // default [self-hosted, linux, <key>]
	SupportedCategories []string  `json:"supported_categories,omitempty"` // empty = every category
	MemoryConstrained   bool      `json:"memory_constrained,omitempty"`   // cap batch size at 4 (the guide's rule)
	Tolerance           Tolerance `json:"tolerance"`                      // output tolerance against the CPU reference
	Optimizations       []string  `json:"optimizations,omitempty"`        // the guide's select_optimizations choices
	Builtin             bool      `json:"-"`
}

// Tolerance is the absolute and relative tolerance used to compare outputs.
type Tolerance struct {
	Atol float64 `json:"atol"`
	Rtol float64 `json:"rtol"`
}

// Labels returns the runner labels a job for this platform runs on.
func (p Platform) Labels() []string {
	if len(p.RunnerLabels) > 0 {
		return p.RunnerLabels
	}
	return []string{"self-hosted", "linux", p.PlatformKey}
}

// SupportsPrecision reports whether precision is one of the platform's.
func (p Platform) SupportsPrecision(precision string) bool {
	for _, s := range p.SupportedPrecisions {
		if s == precision {
			return true
		}
	}
	return false
}
