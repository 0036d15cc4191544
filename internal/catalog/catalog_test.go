package catalog

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCategorize(t *testing.T) {
	tests := []struct {
		name     string
		mappings []string
		subs     []string
		frames   bool
		want     string
	}{
		{"bert", []string{"BASE", "CAUSAL_LM", "MASKED_LM", "SEQUENCE_CLASSIFICATION"}, nil, false, TextEncoder},
		{"llama", []string{"BASE", "CAUSAL_LM", "SEQUENCE_CLASSIFICATION"}, nil, false, TextDecoder},
		{"t5", []string{"BASE", "SEQ_TO_SEQ_CAUSAL_LM", "TEXT_ENCODING"}, nil, false, EncoderDecoder},
		{"bart", []string{"BASE", "CAUSAL_LM", "MASKED_LM", "SEQ_TO_SEQ_CAUSAL_LM"}, nil, false, EncoderDecoder},
		{"vit", []string{"BASE", "IMAGE_CLASSIFICATION"}, nil, false, Vision},
		{"detr", []string{"BASE", "OBJECT_DETECTION"}, nil, false, Vision},
		{"whisper", []string{"AUDIO_CLASSIFICATION", "BASE", "CAUSAL_LM", "SPEECH_SEQ_2_SEQ"}, nil, false, Audio},
		{"wav2vec2", []string{"BASE", "CTC"}, nil, false, Audio},
		{"clap", []string{"BASE"}, []string{"audio_config", "text_config"}, false, Audio},
		{"clip", []string{"BASE", "IMAGE_CLASSIFICATION", "ZERO_SHOT_IMAGE_CLASSIFICATION"}, []string{"text_config", "vision_config"}, false, VisionLanguage},
		{"git", []string{"BASE", "CAUSAL_LM", "IMAGE_TEXT_TO_TEXT"}, []string{"vision_config"}, false, VisionLanguage},
		{"llava", []string{"BASE", "IMAGE_TEXT_TO_TEXT", "MULTIMODAL_LM"}, []string{"text_config", "vision_config"}, false, Multimodal},
		{"xclip", []string{"BASE"}, []string{"text_config", "vision_config"}, true, Video},
		{"videomae", []string{"BASE", "VIDEO_CLASSIFICATION"}, nil, true, Video},
		{"speecht5", []string{"BASE", "SPEECH_SEQ_2_SEQ", "TEXT_TO_SPECTROGRAM"}, nil, false, SpeechText},
		{"speech_to_text", []string{"BASE", "SPEECH_SEQ_2_SEQ"}, nil, false, SpeechText},
		{"clip_vision_model", []string{"BASE"}, nil, false, Vision},
		{"clap_text_model", nil, nil, false, TextEncoder},
		{"patchtst", []string{"BASE", "TIME_SERIES_PREDICTION"}, nil, false, Other},
		{"perceiver", []string{"BASE", "IMAGE_CLASSIFICATION", "MASKED_LM", "SEQUENCE_CLASSIFICATION"}, nil, true, Multimodal},
		{"gemma3n", []string{"BASE", "CAUSAL_LM", "IMAGE_TEXT_TO_TEXT", "MULTIMODAL_LM"}, []string{"audio_config", "text_config", "vision_config"}, false, Multimodal},
		{"qwen2_audio", []string{"BASE", "MULTIMODAL_LM", "SEQ_TO_SEQ_CAUSAL_LM"}, []string{"audio_config", "text_config"}, false, Audio},
		{"moshi", []string{"BASE", "CAUSAL_LM"}, []string{"audio_encoder_config", "depth_decoder_config"}, false, SpeechText},
		{"flava", []string{"BASE", "PRETRAINING"}, []string{"image_codebook_config", "image_config", "multimodal_config", "text_config"}, false, VisionLanguage},
		{"pe_video", []string{"BASE"}, []string{"text_config", "video_config"}, false, Video},
		{"videoprism", []string{"BASE", "ZERO_SHOT_IMAGE_CLASSIFICATION"}, []string{"text_config", "vision_config"}, true, Video},
	}
	for _, tt := range tests {
		got, rule := categorize(categoryInput{Name: tt.name, Mappings: set(tt.mappings), SubConfigs: set(tt.subs), HasNumFrames: tt.frames})
		if got != tt.want {
			t.Errorf("%s: category %q (rule %q), want %q", tt.name, got, rule, tt.want)
		}
	}
}

func TestCategorizeConfigFacts(t *testing.T) {
	tests := []struct {
		name         string
		image, audio bool
		want         string
	}{
		{"pixtral", true, false, Vision},
		{"encodec", false, true, Audio},
		{"decision_transformer", false, false, Other},
	}
	for _, tt := range tests {
		got, rule := categorize(categoryInput{Name: tt.name, Mappings: set([]string{"BASE"}), ImageGeometry: tt.image, AudioSampling: tt.audio})
		if got != tt.want {
			t.Errorf("%s: category %q (rule %q), want %q", tt.name, got, rule, tt.want)
		}
	}
}

