"""Shrink rules of image models whose sizes are not plain widths: compound-scaled convnets.

_fix_vision(orig, d, sizes) runs after the generic fixes of shrink_dict:
EfficientNet-style configs (width_coefficient, depth_coefficient, depth_divisor)
derive every channel count and block repeat from their coefficients, and
hidden_dim (the head's width) must equal the scaled base width. The tiny levels
scale the coefficients down, hidden_dim follows, and the image is capped at
TINY_IMAGE_SIZE (a convnet has no position table tied to it).
"""

from .sizes import TINY_IMAGE_SIZE, _is_int, _is_subconfig

# Coefficients of the widths (channels x coefficient) and depths (repeats x coefficient) at each level.
COMPOUND_WIDTH = {"tiny": 0.25, "small": 0.5}
COMPOUND_DEPTH = 0.25  # ceil(0.25 x repeats): one or two blocks a stage


def round_filters(channels, width, divisor):
    """EfficientNet's channel rounding: channels x width to a multiple of divisor, never 10% below."""
    scaled = channels * width
    new = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    if new < 0.9 * scaled:
        new += divisor
    return int(new)


def _level(sizes):
    hidden = sizes.get("hidden")
    if hidden is None:
        return None
    return "tiny" if hidden <= 32 else "small"


def _fix_compound(orig, d, level):
    width, depth, divisor = (d.get(k) for k in ("width_coefficient", "depth_coefficient", "depth_divisor"))
    if not (isinstance(width, (int, float)) and isinstance(depth, (int, float)) and _is_int(divisor)) or width <= 0:
        return
    new_width = min(width, COMPOUND_WIDTH[level])
    d["width_coefficient"] = new_width
    d["depth_coefficient"] = min(depth, COMPOUND_DEPTH)
    base = orig.get("hidden_dim")
    if _is_int(base):  # the head's width is round_filters(base): base = hidden_dim / width_coefficient
        d["hidden_dim"] = round_filters(round(base / width), new_width, divisor)
    if _is_int(d.get("image_size")):
        d["image_size"] = min(d["image_size"], TINY_IMAGE_SIZE)


def _fix_tail_blocks(orig, d):
    """num_blocks counted from the end of the layer stack (EoMT's query blocks) stays within the shrunk stack."""
    blocks, layers, orig_layers = d.get("num_blocks"), d.get("num_hidden_layers"), orig.get("num_hidden_layers")
    if _is_int(blocks) and _is_int(layers) and _is_int(orig_layers) and blocks < orig_layers and blocks > layers:
        d["num_blocks"] = layers


# A timm backbone config names no architecture by default: a small one timm builds without weights.
TINY_TIMM_ARCHITECTURE = "resnet10t"


def _fix_unnamed_timm(d):
    """A timm backbone without a backbone name gets TINY_TIMM_ARCHITECTURE (timm needs a name to build anything)."""
    if d.get("model_type") == "timm_backbone" and "backbone" in d and not d["backbone"]:
        d["backbone"] = TINY_TIMM_ARCHITECTURE


# Per-stage widths under a singular width's name (CvT: embed_dim [64, 192, 384]). Their depths stay: CvT
# indexes a stage's drop-path rates by the stage's number, so a stage needs more blocks than its index.
_STAGE_WIDTH_KEYS = ("embed_dim", "hidden_size")


def _fix_stage_lists(d, sizes):
    """Per-stage widths under a width's name scale down together, as the generic stage lists do.

    One power of two divides every width, so each stage's heads still divide it.
    """
    limit = sizes.get("dim_list")
    for k in _STAGE_WIDTH_KEYS:
        v = d.get(k)
        if isinstance(v, list) and v and all(_is_int(x) and x > 0 for x in v) and limit and max(v) > limit:
            f = 1
            while max(v) / f > limit:
                f *= 2
            d[k] = [max(8, x // f) for x in v]


# Keypoints a tiny detector keeps (SuperPoint's default -1 keeps every one: thousands, each matched in every layer).
TINY_MAX_KEYPOINTS = 64


def _fix_keypoints(d):
    """A keypoint detector's unlimited (or larger) max_keypoints is capped at TINY_MAX_KEYPOINTS."""
    v = d.get("max_keypoints")
    if _is_int(v) and (v <= 0 or v > TINY_MAX_KEYPOINTS):
        d["max_keypoints"] = TINY_MAX_KEYPOINTS


def _fix_large_image(d):
    """A patch model's image over 2 x TINY_IMAGE_SIZE (SAM: 1024, EoMT: 640) is TINY_IMAGE_SIZE at the tiny levels,
    when its patches tile it: the patch grid and position tables derive from image_size."""
    size, patch = d.get("image_size"), d.get("patch_size", d.get("patch_stride"))
    square = isinstance(size, list) and len(size) == 2 and size[0] == size[1] and _is_int(size[0])
    if isinstance(patch, list) and len(patch) == 2 and patch[0] == patch[1]:  # Hiera: [4, 4]
        patch = patch[0]
    if not (_is_int(patch) and patch > 0 and TINY_IMAGE_SIZE % patch == 0):
        return
    if _is_int(size) and size > 2 * TINY_IMAGE_SIZE:
        d["image_size"] = TINY_IMAGE_SIZE
    elif square and size[0] > 2 * TINY_IMAGE_SIZE:  # SAM2's Hiera: [1024, 1024]
        d["image_size"] = [TINY_IMAGE_SIZE, TINY_IMAGE_SIZE]


def _fix_vision(orig, d, sizes):
    """The vision rules above, recursively through sub-configs; nothing at the capped level."""
    level = _level(sizes)
    if level is None:
        return
    for k, v in d.items():
        if _is_subconfig(v) and isinstance(orig.get(k), dict):
            _fix_vision(orig[k], v, sizes)
    _fix_compound(orig, d, level)
    _fix_tail_blocks(orig, d)
    _fix_unnamed_timm(d)
    _fix_stage_lists(d, sizes)
    _fix_keypoints(d)
    _fix_large_image(d)
