"""The names every generated test calls: `from hwcov_harness import harness`, then harness.execute(...).

This module holds no code of its own; it re-exports, under the names the
templates use, what the harness's modules do, each one thing:

    stages.py        execute(module, params): the stages in order, timed, into one record; Context; main
    ladder.py        shrink_ladder: tiny, then small, then capped, within PARAMETER_BUDGET
    record.py        the result record: statuses, Skip / NotBuildable, error_line, jsonable,
                     missing optional packages, sample_stats, environment
    memory.py        MemorySampler (heap or RSS peak on a thread), settle_garbage
    tensors.py       tensor_items, summarize_outputs, describe_inputs / describe_model, map_tensors
    inputs.py        forward() parameters and complete_inputs: what a template left out, from the config
    geometry.py      which sub-config describes text, images, audio; shapes, lengths and token ids
    shrink.py        shrink_config / shrink_dict: widths, depths, heads capped by name; estimate_parameters
    shrink_fixes.py  derived dimensions made to agree again after shrinking
    config_repairs.py  layer patterns, unset fields, pixel shuffles; build_model_with (attributes handed down)
    sizes.py         the sizes of each shrink level and the names config entries go by

Beside them: profile.py (`--profile layers|memory`), reference.py (stored CPU
outputs), backends.py (OpenVINO and ONNX Runtime), onnx_export.py (the ONNX
export and its cache), browser.py (webgpu / webnn through the browser service),
worker.py (the JSON-lines worker the Go runner drives). None of them imports
this module, so the modules form no import circle
(tests/test_structure.py checks it).
"""

from .config_repairs import build_model_with
from .geometry import (
    audio_config,
    audio_features_shape,
    audio_frames,
    audio_samples,
    audio_token_id,
    decoder_start_token_id,
    image_feature_counts,
    image_geometry,
    image_token_id,
    mel_features_shape,
    num_frames,
    patch_grid,
    special_token_ids,
    sub_config,
    text_config,
    text_length,
    text_vocab,
    token_ids,
    vision_config,
    waveform_shape,
)
from .inputs import (
    accepted_inputs,
    complete_inputs,
    forward_parameters,
    image_features_function,
    main_input_name,
    required_parameters,
    time_series_inputs,
    time_series_length,
)
from .ladder import shrink_ladder
from .memory import MemorySampler, settle_garbage
from .record import (
    CORE_PACKAGES,
    NOT_INSTALLABLE,
    STATUS_FAIL,
    STATUS_NOT_BUILDABLE,
    STATUS_PASS,
    STATUS_SKIP,
    LadderExhausted,
    NotBuildable,
    Skip,
    backend_skip_reason,
    environment,
    error_line,
    jsonable,
    missing_backend,
    new_result,
    sample_stats,
)
from .shrink import (
    MAX_VALIDATOR_REPAIRS,
    TINY_RESNET_BACKBONE,
    _validator_repair,
    deep_merge,
    estimate_parameters,
    shrink_config,
    shrink_dict,
)
from .shrink_fixes import _fix_agreement, _fix_groups
from .sizes import (
    LEVEL_SIZES,
    MAX_IMAGE_SIZE,
    MAX_POSITIONS_CAP,
    MAX_SOURCE_POSITIONS,
    PARAMETER_BUDGET,
    SHRINK_LEVELS,
    TIME_SERIES_PREDICTION_LENGTH,
    TINY_EXPERTS,
    TINY_EXPERTS_PER_TOKEN,
    TINY_HEADS,
    TINY_HIDDEN,
    TINY_IMAGE_SIZE,
    TINY_INTERMEDIATE,
    TINY_KV_HEADS,
    TINY_LAYERS,
    TINY_LORA_RANK,
    TINY_ROPE_HEAD_DIM,
    TINY_STATE,
    TINY_VOCAB,
)
from .stages import DEFAULT_ITERATIONS, DEFAULT_WARMUP, Context, execute, main, model_class
from .vision_inputs import image_pairs, patch_rows_layout
from .tensors import describe_inputs, describe_model, map_tensors, summarize_outputs, tensor_items, tensor_stats

__all__ = [
    # stages
    "DEFAULT_ITERATIONS", "DEFAULT_WARMUP", "Context", "execute", "main", "model_class",
    # ladder
    "shrink_ladder",
    # record
    "CORE_PACKAGES", "NOT_INSTALLABLE", "STATUS_FAIL", "STATUS_NOT_BUILDABLE", "STATUS_PASS", "STATUS_SKIP",
    "LadderExhausted", "NotBuildable", "Skip", "backend_skip_reason", "environment", "error_line", "jsonable",
    "missing_backend", "new_result", "sample_stats",
    # memory
    "MemorySampler", "settle_garbage",
    # tensors
    "describe_inputs", "describe_model", "map_tensors", "summarize_outputs", "tensor_items", "tensor_stats",
    # inputs
    "accepted_inputs", "complete_inputs", "forward_parameters", "image_features_function", "main_input_name", "required_parameters",
    "time_series_inputs", "time_series_length",
    # vision_inputs
    "image_pairs", "patch_rows_layout",
    # geometry
    "audio_config", "audio_features_shape", "audio_frames", "audio_samples", "audio_token_id",
    "decoder_start_token_id", "image_feature_counts", "image_geometry", "image_token_id", "mel_features_shape",
    "num_frames", "patch_grid", "special_token_ids", "sub_config", "text_config", "text_length", "text_vocab",
    "token_ids", "vision_config", "waveform_shape",
    # config_repairs
    "build_model_with",
    # shrink, shrink_fixes (the underscored ones are tested by name)
    "MAX_VALIDATOR_REPAIRS", "TINY_RESNET_BACKBONE", "deep_merge", "estimate_parameters", "shrink_config",
    "shrink_dict", "_validator_repair", "_fix_agreement", "_fix_groups",
    # sizes
    "LEVEL_SIZES", "MAX_IMAGE_SIZE", "MAX_POSITIONS_CAP", "MAX_SOURCE_POSITIONS", "PARAMETER_BUDGET", "SHRINK_LEVELS",
    "TIME_SERIES_PREDICTION_LENGTH", "TINY_EXPERTS", "TINY_EXPERTS_PER_TOKEN", "TINY_HEADS", "TINY_HIDDEN",
    "TINY_IMAGE_SIZE", "TINY_INTERMEDIATE", "TINY_KV_HEADS", "TINY_LAYERS", "TINY_LORA_RANK", "TINY_ROPE_HEAD_DIM",
    "TINY_STATE", "TINY_VOCAB",
]  # fmt: skip
