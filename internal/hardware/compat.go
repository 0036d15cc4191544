package hardware

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
)

// BytesPerParam is the storage of one parameter at a precision.
func BytesPerParam(precision string) float64 {
	switch precision {
	case "fp16", "bf16":
		return 2
	case "int8":
		return 1
	case "int4":
		return 0.5
	default:
		return 4
	}
}

// Compatible is the rule behind the guide's is_compatible(model, hardware),
// used by generate and plan. An architecture is compatible with a platform at
// a precision when all of these hold:
//
//  1. modality: the platform lists no supported_categories, or lists the
//     architecture's category;
//  2. precision: the precision is one of the platform's supported_precisions;
//  3. memory: the architecture's default-size model (DefaultParamsM from the
//     catalog, at that precision) fits the platform's memory_constraint_mb.
//     Tests run tiny configs, but a platform that cannot hold the real model
//     is not one to certify it on.
//
// When it is not compatible, reason says which rule failed, in one line.
func Compatible(a catalog.Architecture, p Platform, precision string) (ok bool, reason string) {
	if precision == "" {
		precision = p.PreferredPrecision
	}
	if len(p.SupportedCategories) > 0 && !slices.Contains(p.SupportedCategories, a.Category) {
		return false, fmt.Sprintf("%s runs %s models, not %s", p.PlatformKey, strings.Join(p.SupportedCategories, ", "), a.Category)
	}
	if !p.SupportsPrecision(precision) {
		return false, fmt.Sprintf("%s does not support %s (supports %s)", p.PlatformKey, precision, strings.Join(p.SupportedPrecisions, ", "))
	}
	needMB := a.DefaultParamsM * 1e6 * BytesPerParam(precision) / (1 << 20)
	if p.MemoryConstraintMB > 0 && needMB > float64(p.MemoryConstraintMB) {
		return false, fmt.Sprintf("default-size %s (%.0fM parameters, %.0f MB at %s) exceeds %s's %d MB",
			a.Name, a.DefaultParamsM, needMB, precision, p.PlatformKey, p.MemoryConstraintMB)
	}
	return true, ""
}

// MaxBatch is the largest batch size to test on p: the guide skips batch sizes
// above 4 on memory-constrained platforms.
func (p Platform) MaxBatch() int {
	if p.MemoryConstrained {
		return 4
	}
	return 0 // no cap
}

// CompatFunc answers Compatible by name, looking the architecture up in c
// and the platform in r; an unknown name counts as compatible.
func CompatFunc(c *catalog.Catalog, r *Registry) func(arch, hw string) (bool, string) {
	return func(arch, hw string) (bool, string) {
		a, ok1 := c.Get(arch)
		p, ok2 := r.Get(hw)
		if !ok1 || !ok2 {
			return true, ""
		}
		return Compatible(a, p, "")
	}
}
