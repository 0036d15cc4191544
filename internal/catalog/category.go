package catalog

import "strings"

// The guide's ten categories plus "other", as slugs.
const (
	TextEncoder    = "text-encoder"
	TextDecoder    = "text-decoder"
	EncoderDecoder = "encoder-decoder"
	Vision         = "vision"
	Audio          = "audio"
	VisionLanguage = "vision-language"
	Multimodal     = "multimodal"
	Video          = "video"
	SpeechText     = "speech-text"
	Diffusion      = "diffusion"
	Other          = "other"
)

// Categories lists every category in the guide's order.
var Categories = []string{TextEncoder, TextDecoder, EncoderDecoder, Vision, Audio,
	VisionLanguage, Multimodal, Video, SpeechText, Diffusion, Other}

// categoryAliases maps the guide's spellings onto the slugs.
var categoryAliases = map[string]string{
	"text-encoders": TextEncoder, "text_encoders": TextEncoder, "text_encoder": TextEncoder, "encoder": TextEncoder,
	"text-decoders": TextDecoder, "text_decoders": TextDecoder, "text_decoder": TextDecoder,
	"text-generation": TextDecoder, "decoder": TextDecoder, "causal-lm": TextDecoder,
	"encoder-decoders": EncoderDecoder, "encoder_decoders": EncoderDecoder, "encoder_decoder": EncoderDecoder,
	"seq2seq": EncoderDecoder, "text2text-generation": EncoderDecoder,
	"vision-models": Vision, "vision_models": Vision, "image": Vision,
	"audio-models": Audio, "audio_models": Audio, "speech": Audio,
	"vision-language-models": VisionLanguage, "vision_language": VisionLanguage, "vlm": VisionLanguage,
	"multimodal-models": Multimodal, "multimodal_models": Multimodal,
	"video-models": Video, "video_models": Video,
	"speech-text-models": SpeechText, "speech_text": SpeechText,
	"diffusion-models": Diffusion, "diffusion_models": Diffusion,
}

// NormalizeCategory turns a user's spelling into a category slug; ok is false
// when it names no category.
func NormalizeCategory(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, c := range Categories {
		if s == c {
			return c, true
		}
	}
	c, ok := categoryAliases[s]
	return c, ok
}

// categoryInput is what the rules look at: the task mappings that list a model
// type, its sub-configs and a few config facts.
type categoryInput struct {
	Name          string
	Mappings      map[string]bool
	SubConfigs    map[string]bool
	HasNumFrames  bool
	ImageGeometry bool // the default config has image_size or patch_size
	AudioSampling bool // the default config has sampling_rate, audio_channels or num_mel_bins
}

// categoryRule is one documented rule; the first rule that matches wins.
type categoryRule struct {
	Name     string
	Category string
	Match    func(in categoryInput) bool
}

func anyOf(m map[string]bool, keys ...string) bool {
	for _, k := range keys {
		if m[k] {
			return true
		}
	}
	return false
}

// onlyGeneric reports whether a type has no task mapping beyond the base
// model and pretraining heads: no task says what modality it serves.
func onlyGeneric(m map[string]bool) bool {
	for k := range m {
		if k != "BASE" && k != "PRETRAINING" {
			return false
		}
	}
	return true
}

// imageTask reports whether a mapping is an image task.
func imageTask(m string) bool {
	switch m {
	case "IMAGE_CLASSIFICATION", "IMAGE", "OBJECT_DETECTION", "IMAGE_SEGMENTATION", "SEMANTIC_SEGMENTATION",
		"INSTANCE_SEGMENTATION", "UNIVERSAL_SEGMENTATION", "DEPTH_ESTIMATION", "BACKBONE",
		"MASKED_IMAGE_MODELING", "MASK_GENERATION", "KEYPOINT_DETECTION", "KEYPOINT_MATCHING",
		"POSE_ESTIMATION", "IMAGE_MATTING", "IMAGE_TO_IMAGE", "NORMAL_ESTIMATION",
		"POINTMAP_ESTIMATION", "CAUSAL_IMAGE_MODELING", "TABLE_RECOGNITION", "TEXT_RECOGNITION":
		return true
	}
	return false
}

func anyImageTask(m map[string]bool) bool {
	for k := range m {
		if imageTask(k) {
			return true
		}
	}
	return false
}

