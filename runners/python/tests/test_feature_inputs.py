"""feature_input_for: the vision and text features a DETR-style encoder/decoder built on its own takes (SAM3)."""

import types

import pytest
import torch
from transformers import Sam3DETRDecoderConfig, Sam3DETREncoderConfig
from transformers.models.sam3.modeling_sam3 import Sam3DetrDecoder, Sam3DetrEncoder

from hwcov_harness.feature_inputs import FEATURE_SIDE, feature_input_for


def _ctx(model_cls, config):
    return types.SimpleNamespace(model=model_cls.__new__(model_cls), config=config, batch_size=2)


@pytest.mark.parametrize(
    "model_cls, config, want",
    [
        # the encoder's forward() annotates list[Tensor]: feature maps, and position embeddings to match
        (Sam3DetrEncoder, Sam3DETREncoderConfig(hidden_size=32),
         {"vision_features": [(2, 32, FEATURE_SIDE, FEATURE_SIDE)], "vision_pos_embeds": [(2, 32, FEATURE_SIDE, FEATURE_SIDE)]}),
        # the decoder's is a Tensor: flattened rows, and their position encoding
        (Sam3DetrDecoder, Sam3DETRDecoderConfig(hidden_size=32),
         {"vision_features": (2, FEATURE_SIDE ** 2, 32), "vision_pos_encoding": (2, FEATURE_SIDE ** 2, 32)}),
    ],
)
def test_vision_features_follow_the_annotation(model_cls, config, want):
    inputs = {}
    value = feature_input_for("vision_features", _ctx(model_cls, config), inputs, torch.Generator().manual_seed(0))
    inputs["vision_features"] = value
    shapes = {k: [tuple(t.shape) for t in v] if isinstance(v, list) else tuple(v.shape) for k, v in inputs.items()}
    assert shapes == want


def test_text_features_have_the_width():
    ctx = _ctx(Sam3DetrDecoder, Sam3DETRDecoderConfig(hidden_size=48))
    assert feature_input_for("text_features", ctx, {}, torch.Generator().manual_seed(0)).shape[-1] == 48


def test_unknown_name():
    ctx = _ctx(Sam3DetrDecoder, Sam3DETRDecoderConfig())
    assert feature_input_for("prompt_features", ctx, {}, torch.Generator().manual_seed(0)) is None


def test_backbone_features_are_fpn_levels():
    from transformers import Sam3MaskDecoderConfig
    from transformers.models.sam3.modeling_sam3 import Sam3MaskDecoder

    ctx = _ctx(Sam3MaskDecoder, Sam3MaskDecoderConfig(hidden_size=32, num_upsampling_stages=3))
    inputs = {}
    maps = feature_input_for("backbone_features", ctx, inputs, torch.Generator().manual_seed(0))
    side = FEATURE_SIDE
    assert [tuple(m.shape) for m in maps] == [(2, 32, side * 8, side * 8), (2, 32, side * 4, side * 4),
                                              (2, 32, side * 2, side * 2), (2, 32, side, side)]
    assert tuple(inputs["encoder_hidden_states"].shape) == (2, side * side, 32)  # one row per coarsest cell
