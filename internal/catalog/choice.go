package catalog

import "github.com/hwcov/hwcov/internal/hwerr"

// Choice is how a command chose architectures (its --models, --category,
// ... flags); exactly one way must be given.
type Choice struct {
	Models     []string
	ModelsFile string
	Category   string
	AllModels  bool
	Priority   string
	Top        int
	Rank       string
}

// Selector turns the choice into a catalog selector.
func (m Choice) Selector() (Selector, error) {
	models := m.Models
	if m.ModelsFile != "" {
		more, err := ReadModelsFile(m.ModelsFile)
		if err != nil {
			return Selector{}, hwerr.Usagef("hwcov catalog subsets --out model_subsets/", "%v", err)
		}
		models = append(append([]string{}, models...), more...)
	}
	s := Selector{Models: models, Category: m.Category, All: m.AllModels, Priority: m.Priority, Top: m.Top, Rank: m.Rank}
	n := 0
	for _, set := range []bool{len(models) > 0, m.Category != "", m.AllModels, m.Priority != "", m.Top > 0, m.Rank != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return s, hwerr.Usagef("--models bert,vit, --category vision, --priority key or --all-models", "choose architectures")
	case n > 1:
		return s, hwerr.Usagef("use one of --models/--models-file, --category, --all-models, --priority, --top, --popularity-rank", "more than one way of choosing architectures given")
	}
	return s, nil
}

// Given reports whether any way of choosing was set.
func (m Choice) Given() bool {
	return len(m.Models) > 0 || m.ModelsFile != "" || m.Category != "" || m.AllModels || m.Priority != "" || m.Top > 0 || m.Rank != ""
}

// GivenOtherThanPriority reports whether a way other than Priority was set.
func (m Choice) GivenOtherThanPriority() bool {
	m.Priority = ""
	return m.Given()
}
