package planner

import (
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
)

// DefaultCell fills the zero fields of cell with the defaults of the pair
// (a, p): the model and platform names, the platform's precision (see
// Precision), its default batch size (1 when unset) and the smoke test's
// sequence length (see SmokeSeqLen). The matrix, the generator and the CLI
// all take a test's defaults from here.
func DefaultCell(cell testid.ID, a catalog.Architecture, p hardware.Platform) testid.ID {
	if cell.Model == "" {
		cell.Model = a.Name
	}
	if cell.Hardware == "" {
		cell.Hardware = p.PlatformKey
	}
	cell.Precision = Precision(p, cell.Precision)
	if cell.Batch <= 0 {
		cell.Batch = defaultBatch(p)
	}
	if cell.Seq <= 0 {
		cell.Seq = SmokeSeqLen(a)
	}
	return cell
}

// Precision is the precision a test on p runs in: given when set, else the
// platform's preferred precision, else its first supported one, else fp32.
func Precision(p hardware.Platform, given string) string {
	switch {
	case given != "":
		return given
	case p.PreferredPrecision != "":
		return p.PreferredPrecision
	case len(p.SupportedPrecisions) > 0:
		return p.SupportedPrecisions[0]
	}
	return "fp32"
}

func defaultBatch(p hardware.Platform) int {
	if p.DefaultBatchSize > 0 {
		return p.DefaultBatchSize
	}
	return 1
}
