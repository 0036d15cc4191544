"""config_repairs: the dict rules on plain dicts, then on real transformers configs (skipped without transformers)."""

import os

import pytest

from hwcov_harness import config_repairs as cr

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.mark.parametrize(
    "orig, shrunk, want",
    [
        # unset kv heads mean the heads
        ({}, {"num_attention_heads": 4, "num_key_value_heads": None}, {"num_key_value_heads": 4}),
        # KV-sharing: each kind once as producer, once as consumer
        (
            {"num_hidden_layers": 35, "num_kv_shared_layers": 15, "layer_types": ["s"] * 4 + ["f"], "p": [0.9] * 35},
            {"num_hidden_layers": 2, "num_kv_shared_layers": 15, "layer_types": ["s", "f"], "p": [0.9, 0.9]},
            {"num_hidden_layers": 4, "num_kv_shared_layers": 2, "layer_types": ["s", "f", "s", "f"], "p": [0.9] * 4},
        ),
        # run-length layer patterns add up to the layers
        ({}, {"num_layers": 2, "attention_types": [[["global", "local"], 12]]}, {"attention_types": [[["global", "local"], 1]]}),
        ({}, {"num_layers": 3, "attention_types": [[["global", "local"], 12]]}, {"num_layers": 2}),
        # pixel shuffle: 224 / 32 = 7 patches per side, scale 2: 8 per side
        ({}, {"scale_factor": 2, "vision_config": {"image_size": 224, "patch_size": 32}}, {"vision_config": {"image_size": 256, "patch_size": 32}}),
        ({}, {"pixel_shuffle_factor": 4, "vision_config": {"image_size": 256, "patch_size": 16}}, {"vision_config": {"image_size": 256, "patch_size": 16}}),
        # a per-layer vocabulary indexed by the same ids
        ({}, {"vocab_size": 1024, "vocab_size_per_layer_input": 262144}, {"vocab_size_per_layer_input": 1024}),
        # experts chosen under another name
        ({}, {"moe_num_experts": 4, "moe_k": 6}, {"moe_k": 4}),
        ({}, {"num_experts": 4, "top_k": 2}, {"top_k": 2}),
        # 256 tokens (16 per side) from 14 x 14 patches: 7 x 7, pooled by 2
        ({}, {"mm_tokens_per_image": 256, "vision_config": {"image_size": 224, "patch_size": 16}}, {"mm_tokens_per_image": 49}),
        ({}, {"mm_tokens_per_image": 256, "vision_config": {"image_size": 896, "patch_size": 14}}, {"mm_tokens_per_image": 256}),
    ],
)
def test_repair_dict(orig, shrunk, want):
    cr.repair_dict(orig, shrunk)
    assert {k: shrunk[k] for k in want} == want


@pytest.mark.parametrize(
    "sections, total, want",
    [([16, 24, 24], 4, [2, 1, 1]), ([22, 22, 20], 4, [1, 1, 2]), ([8, 12, 12], 3, [1, 1, 1]), ([16, 24, 24], 2, [16, 24, 24])],
)
def test_scale_keeping_ties(sections, total, want):
    assert cr._scale_keeping_ties(sections, total) == want


def test_mrope_sections_fit_the_rotated_half_and_widen_narrow_heads():
    d = {"hidden_size": 32, "num_attention_heads": 4, "num_key_value_heads": 4,
         "rope_parameters": {"partial_rotary_factor": 0.5, "mrope_section": [8, 12, 12]}}  # fmt: skip
    cr.fit_mrope_sections(d)
    half = (32 // d["num_attention_heads"]) // 4
    assert sum(d["rope_parameters"]["mrope_section"]) == half >= 3
    assert d["num_attention_heads"] % d["num_key_value_heads"] == 0


transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from hwcov_harness import harness  # noqa: E402


def tiny(model_type):
    return harness.shrink_config(transformers.AutoConfig.for_model(model_type), None, seq_len=16)


# Default configs transformers cannot run once shrunk by name alone: each builds and runs a prompt now.
@pytest.mark.parametrize(
    "model_type, model_class",
    [("nemotron", ""), ("lfm2_moe", ""), ("gpt_neo", ""), ("gemma3n_text", ""), ("glm4v_moe_text", ""),
     ("ernie4_5_vl_moe_text", "ernie4_5_vl_moe.Ernie4_5_VL_MoeTextModel"), ("paddleocr_vl_text", "paddleocr_vl.PaddleOCRTextModel"),
     ("pix2struct_text_model", "pix2struct.Pix2StructTextModel"), ("t5gemma2_text", "t5gemma2.T5Gemma2TextEncoder")],
)  # fmt: skip
def test_shrunk_text_models_build_and_run(model_type, model_class):
    config = tiny(model_type)
    if model_class:  # "package.Class": transformers.models.package.modeling_package.Class
        package, name = model_class.split(".")
        build = harness.model_class(f"transformers.models.{package}.modeling_{package}.{name}")._from_config
    else:
        build = transformers.AutoModel.from_config
    model = harness.build_model_with(build, config).eval()
    ids = torch.randint(0, min(config.vocab_size, 100), (1, 16))
    with torch.inference_mode():
        out = model(input_ids=ids)
    assert torch.isfinite(out[0]).all()


def test_attribute_a_sibling_config_declares_is_handed_down():
    config = tiny("qwen2_5_omni_thinker")
    model = harness.build_model_with(transformers.AutoModel.from_config, config)
    token = model.config.vision_start_token_id
    assert 0 <= token < config.text_config.vocab_size
    assert token not in {config.image_token_index, config.video_token_index, config.audio_token_index}


def test_pooled_image_tokens_divide_the_patch_grid():
    c = tiny("gemma3")
    side = c.vision_config.image_size // c.vision_config.patch_size
    t = int(c.mm_tokens_per_image**0.5)
    assert t * t == c.mm_tokens_per_image and side % t == 0 and side // t > 1
