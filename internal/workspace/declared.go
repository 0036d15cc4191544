package workspace

import (
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/outcome"
)

// Declarations returns the pairs declared unsupported: the repository's
// .hwcov/unsupported.yaml, then those built in.
func (w *Workspace) Declarations() (outcome.Declarations, error) {
	d, err := outcome.Load(outcome.DefaultFile)
	if err != nil {
		return nil, hwerr.Usagef("fix the entry named above (see docs/outcomes.md)", "%v", err)
	}
	return d, nil
}
