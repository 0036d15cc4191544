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
