package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Dump is what runners/python/hwcov_harness/catalog_sync.py prints.
type Dump struct {
	TransformersVersion string            `json:"transformers_version"`
	TorchVersion        string            `json:"torch_version"`
	AutoClasses         map[string]string `json:"auto_classes"` // mapping key -> AutoModelFor...
	Models              []struct {
		Name         string   `json:"name"`
		ConfigClass  string   `json:"config_class"`
		Mappings     []string `json:"mappings"`
		SubConfigs   []string `json:"sub_configs"`
		HasNumFrames bool     `json:"has_num_frames"`
		// config classes of its sub-configs that are specific (CLIPTextConfig), not AutoConfig
		SubConfigClasses []string `json:"sub_config_classes"`
		ImageGeometry    bool     `json:"image_geometry"`
		AudioSampling    bool     `json:"audio_sampling"`
		Params           float64  `json:"params"`
		MaxPositions     int      `json:"max_positions"`
		ConfigError      string   `json:"config_error"`
		ModelClass       string   `json:"model_class"` // module.Class building a type no auto class lists
		BuildNote        string   `json:"build_note"`  // why neither an auto class nor a model class builds it
	} `json:"models"`
}

// autoClassPreference orders the task mappings whose auto class builds a model
// type that has no base AutoModel entry: the most generic task first.
var autoClassPreference = []string{
	"SEQ_TO_SEQ_CAUSAL_LM", "IMAGE_TEXT_TO_TEXT", "SPEECH_SEQ_2_SEQ", "CAUSAL_LM", "MASKED_LM",
	"TEXT_ENCODING", "IMAGE_CLASSIFICATION", "DEPTH_ESTIMATION", "OBJECT_DETECTION", "CTC",
	"AUDIO_CLASSIFICATION", "TEXT_TO_WAVEFORM", "TEXT_TO_SPECTROGRAM", "MULTIMODAL_LM",
}

// FromDump builds a catalog from a sync dump. Priorities come from prio;
// popularity figures are carried over from prev (which may be nil).
func FromDump(d Dump, prev *Catalog, prio Priorities, now time.Time) (*Catalog, error) {
	if len(d.Models) == 0 {
		return nil, fmt.Errorf("catalog sync: transformers %q listed no model types", d.TransformersVersion)
	}
	c := &Catalog{
		TransformersVersion: d.TransformersVersion,
		TorchVersion:        d.TorchVersion,
		SyncedAt:            now.UTC().Format(time.RFC3339),
	}
	if prev != nil {
		c.PopularitySource = prev.PopularitySource
	}
	// A type whose config class another type names as a sub-config is a tower:
	// CLIPConfig holds a CLIPTextConfig, so clip_text_model is CLIP's text tower.
	subModel := map[string]bool{}
	for _, m := range d.Models {
		for _, c := range m.SubConfigClasses {
			if c != m.ConfigClass {
				subModel[c] = true
			}
		}
	}
	for _, m := range d.Models {
		in := categoryInput{Name: m.Name, Mappings: set(m.Mappings), SubConfigs: set(m.SubConfigs), HasNumFrames: m.HasNumFrames,
			ImageGeometry: m.ImageGeometry, AudioSampling: m.AudioSampling}
		cat, rule := categorize(in)
		a := Architecture{
			Name:           m.Name,
			ConfigClass:    m.ConfigClass,
			Category:       cat,
			Rule:           rule,
			Tower:          isTower(in, rule) || subModel[m.ConfigClass],
			Mappings:       append([]string{}, m.Mappings...),
			AutoClass:      chooseAutoClass(in.Mappings, d.AutoClasses),
			ModelClass:     m.ModelClass,
			BuildNote:      m.BuildNote,
			SubConfigs:     append([]string{}, m.SubConfigs...),
			DefaultParamsM: float64(int64(m.Params/1e4)) / 100,
			MaxPositions:   m.MaxPositions,
			Tiny:           tinyOverrides[m.Name],
		}
		sort.Strings(a.Mappings)
		if a.AutoClass != "" {
			a.ModelClass, a.BuildNote = "", ""
		} else if a.ModelClass == "" && a.BuildNote == "" {
			a.BuildNote = "no auto class lists " + m.ConfigClass + " and the dump names no model class for it"
		}
		if prev != nil {
			if p, ok := prev.Get(m.Name); ok {
				a.PopularityRank, a.Downloads = p.PopularityRank, p.Downloads
			}
		}
		c.Architectures = append(c.Architectures, a)
	}
	c.index()
	c.ApplyPriorities(prio)
	return c, nil
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func chooseAutoClass(mappings map[string]bool, autoClasses map[string]string) string {
	if mappings["BASE"] {
		return "AutoModel"
	}
	for _, k := range autoClassPreference {
		if mappings[k] && autoClasses[k] != "" {
			return autoClasses[k]
		}
	}
	keys := make([]string, 0, len(mappings))
	for k := range mappings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if autoClasses[k] != "" {
			return autoClasses[k]
		}
	}
	return ""
}

// Marshal writes the catalog as indented, stable JSON.
func (c *Catalog) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// SyncOptions say how Sync rebuilds a catalog.
type SyncOptions struct {
	Prev       *Catalog
	Priorities Priorities
	Now        time.Time
	// Dump runs the Python dump of the installed transformers; nil keeps
	// Prev's architectures (popularity only).
	Dump func(ctx context.Context) ([]byte, error)
	// Hub, when set, ranks the architectures by Hub downloads.
	Hub *HubClient
}

// Sync rebuilds the catalog from the installed transformers and, with a Hub
// client, ranks it by popularity; ranked says how many were ranked.
func Sync(ctx context.Context, o SyncOptions) (c *Catalog, ranked int, err error) {
	c = o.Prev
	if o.Dump != nil {
		raw, err := o.Dump(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("catalog sync: %w", err)
		}
		var d Dump
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, 0, fmt.Errorf("catalog sync: read the Python dump: %w", err)
		}
		if c, err = FromDump(d, o.Prev, o.Priorities, o.Now); err != nil {
			return nil, 0, err
		}
	}
	if o.Hub != nil {
		counts, err := o.Hub.Downloads(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("catalog sync --popularity: %w", err)
		}
		ranked = c.ApplyPopularity(counts, o.Hub.BaseURL)
		c.ApplyPriorities(o.Priorities)
	}
	return c, ranked, nil
}
