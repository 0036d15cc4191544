package catalog

// Priority tiers.
const (
	PriorityKey    = "key"
	PriorityHigh   = "high"
	PriorityNormal = "normal"
)

// DefaultKeyModels are the guide's 13 Phase-16 key models.
var DefaultKeyModels = []string{"bert", "t5", "llama", "clip", "vit", "clap", "whisper",
	"wav2vec2", "llava", "llava_next", "xclip", "qwen2", "detr"}

// DefaultHighModels are the examples the guide names for each category.
var DefaultHighModels = []string{"roberta", "albert", "distilbert", "gpt2", "gptj", "opt", "bloom",
	"bart", "pegasus", "deit", "beit", "convnext", "swin", "hubert", "blip", "git", "blip-2",
	"videomae", "speecht5", "speech_to_text", "mistral", "gemma", "phi", "mobilebert"}

// Priorities says which architectures are key and high; hwcov.yaml can change
// both lists. HighTopN adds the N most downloaded architectures to high when
// popularity ranks are known.
type Priorities struct {
	Key      []string `yaml:"key" json:"key"`
	High     []string `yaml:"high" json:"high"`
	HighTopN int      `yaml:"high_top_n" json:"high_top_n"`
}

// DefaultPriorities returns the guide's tiers.
func DefaultPriorities() Priorities {
	return Priorities{Key: DefaultKeyModels, High: DefaultHighModels, HighTopN: 50}
}

// ApplyPriorities sets every architecture's Priority from p.
func (c *Catalog) ApplyPriorities(p Priorities) {
	key, high := set(p.Key), set(p.High)
	for i := range c.Architectures {
		a := &c.Architectures[i]
		switch {
		case key[a.Name]:
			a.Priority = PriorityKey
		case high[a.Name] || (p.HighTopN > 0 && a.PopularityRank > 0 && a.PopularityRank <= p.HighTopN):
			a.Priority = PriorityHigh
		default:
			a.Priority = PriorityNormal
		}
	}
}