// TestEmbeddedCategories checks the well-known families in the catalog synced
// from transformers 5.23 (docs/catalog.md says why each lands where it does).
func TestEmbeddedCategories(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		category string
		tower    bool
	}{
		{"bert", TextEncoder, false}, {"roberta", TextEncoder, false},
		{"gpt2", TextDecoder, false}, {"llama", TextDecoder, false}, {"qwen2", TextDecoder, false},
		{"t5", EncoderDecoder, false}, {"bart", EncoderDecoder, false},
		{"vit", Vision, false}, {"convnext", Vision, false}, {"detr", Vision, false},
		{"pixtral", Vision, false}, // Pixtral's vision encoder: no task mapping, image geometry
		{"whisper", Audio, false}, {"wav2vec2", Audio, false}, {"clap", Audio, false},
		{"encodec", Audio, false}, {"mimi", Audio, false}, {"dac", Audio, false},
		{"speecht5", SpeechText, false}, {"moshi", SpeechText, false},
		{"clip", VisionLanguage, false}, {"blip", VisionLanguage, false}, {"flava", VisionLanguage, false},
		{"llava", Multimodal, false}, {"llava_next", Multimodal, false}, {"gemma3n", Multimodal, false},
		{"perceiver", Multimodal, false},
		{"videomae", Video, false}, {"xclip", Video, false},
		{"clip_text_model", TextEncoder, true}, {"clip_vision_model", Vision, true},
		{"xclip_vision_model", Video, true}, {"clap_audio_model", Audio, true},
	}
	for _, tt := range tests {
		a, ok := c.Get(tt.name)
		if !ok {
			t.Errorf("%s: not in the catalog", tt.name)
			continue
		}
		if a.Category != tt.category || a.Tower != tt.tower {
			t.Errorf("%s: category %q tower %v (rule %q), want %q tower %v", tt.name, a.Category, a.Tower, a.Rule, tt.category, tt.tower)
		}
		if !a.Buildable() {
			t.Errorf("%s: not buildable: %s", tt.name, a.BuildNote)
		}
	}
	for _, name := range []string{"clap_text_model", "xclip_vision_model", "blip_text_model"} {
		if a, _ := c.Get(name); a.AutoClass != "" || !strings.HasPrefix(a.ModelClass, "transformers.models.") {
			t.Errorf("%s: auto class %q model class %q, want its own model class", name, a.AutoClass, a.ModelClass)
		}
	}
	if a, _ := c.Get("layoutxlm"); a.Buildable() || a.BuildNote == "" {
		t.Errorf("layoutxlm: buildable %v note %q, want not buildable with a reason", a.Buildable(), a.BuildNote)
	}
}

func TestEmbeddedCatalog(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Architectures); n < 400 {
		t.Fatalf("embedded catalog has %d architectures, want 400+", n)
	}
	if c.TransformersVersion == "" {
		t.Error("embedded catalog records no transformers version")
	}
	valid := set(Categories)
	for _, a := range c.Architectures {
		if !valid[a.Category] {
			t.Errorf("%s: category %q is not one of %v", a.Name, a.Category, Categories)
		}
	}
	for _, k := range DefaultKeyModels {
		a, ok := c.Get(k)
		if !ok {
			t.Errorf("key model %s missing", k)
			continue
		}
		if a.Priority != PriorityKey || !a.Buildable() {
			t.Errorf("key model %s: priority %q auto class %q", k, a.Priority, a.AutoClass)
		}
	}
}

func TestSelect(t *testing.T) {
	c := testCatalog()
	tests := []struct {
		name    string
		sel     Selector
		want    []string
		wantErr string
	}{
		{"models keep order", Selector{Models: []string{"vit", "bert", "vit"}}, []string{"vit", "bert"}, ""},
		{"category alias", Selector{Category: "text_encoders"}, []string{"bert"}, ""},
		{"guide spelling", Selector{Category: "text-generation"}, []string{"llama"}, ""},
		{"priority key", Selector{Priority: "key"}, []string{"bert"}, ""},
		{"priority high", Selector{Priority: "high"}, []string{"bert", "vit"}, ""},
		{"top", Selector{Top: 2}, []string{"llama", "bert"}, ""},
		{"rank", Selector{Rank: "2-3"}, []string{"bert", "vit"}, ""},
		{"all", Selector{All: true}, []string{"bert", "llama", "vit"}, ""},
		{"unknown model", Selector{Models: []string{"bret"}}, nil, `unknown model "bret"; closest: bert`},
		{"unknown category", Selector{Category: "visoin"}, nil, `unknown category "visoin"; closest: vision`},
		{"bad rank", Selector{Rank: "5-2"}, nil, "popularity rank"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Select(tt.sel)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range got {
				names = append(names, a.Name)
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("got %v, want %v", names, tt.want)
			}
		})
	}
}

func TestSelectWithoutPopularity(t *testing.T) {
	c := testCatalog()
	c.ApplyPopularity(nil, "")
	if _, err := c.Select(Selector{Top: 5}); err != ErrNoPopularity {
		t.Fatalf("error %v, want ErrNoPopularity", err)
	}
}

