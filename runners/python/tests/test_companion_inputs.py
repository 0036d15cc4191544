"""Optional forward() inputs a model cannot run without, from its config, signature and source.

Parametrized over real transformers classes (skipped where transformers is not installed).
"""

import os
from types import SimpleNamespace as _Config

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from hwcov_harness import companion_inputs, config_repairs, docshapes  # noqa: E402


class SomeDecoder(torch.nn.Module):
    pass


class SomeEncoderDecoder(torch.nn.Module):
    pass


class SomeModel(torch.nn.Module):
    pass


@pytest.mark.parametrize(
    "model, config, want",
    [
        (SomeDecoder(), _Config(), True),  # a decoder stack built as its own model
        (SomeEncoderDecoder(), _Config(), False),  # it holds its encoder
        (SomeModel(), transformers.Blip2QFormerConfig(), True),  # cross_attention_frequency
        (SomeModel(), transformers.BertConfig(add_cross_attention=True), True),
        (SomeModel(), transformers.BertConfig(), False),
    ],
)
def test_is_decoder_stack(model, config, want):
    assert companion_inputs.is_decoder_stack(model, config) is want


@pytest.mark.parametrize(
    "config, wanted, width",
    [
        (transformers.Blip2QFormerConfig(encoder_hidden_size=24, hidden_size=32), ["encoder_hidden_states"], 24),
        (transformers.BertConfig(add_cross_attention=True, hidden_size=32), ["encoder_hidden_states"], 32),
        (transformers.BertConfig(hidden_size=32), ["encoder_hidden_states"], None),  # no cross attention
        (transformers.Blip2QFormerConfig(), ["input_ids"], None),  # forward takes none
    ],
)
def test_cross_attention_states(config, wanted, width):
    g = torch.Generator().manual_seed(0)
    got = companion_inputs.cross_attention_states(SomeModel(), config, wanted, {}, 2, 5, g)
    if width is None:
        assert got == {}
    else:
        assert tuple(got["encoder_hidden_states"].shape) == (2, 5, width)


def test_cross_attention_states_keeps_given():
    given = {"encoder_hidden_states": torch.zeros(1, 3, 8)}
    got = companion_inputs.cross_attention_states(SomeDecoder(), _Config(hidden_size=4), ["encoder_hidden_states"], given, 1, 5, None)
    assert got == {}


@pytest.mark.parametrize(
    "wanted, shape, want_features, want_lens",
    [
        (["input_features", "feature_lens"], (2, 8, 10), (8, 20), [10, 10]),  # clips side by side
        (["input_features"], (2, 8, 10), (2, 8, 10), None),  # no feature_lens: one row a clip
        (["input_features", "feature_lens"], (8, 20), (8, 20), None),  # already packed
    ],
)
def test_packed_audio_features(wanted, shape, want_features, want_lens):
    got = companion_inputs.packed_audio_features(wanted, {"input_features": torch.randn(*shape)})
    assert tuple(got["input_features"].shape) == want_features
    if want_lens is None:
        assert "feature_lens" not in got
    else:
        assert got["feature_lens"].tolist() == want_lens


def test_packed_audio_features_of_real_encoder_runs():
    """The packed form is what Qwen2.5-Omni's audio encoder reads."""
    from transformers.models.qwen2_5_omni import configuration_qwen2_5_omni as c, modeling_qwen2_5_omni as m

    config = c.Qwen2_5OmniAudioEncoderConfig(
        num_mel_bins=16, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=32, d_model=16,
        output_dim=16, n_window=4, max_source_positions=64,
    )  # fmt: skip
    model = m.Qwen2_5OmniAudioEncoder(config).eval()
    wanted = ["input_features", "feature_lens"]
    inputs = companion_inputs.packed_audio_features(wanted, {"input_features": torch.randn(1, 16, 24)})
    with torch.inference_mode():
        out = model(**inputs)
    assert out.last_hidden_state.shape[-1] == 16


class Tableless(torch.nn.Module):
    def forward(self, input_ids=None, inputs_embeds=None):
        if inputs_embeds is None:
            inputs_embeds = self.embed_tokens(input_ids)
        return inputs_embeds


class WithTable(Tableless):
    def __init__(self):
        super().__init__()
        self.embed_tokens = torch.nn.Embedding(10, 4)


@pytest.mark.parametrize("model, want_embeds", [(Tableless(), True), (WithTable(), False)])
def test_embeds_without_table(model, want_embeds):
    inputs = {"input_ids": torch.zeros(1, 6, dtype=torch.long), "attention_mask": torch.ones(1, 6)}
    got = companion_inputs.embeds_without_table(model, _Config(hidden_size=4), ["input_ids", "inputs_embeds"], inputs, None)
    assert ("inputs_embeds" in got) is want_embeds
    assert ("input_ids" in got) is not want_embeds
    if want_embeds:
        assert tuple(got["inputs_embeds"].shape) == (1, 6, 4)
        model(**{k: v for k, v in got.items() if k != "attention_mask"})  # runs without the table


@pytest.mark.parametrize(
    "cls, wanted, want",
    [
        ("BrosModel", ["input_ids", "bbox"], {"bbox"}),
        ("LxmertModel", ["input_ids", "visual_feats", "visual_pos"], {"visual_feats", "visual_pos"}),
        ("BertModel", ["input_ids", "attention_mask"], set()),
    ],
)
def test_raised_when_none(cls, wanted, want):
    model_class = getattr(transformers, cls)
    model = model_class.__new__(model_class)  # the class's forward() source is all the rule reads
    assert companion_inputs.raised_when_none(model, wanted) == want


def test_quoted_doc_shape():
    """Bros documents bbox as (`'torch.Tensor'` of shape '(batch_size, num_boxes, 4)')."""
    assert docshapes.doc_shapes(transformers.BrosModel.forward)["bbox"] == ("torch.Tensor", ["batch_size", "num_boxes", "4"])


@pytest.mark.parametrize(
    "holder, name, want",
    [
        (_Config(intermediate_size=64), "shared_expert_intermediate_size", (True, 64)),
        (_Config(moe_intermediate_size=32), "shared_expert_intermediate_size", (True, 32)),
        (_Config(intermediate_size=64), "hidden_act", (False, None)),  # only widths
        (_Config(), "shared_expert_intermediate_size", (False, None)),
    ],
)
def test_sibling_width(holder, name, want):
    assert config_repairs._sibling_width(holder, name) == want


def test_qwen3_omni_talker_text_builds_with_shared_expert_width():
    from transformers.models.qwen3_omni_moe import configuration_qwen3_omni_moe as c, modeling_qwen3_omni_moe as m

    config = c.Qwen3OmniMoeTalkerTextConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1,
        num_experts=2, num_experts_per_tok=1, moe_intermediate_size=32, vocab_size=100,
    )  # fmt: skip
    model = config_repairs.build_model_with(m.Qwen3OmniMoeTalkerModel, config)
    assert model.config.shared_expert_intermediate_size == 64


@pytest.mark.parametrize(
    "d, want",
    [
        ({"default_language": None, "languages": ["en_XX", "de_DE"]}, "en_XX"),
        ({"default_language": "de_DE", "languages": ["en_XX", "de_DE"]}, "de_DE"),  # set: kept
        ({"default_language": None}, None),  # no choices listed
        ({"default_language": None, "languages": []}, None),
    ],
)
def test_default_choice(d, want):
    config_repairs._default_choice(d)
    assert d["default_language"] == want
