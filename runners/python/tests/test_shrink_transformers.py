"""shrink_config on real transformers configs (skipped where transformers is not installed). Configs only: fast."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
transformers = pytest.importorskip("transformers")

from hwcov_harness import harness  # noqa: E402


def tiny(model_type, overrides=None):
    return harness.shrink_config(transformers.AutoConfig.for_model(model_type), overrides, seq_len=128)


def test_llama_is_tiny_and_consistent():
    c = tiny("llama")
    assert (c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size) == (32, 2, 4, 64)
    assert c.num_attention_heads % c.num_key_value_heads == 0
    assert c.vocab_size <= 1024 and c.max_position_embeddings <= 2048


def test_catalog_overrides_win():
    c = tiny("bert", {"vocab_size": 99, "hidden_size": 32, "num_attention_heads": 4, "intermediate_size": 37})
    assert (c.vocab_size, c.intermediate_size) == (99, 37)


def test_derived_values_are_derived_again():
    c = tiny("wav2vec2", {"conv_dim": [32, 32, 32], "conv_stride": [4, 4, 4], "conv_kernel": [8, 8, 8]})
    assert c.num_feat_extract_layers == 3


def test_sub_configs_shrink_and_backbones_keep_their_stages():
    c = tiny("llava")
    assert c.text_config.hidden_size == 32 and c.vision_config.hidden_size == 32
    assert c.image_token_id < c.text_config.vocab_size
    d = tiny("depth_anything")
    assert len(d.backbone_config.out_indices) == len(d.neck_hidden_sizes)
    detr = tiny("detr")
    assert detr.backbone_config.model_type == "resnet"  # timm stands aside


@pytest.mark.parametrize("level", harness.SHRINK_LEVELS)
def test_levels_grow_and_stay_consistent(level):
    c = harness.shrink_config(transformers.AutoConfig.for_model("llama"), None, seq_len=128, level=level)
    want = {"tiny": 32, "small": 128, "capped": transformers.AutoConfig.for_model("llama").hidden_size}[level]
    assert c.hidden_size == want and c.num_hidden_layers == 2
    assert c.hidden_size % c.num_attention_heads == 0 and c.num_attention_heads % c.num_key_value_heads == 0


@pytest.mark.parametrize(
    "model_type, check",
    [
        # a sub-config width that equalled the backbone's hidden size still does (validator: must equal)
        ("pocket_tts", lambda c: c.flow_head_config.condition_dim == c.backbone_config.hidden_size
         if hasattr(c, "backbone_config") else True),
        ("gradium_phonon_tts", lambda c: True),
        # derived widths the validator spells out (adaptor intermediate = text hidden // 4)
        ("fun_asr_nano", lambda c: c.adaptor_config.intermediate_size == c.text_config.hidden_size // 4),
    ],
)  # fmt: skip
def test_sub_configs_agree_with_their_parent(model_type, check):
    c = tiny(model_type)  # builds: the config's own validators accept it
    assert check(c)


@pytest.mark.parametrize(
    "d, key, widths",
    [
        ({"hidden_size": 32, "num_groups": 32, "hidden_sizes": [8, 16]}, "num_groups", [32, 8, 16]),
        ({"hidden_size": 48, "norm_num_groups": 32}, "norm_num_groups", [48]),
        ({"hidden_size": 64, "num_groups": 32}, "num_groups", [64]),  # already divides: kept
    ],
)
def test_groups_divide_the_widths(d, key, widths):
    harness._fix_groups(d)
    assert all(w % d[key] == 0 for w in widths)
    if key == "num_groups" and d.get("hidden_size") == 64:
        assert d[key] == 32


def test_widths_that_equalled_a_hidden_size_follow_it():
    orig = {"hidden_size": 768, "head": {"model_type": "x", "condition_dim": 768, "kernel_size": 768}}
    new = {"hidden_size": 32, "head": {"model_type": "x", "condition_dim": 768, "kernel_size": 768}}
    harness._fix_agreement(orig, new, {})
    assert new["head"] == {"model_type": "x", "condition_dim": 32, "kernel_size": 768}
    new = {"hidden_size": 32, "head": {"model_type": "x", "condition_dim": 768}}
    harness._fix_agreement(orig, new, {"head": {"condition_dim": 768}})  # an override wins
    assert new["head"]["condition_dim"] == 768


class _Ctx:
    def __init__(self, model, config, batch=2, seq_len=16):
        self.model, self.config, self.batch_size, self.seq_len, self.seed = model, config, batch, seq_len, 0


def _no_model(*names_required):
    """A stand-in model whose forward() requires names_required (complete_inputs reads only the signature)."""
    ns = {}
    exec(f"def forward(self, {', '.join(names_required)}): pass", ns)
    return type("Model", (), {"forward": ns["forward"]})()


@pytest.mark.parametrize(
    "model_type, want",
    [
        # lagged-feature models look back context + max(lags) steps; prediction_length is set when None
        ("time_series_transformer", {"past_values": (2, 15), "past_time_features": (2, 15, 0),
                                     "past_observed_mask": (2, 15), "future_values": (2, 8)}),
        ("patchtst", {"past_values": (2, 32, 1), "past_observed_mask": (2, 32, 1)}),
        ("timesfm", {"past_values": (2, 512), "past_values_padding": (2, 512), "freq": (2, 1)}),
    ],
)  # fmt: skip
def test_time_series_inputs_follow_the_config(model_type, want):
    config = tiny(model_type)
    cls = transformers.AutoModel._model_mapping[type(config)]
    ctx = _Ctx(cls.__new__(cls), config)
    inputs = harness.complete_inputs(ctx, {})
    got = {k: tuple(inputs[k].shape) for k in want}
    assert got == want


@pytest.mark.parametrize(
    "required, want",
    [
        (("pixel_values", "prompt_pixel_values", "prompt_masks"),
         {"pixel_values": (2, 3, 224, 224), "prompt_pixel_values": (2, 3, 224, 224), "prompt_masks": (2, 3, 224, 224)}),
        (("input_ids", "query_embeds"), {"input_ids": (2, 16), "query_embeds": (2, 16, 32)}),
        (("input_features",), {"input_features": (2, 400, 80)}),
        (("hidden_states",), {"hidden_states": (2, 16, 32)}),  # an encoder stack driven directly
        (("spectrogram",), {"spectrogram": (2, 32, 80)}),  # a vocoder's mel frames
    ],
)  # fmt: skip
def test_required_inputs_are_built_by_name(required, want):
    config = transformers.PretrainedConfig(hidden_size=32, vocab_size=99)
    inputs = harness.complete_inputs(_Ctx(_no_model(*required), config), {})
    assert {k: tuple(v.shape) for k, v in inputs.items()} == want


def test_chunked_audio_encoders_get_whole_windows():
    config = tiny("qwen3_asr")
    batch, bins, frames = harness.audio_features_shape(config, 1)
    window = harness.audio_config(config).n_window
    assert frames % (2 * window) == 0 and bins == harness.audio_config(config).num_mel_bins
    assert harness.audio_frames(config, 1) == frames


def test_mel_spectrograms_follow_the_convolution_stem():
    torch = pytest.importorskip("torch")
    config = transformers.PretrainedConfig(num_mel_bins=80)
    stem = torch.nn.Sequential(torch.nn.Conv1d(80, 8, 3))
    assert harness.audio_features_shape(config, 1, model=stem) == (1, 80, 400)
    assert harness.audio_frames(config, 1, model=stem) == 400
    assert harness.audio_features_shape(config, 1) == (1, 400, 80)  # rows of frames otherwise


@pytest.mark.parametrize("key", ["upsample_groups", "num_groups"])
def test_any_group_count_divides_the_shrunk_width(key):
    d = {"hidden_size": 32, key: 512}
    harness._fix_groups(d)
    assert d[key] == 32  # depthwise stays depthwise


@pytest.mark.parametrize(
    "model_type, check",
    [
        # a vocabulary left to the tokenizer gets the level's size
        ("esm", lambda c: (c.vocab_size, c.pad_token_id) == (1024, 1)),
        # experts routed with num_experts_per_tok unset: a few per token
        ("deepseek_v2", lambda c: c.num_experts_per_tok == 2),
        # expert layers built with every expert count unset: a few experts, one shared
        ("dots1", lambda c: (c.n_routed_experts, c.num_experts_per_tok, c.n_shared_experts) == (4, 2, 1)),
        # query-token models mark the image positions with an image token, unset by default
        ("blip-2", lambda c: 0 <= c.image_token_index < c.text_config.vocab_size),
        ("instructblip", lambda c: 0 <= c.image_token_index < c.text_config.vocab_size),
    ],
)  # fmt: skip
def test_sizes_a_default_leaves_unset_are_filled(model_type, check):
    assert check(tiny(model_type))


def test_spectrogram_inputs_follow_the_audio_config():
    ast = tiny("audio-spectrogram-transformer")
    assert harness.waveform_shape(ast, 2) == (2, 128, ast.num_mel_bins)  # frames capped, positions follow
    htsat = tiny("clap_audio_model")
    frames = min(400, htsat.spec_size * getattr(htsat, "freq_ratio", 1))  # HTSAT folds at most spec_size x freq_ratio frames
    assert harness.audio_features_shape(htsat, 2) == (2, 1, frames, htsat.num_mel_bins)
    assert harness.audio_frames(htsat, 2) == frames
