"""catalog_sync.model_class: the class that builds a type no auto class lists, found by introspection."""

import pytest

transformers = pytest.importorskip("transformers")

from hwcov_harness.catalog_sync import model_class  # noqa: E402


@pytest.mark.parametrize("config, want", [
    ("CLIPTextConfig", "CLIPTextModel"),            # <Stem>Model
    ("BlipTextConfig", "BlipTextModel"),            # lives in modeling_blip_text, re-exported by modeling_blip
    ("XCLIPVisionConfig", "XCLIPVisionModel"),
    ("ClvpDecoderConfig", "ClvpDecoder"),           # <Stem> itself, before ClvpModel and ClvpForCausalLM
    ("ClapTextConfig", "ClapTextModel"),            # a bare model before ClapTextModelWithProjection
])  # fmt: skip
def test_model_class_picks_the_bare_model(config, want):
    path, note = model_class(getattr(transformers, config))
    assert note == ""
    assert path.startswith("transformers.models.") and path.rpartition(".")[2] == want


def test_model_class_says_why_not():
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    path, note = model_class(CONFIG_MAPPING["layoutxlm"])
    assert path == "" and "configuration only" in note
    path, note = model_class(CONFIG_MAPPING["sam_mask_decoder"])
    assert path == "" and "no PreTrainedModel class of its own" in note
