package cli

import (
	"github.com/spf13/pflag"

	"github.com/hwcov/hwcov/internal/catalog"
)

// ModelFlags are the ways every command chooses architectures.
type ModelFlags struct {
	Models     []string
	ModelsFile string
	Category   string
	AllModels  bool
	Priority   string
	Top        int
	Rank       string
}

// register adds the model selection flags to fs.
func (m *ModelFlags) register(fs *pflag.FlagSet) {
	fs.StringSliceVar(&m.Models, "models", nil, "architectures, comma-separated (e.g. bert,vit)")
	fs.StringSliceVar(&m.Models, "model", nil, "alias of --models")
	fs.StringVar(&m.ModelsFile, "models-file", "", "file with one architecture per line (e.g. from `hwcov catalog subsets`)")
	fs.StringVar(&m.Category, "category", "", "every architecture of a category (text-encoder, vision, audio, ...; the guide's names work too)")
	fs.BoolVar(&m.AllModels, "all-models", false, "every architecture of the catalog")
	fs.StringVar(&m.Priority, "priority", "", "key (the 13 key models) or high (key + high tier)")
	fs.IntVar(&m.Top, "top", 0, "the N most downloaded architectures (needs `hwcov catalog sync --popularity`)")
	fs.StringVar(&m.Rank, "popularity-rank", "", "popularity ranks FROM-TO, e.g. 1-50")
}

// selector turns the flags into a catalog selector; exactly one way must be given.
func (m *ModelFlags) selector() (catalog.Selector, error) {
	models := m.Models
	if m.ModelsFile != "" {
		more, err := catalog.ReadModelsFile(m.ModelsFile)
		if err != nil {
			return catalog.Selector{}, usagef("hwcov catalog subsets --out model_subsets/", "%v", err)
		}
		models = append(append([]string{}, models...), more...)
	}
	s := catalog.Selector{Models: models, Category: m.Category, All: m.AllModels, Priority: m.Priority, Top: m.Top, Rank: m.Rank}
	n := 0
	for _, set := range []bool{len(models) > 0, m.Category != "", m.AllModels, m.Priority != "", m.Top > 0, m.Rank != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return s, usagef("--models bert,vit, --category vision, --priority key or --all-models", "choose architectures")
	case n > 1:
		return s, usagef("use one of --models/--models-file, --category, --all-models, --priority, --top, --popularity-rank", "more than one way of choosing architectures given")
	}
	return s, nil
}

// given reports whether any selection flag was set.
func (m *ModelFlags) given() bool {
	return len(m.Models) > 0 || m.ModelsFile != "" || m.Category != "" || m.AllModels || m.Priority != "" || m.Top > 0 || m.Rank != ""
}

// archs resolves the flags against the factory's catalog.
func (m *ModelFlags) archs(f *Factory) ([]catalog.Architecture, error) {
	s, err := m.selector()
	if err != nil {
		return nil, err
	}
	c, err := f.Catalog()
	if err != nil {
		return nil, err
	}
	as, err := c.Select(s)
	if err != nil {
		return nil, selectError(err)
	}
	if len(as) == 0 {
		return nil, usagef("hwcov catalog list --summary", "the selection matches no architecture")
	}
	return as, nil
}
