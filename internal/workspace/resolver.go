package workspace

import (
	"errors"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
)

// Resolver finds a test id's architecture in the catalog and platform in the registry.
func (w *Workspace) Resolver() (generator.Resolver, error) {
	c, err := w.Catalog()
	if err != nil {
		return nil, err
	}
	hw, err := w.Hardware()
	if err != nil {
		return nil, err
	}
	return func(id testid.ID) (catalog.Architecture, hardware.Platform, error) {
		a, ok := c.Get(id.Model)
		if !ok {
			return a, hardware.Platform{}, errors.New("architecture " + id.Model + " is not in the catalog")
		}
		p, ok := hw.Get(id.Hardware)
		if !ok {
			return a, p, errors.New("platform " + id.Hardware + " is unknown")
		}
		return a, p, nil
	}, nil
}