func testCatalog() *Catalog {
	c := &Catalog{Architectures: []Architecture{
		{Name: "vit", Category: Vision, PopularityRank: 3},
		{Name: "bert", Category: TextEncoder, PopularityRank: 2},
		{Name: "llama", Category: TextDecoder, PopularityRank: 1},
	}}
	c.index()
	c.ApplyPriorities(Priorities{Key: []string{"bert"}, High: []string{"vit"}})
	return c
}

func TestFromDumpAutoClass(t *testing.T) {
	var d Dump
	raw := `{"transformers_version":"5.0","auto_classes":{"SEQ_TO_SEQ_CAUSAL_LM":"AutoModelForSeq2SeqLM","CAUSAL_LM":"AutoModelForCausalLM"},
	"models":[{"name":"encoder-decoder","config_class":"EncoderDecoderConfig","mappings":["SEQ_TO_SEQ_CAUSAL_LM"]},
	          {"name":"trocr","config_class":"TrOCRConfig","mappings":["CAUSAL_LM"]},
	          {"name":"bert","config_class":"BertConfig","mappings":["BASE","MASKED_LM"],"params":1.1e8},
	          {"name":"rag","config_class":"RagConfig","mappings":[]}]}`
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatal(err)
	}
	c, err := FromDump(d, nil, DefaultPriorities(), time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"encoder-decoder": "AutoModelForSeq2SeqLM", "trocr": "AutoModelForCausalLM", "bert": "AutoModel", "rag": ""}
	for name, auto := range want {
		a, _ := c.Get(name)
		if a.AutoClass != auto {
			t.Errorf("%s: auto class %q, want %q", name, a.AutoClass, auto)
		}
	}
	if b, _ := c.Get("bert"); b.DefaultParamsM != 110 || b.Priority != PriorityKey || b.Tiny == nil {
		t.Errorf("bert: %+v", b)
	}
}

// fakeHub serves /api/models in two pages, as the HuggingFace Hub does.
func fakeHub(t *testing.T) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/models" || r.URL.Query().Get("sort") != "downloads" {
			http.Error(w, "unexpected "+r.URL.String(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("cursor") == "" {
			w.Header().Set("Link", `<`+srv.URL+`/api/models?sort=downloads&cursor=2>; rel="next"`)
			w.Write([]byte(`[{"id":"a/bert-base","downloads":100,"config":{"model_type":"bert"}},
				{"id":"b/vit","downloads":70,"config":{"model_type":"vit"}},
				{"id":"c/no-config","downloads":1000}]`))
			return
		}
		w.Write([]byte(`[{"id":"d/bert-2","downloads":50,"config":{"model_type":"bert"}},
			{"id":"e/llama","downloads":60,"config":{"model_type":"llama"}}]`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPopularity(t *testing.T) {
	srv := fakeHub(t)
	counts, err := HubClient{BaseURL: srv.URL, HTTP: srv.Client()}.Downloads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"bert": 150, "vit": 70, "llama": 60}
	if !reflect.DeepEqual(counts, want) {
		t.Fatalf("counts %v, want %v", counts, want)
	}
	c := testCatalog()
	if n := c.ApplyPopularity(counts, srv.URL); n != 3 {
		t.Fatalf("ranked %d", n)
	}
	got, err := c.Select(Selector{Top: 1})
	if err != nil || len(got) != 1 || got[0].Name != "bert" {
		t.Fatalf("top 1 = %v, %v", got, err)
	}
}

func TestPopularityHTTPError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "rate limited", http.StatusTooManyRequests)
	}))
	defer srv.Close()
	_, err := HubClient{BaseURL: srv.URL, HTTP: srv.Client(), Token: "secret-token"}.Downloads(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 429") || strings.Contains(err.Error(), "secret-token") {
		t.Fatalf("error %v", err)
	}
}

func TestClosest(t *testing.T) {
	got := Closest("wav2vec", []string{"wav2vec2", "wav2vec2-bert", "whisper", "bert"}, 2)
	if len(got) == 0 || got[0] != "wav2vec2" {
		t.Fatalf("Closest = %v", got)
	}
}

func TestSubsetFiles(t *testing.T) {
	c := &Catalog{TransformersVersion: "5.0", Architectures: []Architecture{
		{Name: "bert", Category: "text-encoder", Priority: PriorityKey},
		{Name: "vit", Category: "vision", Priority: PriorityHigh},
		{Name: "roberta", Category: "text-encoder"},
	}}
	var names []string
	for _, f := range c.SubsetFiles() {
		names = append(names, f.Name)
		if f.Name == "text-encoder" && f.Body != "# hwcov model subset text-encoder (transformers 5.0)\nbert\nroberta\n" {
			t.Errorf("text-encoder body = %q", f.Body)
		}
		if f.Name == "high_priority" && strings.Join(f.Models, ",") != "bert,vit" {
			t.Errorf("high_priority = %v, want bert,vit", f.Models)
		}
	}
	if got := strings.Join(names, ","); got != "high_priority,key,text-encoder,vision" {
		t.Errorf("subset files = %s, want high_priority,key,text-encoder,vision", got)
	}
}
