package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
)

//go:embed data/catalog.json
var embedded []byte

// Architecture is one transformers model_type.
type Architecture struct {
	Name           string         `json:"name"`                      // model_type, e.g. "bert"
	ConfigClass    string         `json:"config_class"`              // BertConfig
	Category       string         `json:"category"`                  // one of Categories
	Rule           string         `json:"rule"`                      // which documented rule assigned the category
	Tower          bool           `json:"tower,omitempty"`           // a sub-model tower (clip_vision_model, ...)
	Mappings       []string       `json:"mappings"`                  // task mappings listing it: BASE, CAUSAL_LM, ...
	AutoClass      string         `json:"auto_class,omitempty"`      // class that builds it from a config; empty = not buildable
	SubConfigs     []string       `json:"sub_configs,omitempty"`     // text_config, vision_config, ...
	DefaultParamsM float64        `json:"default_params_m"`          // rough parameter count of the default config, millions
	MaxPositions   int            `json:"max_positions,omitempty"`   // max_position_embeddings of the default config (0 = unknown)
	Priority       string         `json:"priority"`                  // key, high, normal
	PopularityRank int            `json:"popularity_rank,omitempty"` // 1 = most downloaded; 0 = unknown
	Downloads      int64          `json:"downloads,omitempty"`       // hub downloads summed over models of this type
	Tiny           map[string]any `json:"tiny,omitempty"`            // config overrides for a tiny test model
}

// Catalog is the snapshot written by `hwcov catalog sync`.
type Catalog struct {
	TransformersVersion string         `json:"transformers_version"`
	TorchVersion        string         `json:"torch_version,omitempty"`
	SyncedAt            string         `json:"synced_at,omitempty"`
	PopularitySource    string         `json:"popularity_source,omitempty"`
	Architectures       []Architecture `json:"architectures"`

	byName map[string]int
}

// Embedded returns the catalog compiled into the binary.
func Embedded() (*Catalog, error) { return Parse(embedded) }

// Parse reads a catalog JSON document.
func Parse(data []byte) (*Catalog, error) {
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("parse catalog: %w", err)
	}
	c.index()
	return &c, nil
}

func (c *Catalog) index() {
	sort.Slice(c.Architectures, func(i, j int) bool { return c.Architectures[i].Name < c.Architectures[j].Name })
	c.byName = make(map[string]int, len(c.Architectures))
	for i, a := range c.Architectures {
		c.byName[a.Name] = i
	}
}

// Get returns the architecture named name.
func (c *Catalog) Get(name string) (Architecture, bool) {
	i, ok := c.byName[name]
	if !ok {
		return Architecture{}, false
	}
	return c.Architectures[i], true
}

// Names lists every architecture name, sorted.
func (c *Catalog) Names() []string {
	out := make([]string, len(c.Architectures))
	for i, a := range c.Architectures {
		out[i] = a.Name
	}
	return out
}
