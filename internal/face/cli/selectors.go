package cli

import (
	"github.com/spf13/pflag"

	"github.com/hwcov/hwcov/internal/catalog"
)

// ModelFlags are the ways every command chooses architectures.
type ModelFlags = catalog.Choice

// addModelFlags adds the model selection flags to fs.
func addModelFlags(fs *pflag.FlagSet, m *catalog.Choice) {
	fs.StringSliceVar(&m.Models, "models", nil, "architectures, comma-separated (e.g. bert,vit)")
	fs.StringSliceVar(&m.Models, "model", nil, "alias of --models")
	fs.StringVar(&m.ModelsFile, "models-file", "", "file with one architecture per line (e.g. from `hwcov catalog subsets`)")
	fs.StringVar(&m.Category, "category", "", "every architecture of a category (text-encoder, vision, audio, ...; the guide's names work too)")
	fs.BoolVar(&m.AllModels, "all-models", false, "every architecture of the catalog")
	fs.StringVar(&m.Priority, "priority", "", "key (the 13 key models) or high (key + high tier)")
	fs.IntVar(&m.Top, "top", 0, "the N most downloaded architectures (needs `hwcov catalog sync --popularity`)")
	fs.StringVar(&m.Rank, "popularity-rank", "", "popularity ranks FROM-TO, e.g. 1-50")
}
