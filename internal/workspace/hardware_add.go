package workspace

import (
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/hwerr"
)

// AddPlatform validates the platform file properties and saves it as a
// custom platform in dir (default: hwcov.yaml's hardware_dir); force
// replaces one with the same key. It returns the platform and its file.
func (w *Workspace) AddPlatform(properties, dir string, force bool) (hardware.Platform, string, error) {
	if properties == "" {
		return hardware.Platform{}, "", hwerr.Usagef("hwcov hardware add --properties qualcomm.json", "--properties is required")
	}
	r, err := w.Hardware()
	if err != nil {
		return hardware.Platform{}, "", err
	}
	if dir == "" {
		cfg, err := w.Config()
		if err != nil {
			return hardware.Platform{}, "", err
		}
		dir = cfg.HardwareDir
	}
	return hardware.Add(r, properties, dir, force)
}
