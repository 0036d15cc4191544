"""patch_rows_inputs: a forward() naming patch positions (spatial_shapes, pixel_position_ids) gets patch rows."""

import pytest
import torch
from transformers import Gemma4VisionConfig, Siglip2Config, Siglip2VisionConfig

from hwcov_harness.vision_inputs import patch_rows_inputs


def _image(dims):
    return torch.zeros(*([1] * (dims - 3)), 3, 224, 224)


@pytest.mark.parametrize(
    "config, wanted, dims, want",
    [
        # SigLIP2: optional spatial_shapes and a per-pixel mask from the image template -> rows of 3*p*p, a row mask
        (Siglip2Config(vision_config={"patch_size": 16}), ["pixel_values", "pixel_attention_mask", "spatial_shapes"], 5,
         {"pixel_values": (1, 16, 768), "spatial_shapes": (1, 2), "pixel_attention_mask": (1, 16)}),
        (Siglip2VisionConfig(patch_size=4), ["pixel_values", "spatial_shapes"], 4,
         {"pixel_values": (1, 16, 48), "spatial_shapes": (1, 2)}),
        # Gemma4 vision: pooling_kernel_size 3 -> a 6 x 6 grid, (x, y) of each patch
        (Gemma4VisionConfig(patch_size=16), ["pixel_values", "pixel_position_ids"], 4,
         {"pixel_values": (1, 36, 768), "pixel_position_ids": (1, 36, 2)}),
    ],
)
def test_patch_rows_replace_the_image(config, wanted, dims, want):
    out = patch_rows_inputs(config, wanted, {"pixel_values": _image(dims)}, 1, torch.Generator().manual_seed(0))
    assert {k: tuple(v.shape) for k, v in out.items()} == want


def test_positions_cover_the_grid():
    out = patch_rows_inputs(Gemma4VisionConfig(), ["pixel_values", "pixel_position_ids"],
                            {"pixel_values": _image(4)}, 1, torch.Generator().manual_seed(0))
    xy = {tuple(p) for p in out["pixel_position_ids"][0].tolist()}
    assert xy == {(x, y) for x in range(6) for y in range(6)}


@pytest.mark.parametrize(
    "wanted, inputs",
    [
        (["pixel_values"], {"pixel_values": _image(4)}),  # nothing positions patches: a square image stays
        (["pixel_values", "spatial_shapes"], {"pixel_values": torch.zeros(1, 16, 48)}),  # already rows
        (["pixel_values", "spatial_shapes"], {"pixel_values": _image(4), "spatial_shapes": torch.ones(1, 2)}),
    ],
)
def test_inputs_unchanged(wanted, inputs):
    out = patch_rows_inputs(Siglip2VisionConfig(), wanted, inputs, 1, torch.Generator().manual_seed(0))
    assert out is inputs


class _Sets(torch.nn.Module):
    def forward(self, pixel_values):
        batch_size, frames, channel, height, width = pixel_values.shape
        return pixel_values


class _Square(torch.nn.Module):
    def forward(self, pixel_values):
        batch_size, channel, height, width = pixel_values.shape
        return pixel_values


class _Holder(torch.nn.Module):  # a retrieval head around a model whose get_image_features reads sets
    def __init__(self):
        super().__init__()
        self.vlm = _Inner()

    def forward(self, pixel_values):
        return self.vlm(pixel_values)


class _Inner(torch.nn.Module):
    def get_image_features(self, pixel_values):
        batch_size, num_images, num_channels, height, width = pixel_values.shape
        return pixel_values


@pytest.mark.parametrize(
    "model, dims, want",
    [
        (_Sets(), 4, (1, 1, 3, 224, 224)),  # the model unpacks five names: one image per set
        (_Holder(), 4, (1, 1, 3, 224, 224)),  # ... in a wrapped model's get_image_features
        (_Square(), 4, (1, 3, 224, 224)),  # four names: unchanged
        (_Sets(), 5, (1, 1, 3, 224, 224)),  # already sets: unchanged
    ],
)
def test_images_as_sets(model, dims, want):
    from hwcov_harness.vision_inputs import images_as_sets

    assert tuple(images_as_sets(model, {"pixel_values": _image(dims)})["pixel_values"].shape) == want


def test_no_rows_for_a_model_without_pixel_values():
    # a DETR decoder naming spatial_shapes reads feature rows, not an image: the template's image is left alone
    inputs = {"pixel_values": _image(4)}
    out = patch_rows_inputs(Siglip2VisionConfig(), ["vision_features", "spatial_shapes"], inputs, 1,
                            torch.Generator().manual_seed(0))
    assert out is inputs
