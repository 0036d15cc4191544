package workspace

import (
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hint"
	"github.com/hwcov/hwcov/internal/hwerr"
)

// Archs resolves a choice of architectures against the workspace's
// catalog; an empty result is a usage error.
func (w *Workspace) Archs(m catalog.Choice) ([]catalog.Architecture, error) {
	s, err := m.Selector()
	if err != nil {
		return nil, err
	}
	c, err := w.Catalog()
	if err != nil {
		return nil, err
	}
	as, err := c.Select(s)
	if err != nil {
		return nil, hint.Select(err)
	}
	if len(as) == 0 {
		return nil, hwerr.Usagef("hwcov catalog list --summary", "the selection matches no architecture")
	}
	return as, nil
}
