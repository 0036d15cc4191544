package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
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
	AutoClass      string         `json:"auto_class,omitempty"`      // auto class that builds it from a config
	ModelClass     string         `json:"model_class,omitempty"`     // else its own model class, "transformers.models.x.modeling_x.XModel"
	BuildNote      string         `json:"build_note,omitempty"`      // else why transformers cannot build it from a config
	SubConfigs     []string       `json:"sub_configs,omitempty"`     // text_config, vision_config, ...
	DefaultParamsM float64        `json:"default_params_m"`          // rough parameter count of the default config, millions
	MaxPositions   int            `json:"max_positions,omitempty"`   // max_position_embeddings of the default config (0 = unknown)
	Priority       string         `json:"priority"`                  // key, high, normal
	PopularityRank int            `json:"popularity_rank,omitempty"` // 1 = most downloaded; 0 = unknown
	Downloads      int64          `json:"downloads,omitempty"`       // hub downloads summed over models of this type
	Tiny           map[string]any `json:"tiny,omitempty"`            // config overrides for a tiny test model
}

// Buildable reports whether hwcov can build the architecture from a config:
// through an auto class, or through its own model class (a tower, an encoder
// or decoder of a composite model).
func (a Architecture) Buildable() bool { return a.AutoClass != "" || a.ModelClass != "" }

// BuildClass names what builds the architecture: the auto class, else the
// model class's short name, else "".
func (a Architecture) BuildClass() string {
	if a.AutoClass != "" {
		return a.AutoClass
	}
	if i := strings.LastIndexByte(a.ModelClass, '.'); i >= 0 {
		return a.ModelClass[i+1:]
	}
	return a.ModelClass
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
