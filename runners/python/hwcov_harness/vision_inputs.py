"""Image and video inputs named by forward() that the category templates do not build.

vision_input_for(name, ctx, inputs, generator) is consulted by
inputs.complete_inputs for a required parameter no general rule knows:
flattened_patches (Pix2Struct-likes: rows of [row, column, patch pixels]),
pixel_values_videos (a clip of frames), NaFlex patch rows with their mask and
spatial_shapes (SigLIP2-likes). image_pairs() turns a batch of images into the
(batch, 2, channels, height, width) pairs keypoint matchers compare.
main_input_wanted() names the model's main input when a template built none of it, and
target_sizes (optional in MiniCPM-style towers' signatures, read unconditionally).
patch_rows_inputs() turns a square image into patch rows when forward() names patch positions
(spatial_shapes, pixel_position_ids); images_as_sets() gives pixel_values a one-image axis when the model's
code unpacks pixel_values.shape into five names.
"""

import inspect
import re

from .feature_inputs import feature_input_for
from .geometry import image_geometry, num_frames, vision_config
from .sizes import _get, _is_int

FLAT_PATCH_SIDE = 4  # flattened_patches / NaFlex rows: a 4 x 4 grid of patches


def _flattened_patches(config, batch, generator):
    """(batch, side^2, 2 + patch features): row and column ids (from 1, 0 is padding) then the patch's pixels."""
    import torch

    vc = vision_config(config)
    features = _get(vc, "patch_embed_hidden_size", default=None)
    if not _is_int(features):
        channels, _, _ = image_geometry(config)
        p = _get(vc, "patch_size", default=16)
        features = channels * int(p) * int(p)
    side = FLAT_PATCH_SIDE
    rows = torch.arange(1, side + 1).repeat_interleave(side).float()
    cols = torch.arange(1, side + 1).repeat(side).float()
    ids = torch.stack([rows, cols], dim=-1).expand(batch, -1, -1)
    return torch.cat([ids, torch.randn(batch, side * side, int(features), generator=generator)], dim=-1)


def _naflex_rows(config, batch, generator):
    """SigLIP2-style patch rows: pixel_values (batch, side^2, channels x p x p), all valid, spatial_shapes (side, side)."""
    import torch

    vc = vision_config(config)
    channels, _, _ = image_geometry(config)
    p = int(_get(vc, "patch_size", default=16))
    side = FLAT_PATCH_SIDE
    return {
        "pixel_values": torch.randn(batch, side * side, channels * p * p, generator=generator),
        "pixel_attention_mask": torch.ones(batch, side * side, dtype=torch.long),
        "spatial_shapes": torch.tensor([[side, side]] * batch, dtype=torch.long),
    }


