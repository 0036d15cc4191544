"""Feature inputs of sub-models driven directly: a detection encoder/decoder's vision and text features.

feature_input_for(name, ctx, inputs, generator) builds, by name, what a DETR-style encoder or decoder
built on its own (SAM3's) takes instead of an image and a prompt:
vision_features as the forward() annotation says, a list of feature maps (batch, hidden, side, side) or
flattened rows (batch, side^2, hidden); its position encodings (vision_pos_embeds, vision_pos_encoding) of
the same shape; text_features and decoder_queries (batch, length, hidden); backbone_features, an FPN's
levels of maps (with the encoder_hidden_states that replace the coarsest). hidden is the config's hidden_size, so every
feature has the width the model's projections read.
"""

import inspect
import typing

from .sizes import _get, _is_int

FEATURE_SIDE = 8  # feature maps: an 8 x 8 grid
TEXT_FEATURE_LENGTH = 6

_POSITIONS = ("vision_pos_embeds", "vision_pos_encoding")


def _annotation(model, name):
    p = inspect.signature(type(model).forward).parameters.get(name)
    return None if p is None else p.annotation


def _is_list(annotation):
    """True when annotation is list[...] (or list[...] | None)."""
    if typing.get_origin(annotation) is list or annotation is list:
        return True
    return any(_is_list(a) for a in typing.get_args(annotation) if typing.get_origin(annotation) is not list)


def _vision_features(model, name, batch, hidden, generator):
    import torch

    if _is_list(_annotation(model, name)):
        return [torch.randn(batch, hidden, FEATURE_SIDE, FEATURE_SIDE, generator=generator)]
    return torch.randn(batch, FEATURE_SIDE * FEATURE_SIDE, hidden, generator=generator)


def _companions(model, name, inputs, batch, hidden, generator):
    """What goes with vision features when forward() names it, optional or not: their position encodings.
    The optional grid of flattened rows (spatial_shapes) is left out: it only switches on a box-relative
    attention bias, whose shapes are the model's own business."""
    params = inspect.signature(type(model).forward).parameters
    out = {p: _vision_features(model, p, batch, hidden, generator) for p in _POSITIONS if p in params and p != name}
    return {k: v for k, v in out.items() if k not in inputs}


def _backbone_features(ctx, inputs, hidden, generator):
    """num_upsampling_stages + 1 feature maps (batch, hidden, side, side), the coarsest FEATURE_SIDE; and, when
    forward() names it and nothing built it, encoder_hidden_states with one row per cell of the coarsest map
    (the encoder's output replaces that level)."""
    import torch

    stages = _get(ctx.config, "num_upsampling_stages", default=0)
    levels = (int(stages) if _is_int(stages) else 0) + 1
    sides = [FEATURE_SIDE * 2 ** (levels - 1 - i) for i in range(levels)]
    maps = [torch.randn(ctx.batch_size, hidden, s, s, generator=generator) for s in sides]
    if "encoder_hidden_states" in inspect.signature(type(ctx.model).forward).parameters:
        rows = torch.randn(ctx.batch_size, FEATURE_SIDE * FEATURE_SIDE, hidden, generator=generator)
        inputs.setdefault("encoder_hidden_states", rows)
    return maps


def feature_input_for(name, ctx, inputs, generator):
    """One missing required feature input by its name, or None when no rule here knows it."""
    import torch

    hidden = _get(ctx.config, "hidden_size", "d_model", default=None)
    if not _is_int(hidden):
        return None
    batch = ctx.batch_size
    if name == "vision_features" or name in _POSITIONS:
        value = _vision_features(ctx.model, name, batch, int(hidden), generator)
        inputs.update(_companions(ctx.model, name, inputs, batch, int(hidden), generator))
        return value
    if name == "backbone_features":  # an FPN's input: finest first, each level half the side of the one before
        return _backbone_features(ctx, inputs, int(hidden), generator)
    if name == "decoder_queries":
        return torch.randn(batch, TEXT_FEATURE_LENGTH, int(hidden), generator=generator)
    if name == "text_features":
        return torch.randn(batch, TEXT_FEATURE_LENGTH, int(hidden), generator=generator)
    return None