// textTask lists the text task mappings (the text-encoder and text-decoder rules).
var textTasks = []string{"MASKED_LM", "CAUSAL_LM", "SEQUENCE_CLASSIFICATION", "TOKEN_CLASSIFICATION", "QUESTION_ANSWERING"}

// categoryRules assigns the guide's categories from transformers' own task
// mappings, in order, then from sub-configs and config facts for the types no
// task mapping describes. transformers has no diffusion mapping (diffusion
// models live in diffusers), so no architecture is ever put in "diffusion".
var categoryRules = []categoryRule{
	{"video: VIDEO_CLASSIFICATION mapping, a video_config sub-config, or num_frames with no text or image task mapping", Video, func(in categoryInput) bool {
		return in.Mappings["VIDEO_CLASSIFICATION"] || (in.SubConfigs["video_config"] && !in.SubConfigs["audio_config"]) ||
			(in.HasNumFrames && !anyOf(in.Mappings, textTasks...) && !anyImageTask(in.Mappings))
	}},
	{"speech-text: TEXT_TO_SPECTROGRAM / TEXT_TO_WAVEFORM, SPEECH_SEQ_2_SEQ without AUDIO_CLASSIFICATION, or a language model with an audio codec inside (codec_config / audio_encoder_config)", SpeechText, func(in categoryInput) bool {
		return anyOf(in.Mappings, "TEXT_TO_SPECTROGRAM", "TEXT_TO_WAVEFORM") ||
			(in.Mappings["SPEECH_SEQ_2_SEQ"] && !in.Mappings["AUDIO_CLASSIFICATION"]) ||
			(anyOf(in.Mappings, "CAUSAL_LM", "SEQ_TO_SEQ_CAUSAL_LM") && anyOf(in.SubConfigs, "codec_config", "audio_encoder_config"))
	}},
	{"audio: CTC / AUDIO_* / SPEECH_SEQ_2_SEQ / RNNT / TDT mappings", Audio, func(in categoryInput) bool {
		return anyOf(in.Mappings, "CTC", "AUDIO_CLASSIFICATION", "AUDIO_FRAME_CLASSIFICATION",
			"AUDIO_XVECTOR", "SPEECH_SEQ_2_SEQ", "RNNT", "TDT")
	}},
	{"vision-language: ZERO_SHOT_* / VISUAL_QUESTION_ANSWERING / DOCUMENT_QUESTION_ANSWERING / RETRIEVAL mappings", VisionLanguage, func(in categoryInput) bool {
		return anyOf(in.Mappings, "ZERO_SHOT_IMAGE_CLASSIFICATION", "ZERO_SHOT_OBJECT_DETECTION",
			"VISUAL_QUESTION_ANSWERING", "DOCUMENT_QUESTION_ANSWERING", "RETRIEVAL")
	}},
	{"multimodal: IMAGE_TEXT_TO_TEXT, or MULTIMODAL_LM with a vision_config, with a text_config (a language model inside)", Multimodal, func(in categoryInput) bool {
		return (in.Mappings["IMAGE_TEXT_TO_TEXT"] || (in.Mappings["MULTIMODAL_LM"] && in.SubConfigs["vision_config"])) && in.SubConfigs["text_config"]
	}},
	{"multimodal: audio and vision sub-configs (an omni model), or text and image task mappings on one type (Perceiver IO)", Multimodal, func(in categoryInput) bool {
		return (anyOf(in.SubConfigs, "audio_config", "audio_encoder_config") && anyOf(in.SubConfigs, "vision_config", "video_config")) ||
			(anyOf(in.Mappings, textTasks...) && anyImageTask(in.Mappings) && !in.SubConfigs["text_config"])
	}},
	{"audio: an audio_config sub-config (an audio encoder inside: CLAP, audio language models)", Audio, func(in categoryInput) bool {
		return in.SubConfigs["audio_config"]
	}},
	{"vision-language: IMAGE_TEXT_TO_TEXT / MULTIMODAL_LM without a separate language model, or text_config + vision_config / image_config", VisionLanguage, func(in categoryInput) bool {
		return anyOf(in.Mappings, "IMAGE_TEXT_TO_TEXT", "MULTIMODAL_LM") ||
			(in.SubConfigs["text_config"] && anyOf(in.SubConfigs, "vision_config", "image_config"))
	}},
	{"encoder-decoder: SEQ_TO_SEQ_CAUSAL_LM mapping", EncoderDecoder, func(in categoryInput) bool {
		return in.Mappings["SEQ_TO_SEQ_CAUSAL_LM"]
	}},
	{"text-encoder: MASKED_LM mapping", TextEncoder, func(in categoryInput) bool {
		return in.Mappings["MASKED_LM"]
	}},
	{"text-decoder: CAUSAL_LM mapping", TextDecoder, func(in categoryInput) bool {
		return in.Mappings["CAUSAL_LM"]
	}},
	{"text-encoder: TEXT_ENCODING / SEQUENCE_CLASSIFICATION / TOKEN_CLASSIFICATION / QUESTION_ANSWERING / MULTIPLE_CHOICE / NEXT_SENTENCE_PREDICTION / TABLE_QUESTION_ANSWERING", TextEncoder, func(in categoryInput) bool {
		return anyOf(in.Mappings, "TEXT_ENCODING", "SEQUENCE_CLASSIFICATION", "TOKEN_CLASSIFICATION",
			"QUESTION_ANSWERING", "MULTIPLE_CHOICE", "NEXT_SENTENCE_PREDICTION", "TABLE_QUESTION_ANSWERING")
	}},
	{"vision: an image task mapping (classification, detection, segmentation, depth, backbone, ...)", Vision, func(in categoryInput) bool {
		return anyImageTask(in.Mappings)
	}},
	{"audio: no task mapping, a config with a sampling rate, audio channels or mel bins: an audio codec, vocoder or speech encoder (EnCodec, Mimi, DAC, voxtral_encoder)", Audio, func(in categoryInput) bool {
		return onlyGeneric(in.Mappings) && in.AudioSampling
	}},
	{"vision: no task mapping, a config with image geometry (image_size / patch_size): an image encoder (Pixtral, vision towers)", Vision, func(in categoryInput) bool {
		return onlyGeneric(in.Mappings) && in.ImageGeometry && !in.AudioSampling
	}},
	{"tower: a *_vision* / *_image* / mask decoder / prompt encoder / DETR sub-model with no task mapping", Vision, func(in categoryInput) bool {
		return len(in.Mappings) <= 1 && containsAny(in.Name, "_vision", "_image", "vqgan", "_sam_", "_mask_decoder",
			"_prompt_encoder", "_geometry_encoder", "_detr_")
	}},
	{"tower: a *_audio* / *speech* sub-model with no task mapping", Audio, func(in categoryInput) bool {
		return len(in.Mappings) <= 1 && containsAny(in.Name, "_audio", "speech", "hifigan", "clvp")
	}},
	{"tower: a *_text* / *_decoder / *_encoder sub-model with no task mapping", TextEncoder, func(in categoryInput) bool {
		return len(in.Mappings) <= 1 && containsAny(in.Name, "_text", "_decoder", "_encoder", "_language")
	}},
	{"other: none of the above (time series, decision transformers, ...)", Other, func(categoryInput) bool { return true }},
}

