"""Shrink and input rules of image and video models, on real transformers configs (skipped without transformers)."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from hwcov_harness import harness  # noqa: E402
from hwcov_harness.shrink_vision import TINY_TIMM_ARCHITECTURE, round_filters  # noqa: E402
from hwcov_harness.vision_inputs import main_input_wanted, vision_input_for  # noqa: E402


def tiny(model_type, level="tiny"):
    return harness.shrink_config(transformers.AutoConfig.for_model(model_type), seq_len=128, level=level)


@pytest.mark.parametrize("model_type", ["efficientnet", "align_vision_model"])
@pytest.mark.parametrize("level", ["tiny", "small"])
def test_compound_scaled_convnets_shrink_through_their_coefficients(model_type, level):
    c = tiny(model_type, level)
    assert c.width_coefficient <= 0.5 and c.depth_coefficient <= 0.25
    # the head's width is the scaled base width of 1280 channels, as the model computes it
    assert c.hidden_dim == round_filters(1280, c.width_coefficient, c.depth_divisor)
    assert c.image_size <= harness.TINY_IMAGE_SIZE


def test_tiny_efficientnet_builds_and_runs():
    c = tiny("efficientnet")
    model = transformers.EfficientNetModel(c).eval()
    with torch.no_grad():
        out = model(pixel_values=torch.randn(1, 3, 64, 64))
    assert out.pooler_output.shape[1] == c.hidden_dim
    assert sum(p.numel() for p in model.parameters()) < 1_000_000


@pytest.mark.parametrize(
    "model_type, attr, want",
    [
        ("inkling_vision", "num_hidden_layers", 2),  # a field to_dict() writes as n_layers (attribute_map)
        ("eomt", "num_blocks", 2),  # query blocks counted from the end: at most the shrunk layers
        ("timm_backbone", "backbone", TINY_TIMM_ARCHITECTURE),  # no architecture named by default
        ("cvt", "embed_dim", [8, 24, 48]),
        ("superpoint", "max_keypoints", 64),  # -1 (every keypoint) by default
        ("eomt", "image_size", 224),  # 640, tiled by 16-pixel patches
        ("sam_vision_model", "image_size", 224),  # 1024
        ("vit", "image_size", 224),  # already small: unchanged  # per-stage widths under a width's name, one factor for all
    ],
)
def test_config_rules(model_type, attr, want):
    assert getattr(tiny(model_type), attr) == want


def test_eomt_query_blocks_left_alone_when_they_fit():
    c = harness.shrink_config(transformers.EomtConfig(num_blocks=1), seq_len=128)
    assert c.num_blocks == 1


def _ctx(model_type, model=None):
    return harness.Context(config=tiny(model_type), batch_size=2, seed=0, model=model, seq_len=128)


@pytest.mark.parametrize(
    "model_type, name, shape",
    [
        ("pix2struct_vision_model", "flattened_patches", (2, 16, 2 + 768)),  # row, column, 16 x 16 x 3 pixels
        ("videomt", "pixel_values_videos", None),
        ("siglip2_vision_model", "spatial_shapes", (2, 2)),
        ("minicpm_ocr_vision", "target_sizes", (2, 2)),
    ],
)
def test_inputs_by_name(model_type, name, shape):
    ctx = _ctx(model_type)
    inputs = {}
    value = vision_input_for(name, ctx, inputs, torch.Generator().manual_seed(0))
    if name == "pixel_values_videos":
        channels, height, width = harness.image_geometry(ctx.config)
        shape = (2, harness.num_frames(ctx.config), channels, height, width)
    if name == "flattened_patches":
        shape = (2, 16, 2 + ctx.config.patch_embed_hidden_size)
        assert value[0, :, :2].min() >= 1 and value[0, :, :2].max() < ctx.config.seq_len
    assert tuple(value.shape) == shape
    if name == "spatial_shapes":  # the rows replace the template's image, with their mask
        assert inputs["pixel_values"].shape[:2] == (2, 16) and inputs["pixel_attention_mask"].shape == (2, 16)


@pytest.mark.parametrize(
    "main, wanted, built, want",
    [
        ("input_ids", ["input_ids", "pixel_values"], {"pixel_values": 1}, {"input_ids"}),  # ImageGPT in vision
        ("input_ids", ["input_ids", "inputs_embeds"], {"inputs_embeds": 1}, set()),
        ("pixel_values", ["pixel_values"], {"pixel_values": 1}, set()),
        ("pixel_values", ["flattened_patches"], {}, {"flattened_patches"}),
        ("pixel_values", ["pixel_values", "target_sizes"], {"pixel_values": 1}, {"target_sizes"}),
    ],
)
def test_main_input_wanted(main, wanted, built, want):
    model = type("M", (), {"main_input_name": main})()
    assert main_input_wanted(model, wanted, built) == want


def test_keypoint_matchers_get_image_pairs():
    matcher = type("LightGlueForKeypointMatching", (), {})()
    pixels = torch.randn(2, 3, 8, 8)
    pairs = harness.image_pairs(matcher, {"pixel_values": pixels, "pixel_mask": torch.ones(2, 8, 8)})
    assert pairs["pixel_values"].shape == (2, 2, 3, 8, 8) and "pixel_mask" not in pairs
    assert not torch.equal(pairs["pixel_values"][:, 0], pairs["pixel_values"][:, 1])
    other = type("ViTModel", (), {})()
    assert harness.image_pairs(other, {"pixel_values": pixels})["pixel_values"].shape == (2, 3, 8, 8)


@pytest.mark.parametrize(
    "conv, want",
    [
        (torch.nn.Conv2d(3, 8, kernel_size=14, stride=14), (16, 3, 14, 14)),  # Kimi-K2.5: patches as images
        (torch.nn.Conv3d(3, 8, kernel_size=(2, 14, 14)), (16, 588)),  # Qwen2-VL: rows, viewed inside
    ],
)
def test_patch_rows_layout(conv, want):
    rows = torch.randn(16, 588)
    assert tuple(harness.patch_rows_layout(torch.nn.Sequential(conv), None, rows).shape) == want


def test_a_conv_tower_driven_by_hidden_states_gets_the_image():
    ctx = _ctx("florence_vision", model=torch.nn.Sequential(torch.nn.Conv2d(3, 8, kernel_size=7)))
    value = vision_input_for("hidden_states", ctx, {}, torch.Generator().manual_seed(0))
    assert tuple(value.shape) == (2, *harness.image_geometry(ctx.config))
    ctx.model = torch.nn.Sequential(torch.nn.Linear(3, 8))  # no convolution over the image: no rule here
    assert vision_input_for("hidden_states", ctx, {}, torch.Generator().manual_seed(0)) is None


@pytest.mark.parametrize(
    "config_class, want",
    [
        ("LwDetrViTConfig", "LwDetrViTBackbone"),  # the backbone, not the inner encoder driven by hidden_states
        ("RfDetrDinov2Config", "RfDetrDinov2Backbone"),
    ],
)
def test_catalog_prefers_the_class_driven_by_the_input(config_class, want):
    from hwcov_harness.catalog_sync import model_class

    path, note = model_class(getattr(transformers, config_class))
    assert path.endswith("." + want), (path, note)


def test_large_images_stay_at_the_capped_level():
    assert tiny("eomt", level="capped").image_size == 640


def test_square_list_images_of_strided_patch_towers_shrink():
    c = tiny("sam2_vision_model")
    assert c.backbone_config.image_size == [harness.TINY_IMAGE_SIZE, harness.TINY_IMAGE_SIZE]  # Hiera: [1024, 1024]
