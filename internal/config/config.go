package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/hwcov/hwcov/internal/catalog"
)

// DefaultFile is the config file looked up in the working directory.
const DefaultFile = "hwcov.yaml"

// Config is hwcov.yaml. Every field is optional.
type Config struct {
	TemplatesDir string             `yaml:"templates_dir"` // default .hwcov/templates
	HardwareDir  string             `yaml:"hardware_dir"`  // default .hwcov/hardware
	CatalogFile  string             `yaml:"catalog"`       // default .hwcov/catalog.json, else the embedded one
	DB           string             `yaml:"db"`            // default ./benchmark_db.duckdb
	Python       string             `yaml:"python"`        // default: $HWCOV_PYTHON, .venv/bin/python, python3
	Priorities   catalog.Priorities `yaml:"priorities"`
	HubURL       string             `yaml:"hub_url"` // default https://huggingface.co
}

// Default returns the settings used when there is no hwcov.yaml.
func Default() Config {
	return Config{
		TemplatesDir: ".hwcov/templates",
		HardwareDir:  ".hwcov/hardware",
		CatalogFile:  ".hwcov/catalog.json",
		DB:           "benchmark_db.duckdb",
		Priorities:   catalog.DefaultPriorities(),
		HubURL:       "https://huggingface.co",
	}
}

// Load reads path strictly (unknown keys are errors naming the key and line)
// over the defaults. A missing file is not an error when optional is true.
func Load(path string, optional bool) (Config, error) {
	c := Default()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && optional {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read config %q: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f Config
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("config %q: %w", path, err)
	}
	merge(&c, f)
	return c, nil
}

func merge(c *Config, f Config) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.TemplatesDir, f.TemplatesDir)
	set(&c.HardwareDir, f.HardwareDir)
	set(&c.CatalogFile, f.CatalogFile)
	set(&c.DB, f.DB)
	set(&c.Python, f.Python)
	set(&c.HubURL, f.HubURL)
	if len(f.Priorities.Key) > 0 {
		c.Priorities.Key = f.Priorities.Key
	}
	if len(f.Priorities.High) > 0 {
		c.Priorities.High = f.Priorities.High
	}
	if f.Priorities.HighTopN != 0 {
		c.Priorities.HighTopN = f.Priorities.HighTopN
	}
}