// towerByName reports whether a type's name marks a sub-model of a larger one
// (*_vision_model, *_text, *_encoder, mask decoders, ...) and no task mapping
// beyond the base model lists it. Such a type is flagged a tower whichever rule
// gave its category.
func towerByName(in categoryInput) bool {
	return len(in.Mappings) <= 1 && containsAny(in.Name, "_vision", "_image", "vqgan", "_sam_", "_mask_decoder",
		"_prompt_encoder", "_geometry_encoder", "_detr_", "_audio", "speech", "hifigan", "clvp",
		"_text", "_decoder", "_encoder", "_language")
}

// isTower reports whether the rule that categorised a type makes it a tower: a
// tower rule, or a config-fact rule (no task mapping) for a type whose name
// marks a sub-model (mimi_encoder, voxtral_encoder, clip_vision_model).
func isTower(in categoryInput, rule string) bool {
	return strings.HasPrefix(rule, "tower:") || (strings.Contains(rule, ": no task mapping,") && towerByName(in))
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// categorize applies categoryRules and returns the category and the rule.
func categorize(in categoryInput) (category, rule string) {
	for _, r := range categoryRules {
		if r.Match(in) {
			return r.Category, r.Name
		}
	}
	return Other, ""
}

// CategoryRules lists the rules in order, for documentation and `catalog rules`.
func CategoryRules() []string {
	out := make([]string, len(categoryRules))
	for i, r := range categoryRules {
		out[i] = r.Name
	}
	return out
}
