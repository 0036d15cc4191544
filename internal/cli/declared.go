package cli

import "github.com/hwcov/hwcov/internal/outcome"

// Declarations returns the pairs declared unsupported: the repository's
// .hwcov/unsupported.yaml, then those built in.
func (f *Factory) Declarations() (outcome.Declarations, error) {
	d, err := outcome.Load(outcome.DefaultFile)
	if err != nil {
		return nil, usagef("fix the entry named above (see docs/outcomes.md)", "%v", err)
	}
	return d, nil
}
