package catalog

// tinyOverrides are the config values transformers' own ModelTesters use for a
// few families (see docs/catalog.md). Every other architecture is shrunk
// generically by the harness (hidden size, layers, heads, vocab, sub-configs).
var tinyOverrides = map[string]map[string]any{
	"bert":    {"vocab_size": 99, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37},
	"roberta": {"vocab_size": 99, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37},
	"gpt2":    {"vocab_size": 99, "n_embd": 32, "n_layer": 2, "n_head": 2, "n_inner": 37},
	"llama":   {"vocab_size": 99, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 2, "intermediate_size": 37},
	"qwen2":   {"vocab_size": 99, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 2, "intermediate_size": 37},
	"t5":      {"vocab_size": 99, "d_model": 32, "d_kv": 8, "num_layers": 2, "num_decoder_layers": 2, "num_heads": 4, "d_ff": 37},
	"bart": {"vocab_size": 99, "d_model": 16, "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 4,
		"decoder_attention_heads": 4, "encoder_ffn_dim": 4, "decoder_ffn_dim": 4},
	"vit":      {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37, "image_size": 30, "patch_size": 2},
	"convnext": {"hidden_sizes": []any{10, 20, 30, 40}, "depths": []any{2, 2, 3, 2}, "image_size": 32},
	"swin":     {"embed_dim": 16, "depths": []any{1, 2, 1}, "num_heads": []any{2, 2, 4}, "window_size": 2, "image_size": 32, "patch_size": 2},
	"whisper": {"vocab_size": 200, "d_model": 16, "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 4,
		"decoder_attention_heads": 4, "encoder_ffn_dim": 16, "decoder_ffn_dim": 16, "num_mel_bins": 80,
		"max_source_positions": 30, "max_target_positions": 40},
	"wav2vec2": {"vocab_size": 32, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 20,
		"conv_dim": []any{32, 32, 32}, "conv_stride": []any{4, 4, 4}, "conv_kernel": []any{8, 8, 8},
		"num_conv_pos_embeddings": 16, "num_conv_pos_embedding_groups": 2},
	"clip": {"projection_dim": 32,
		"text_config":   map[string]any{"vocab_size": 99, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37},
		"vision_config": map[string]any{"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37, "image_size": 30, "patch_size": 2}},
	"blip": {"projection_dim": 32,
		"text_config":   map[string]any{"vocab_size": 99, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37},
		"vision_config": map[string]any{"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37, "image_size": 30, "patch_size": 2}},
	"videomae": {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37,
		"image_size": 10, "patch_size": 2, "tubelet_size": 2, "num_frames": 2},
	"speecht5": {"vocab_size": 81, "hidden_size": 24, "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 2,
		"decoder_attention_heads": 2, "encoder_ffn_dim": 4, "decoder_ffn_dim": 4},
}