def vision_input_for(name, ctx, inputs, generator):
    """One missing required image/video input by its name, or None when no rule here knows it."""
    import torch

    config, batch = ctx.config, ctx.batch_size
    if name == "flattened_patches":
        return _flattened_patches(config, batch, generator)
    if name == "pixel_values_videos":
        channels, height, width = image_geometry(config)
        return torch.randn(batch, num_frames(config), channels, height, width, generator=generator)
    if name == "hidden_states" and _first_conv_reads_image(ctx.model, config):  # a conv tower named so (Florence-2)
        channels, height, width = image_geometry(config)
        return torch.randn(batch, channels, height, width, generator=generator)
    if name == "merge_sizes":  # VideoLLaMA3-style towers: each image's spatial merge (the grid's, else 1)
        merge = _get(vision_config(config), "spatial_merge_size", "merge_size", default=1)
        return torch.tensor([int(merge) if _is_int(merge) else 1] * batch, dtype=torch.long)
    if name == "target_sizes":  # each image's patch grid (rows, columns)
        _, height, width = image_geometry(config)
        p = int(_get(vision_config(config), "patch_size", default=16))
        return torch.tensor([[height // p, width // p]] * batch, dtype=torch.int32)
    if name in ("spatial_shapes", "pixel_attention_mask"):
        rows = _naflex_rows(config, batch, generator)
        inputs["pixel_values"] = rows["pixel_values"]  # the rows replace a template's square image
        inputs.update({k: v for k, v in rows.items() if k != name})
        return rows[name]
    return feature_input_for(name, ctx, inputs, generator)


# forward() parameters that place patch rows on their grid: a model naming one reads patch rows, not a square image
PATCH_POSITION_INPUTS = ("spatial_shapes", "pixel_position_ids")


def _patch_grid_side(config):
    """Patches per side of the rows' grid: FLAT_PATCH_SIDE, rounded up to a multiple of the pooling kernel
    (pooling_kernel_size) so a pooler over k x k patches tiles the grid."""
    k = _get(vision_config(config), "pooling_kernel_size", default=1)
    k = int(k) if _is_int(k) and k > 0 else 1
    return -(-FLAT_PATCH_SIDE // k) * k


def patch_rows_inputs(config, wanted, inputs, batch, generator):
    """inputs with a square image (batch, [images,] channels, height, width) replaced by patch rows when forward() names a
    parameter that positions patches (PATCH_POSITION_INPUTS), optional or not: pixel_values (batch, side^2,
    channels x p x p) plus the named positions (spatial_shapes (side, side), pixel_position_ids (x, y) of each
    patch) and pixel_attention_mask (one per row, replacing a per-pixel one) when forward() names it. Otherwise
    inputs unchanged."""
    import torch

    named = [n for n in PATCH_POSITION_INPUTS if n in wanted and n not in inputs]
    pixels = inputs.get("pixel_values")
    if not named or "pixel_values" not in wanted or not hasattr(pixels, "dim") or pixels.dim() not in (4, 5):
        return inputs
    channels, _, _ = image_geometry(config)
    p = int(_get(vision_config(config), "patch_size", default=16))
    side = _patch_grid_side(config)
    out = dict(inputs)
    out["pixel_values"] = torch.rand(batch, side * side, channels * p * p, generator=generator)
    if "spatial_shapes" in named:
        out["spatial_shapes"] = torch.tensor([[side, side]] * batch, dtype=torch.long)
    if "pixel_position_ids" in named:
        xy = torch.stack([torch.arange(side).repeat(side), torch.arange(side).repeat_interleave(side)], dim=-1)
        out["pixel_position_ids"] = xy.expand(batch, -1, -1).clone()
    if "pixel_attention_mask" in wanted:
        out["pixel_attention_mask"] = torch.ones(batch, side * side, dtype=torch.long)
    return out


# a line unpacking pixel_values.shape into names: "batch_size, frames, channel, height, width = pixel_values.shape"
_SHAPE_UNPACK = re.compile(r"^\s*(\w+(?:\s*,\s*\w+)+)\s*=\s*pixel_values\.shape\s*$", re.M)


def _unpacked_rank(fn):
    """How many names fn's source unpacks pixel_values.shape into, 0 when none."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return 0
    return max((len(m.group(1).split(",")) for m in _SHAPE_UNPACK.finditer(source)), default=0)


def pixel_values_rank(model):
    """The rank the model's own code reads pixel_values at: the most names forward() or get_image_features()
    of the model, or of a wrapped model it holds (a retrieval head's vlm), unpack pixel_values.shape into."""
    holders = [model] + [m for m in getattr(model, "children", lambda: [])() if hasattr(m, "get_image_features")]
    fns = [getattr(type(h), n, None) for h in holders for n in ("forward", "get_image_features")]
    return max((_unpacked_rank(f) for f in fns if f is not None), default=0)


def images_as_sets(model, inputs):
    """inputs with a 4-d pixel_values given a one-image (or one-frame) axis, (batch, 1, channels, height, width),
    when the model's code unpacks pixel_values.shape into five names (InstructBLIP-Video, ModernVBERT)."""
    pixels = inputs.get("pixel_values")
    if not hasattr(pixels, "dim") or pixels.dim() != 4 or pixel_values_rank(model) != 5:
        return inputs
    return {**inputs, "pixel_values": pixels.unsqueeze(1)}


def main_input_wanted(model, wanted, inputs):
    """{main input} when forward() names it, it is optional and nothing built stands in for it (input_ids of an
    image-token model in the vision category: ImageGPT); otherwise empty."""
    name = getattr(model, "main_input_name", "") or ""
    if "flattened_patches" in wanted and "pixel_values" not in wanted:  # Pix2Struct-likes: the patches drive it
        name = "flattened_patches"
    extra = {"target_sizes"} if "target_sizes" in wanted and "pixel_values" in inputs else set()
    if not name or name not in wanted or name in inputs or "inputs_embeds" in inputs:
        return extra
    return {name} | extra


def is_keypoint_matcher(model):
    """True when transformers lists the model's class under keypoint matching (SuperGlue, LightGlue, LoFTR)."""
    try:
        from transformers.models.auto.modeling_auto import MODEL_FOR_KEYPOINT_MATCHING_MAPPING_NAMES
    except ImportError:
        return False
    return type(model).__name__ in set(MODEL_FOR_KEYPOINT_MATCHING_MAPPING_NAMES.values())


def image_pairs(model, inputs):
    """inputs with pixel_values as (batch, 2, channels, height, width) pairs when model is a keypoint matcher."""
    pixels = inputs.get("pixel_values")
    if pixels is None or pixels.dim() != 4 or not is_keypoint_matcher(model):
        return inputs
    out = dict(inputs)
    out["pixel_values"] = pixels[:, None].repeat(1, 2, 1, 1, 1)
    out["pixel_values"][:, 1] = pixels.flip(-1)  # the second image: the first mirrored, so matches exist
    out.pop("pixel_mask", None)
    return out


def _first_conv(model):
    modules = getattr(model, "modules", None)
    return next((m for m in modules() if type(m).__name__ in ("Conv2d", "Conv3d")), None) if callable(modules) else None


def _first_conv_reads_image(model, config):
    """True when the model's first convolution is 2-d over the image's channels: its input is the image."""
    first = _first_conv(model)
    return first is not None and type(first).__name__ == "Conv2d" and first.in_channels == image_geometry(config)[0]


def patch_rows_layout(model, config, rows):
    """Flattened patch rows as the tower's patch embedding reads them: (patches, channels, p, p) when its first
    convolution is 2-d with a patch-sized kernel (Kimi-K2.5), else the rows unchanged (Conv3d towers view them)."""
    first = _first_conv(model)
    if first is None or type(first).__name__ != "Conv2d":
        return rows
    channels, p = first.in_channels, first.kernel_size[0]
    if rows.shape[-1] != channels * p * p:
        return rows
    return rows.reshape(rows.shape[0], channels, p, p)
