"""What a model's feature extractor makes by default: the width of its features, its sampling rate.

transformers maps a model type to its feature extractor class; built with its
defaults (no download), the extractor says the width of the input_features it
produces (feature_size), the mel bins they come from and the sampling rate.
A tower (gemma4_audio) uses its parent's extractor (gemma4). Extractors that
need an optional package, or that have none, give {}.
"""

import functools

from .sizes import _is_int

_FIELDS = ("feature_size", "num_mel_bins", "n_mels", "sampling_rate", "hop_length", "stride")

# an extractor's stride above this is a hop in samples, not frames stacked into one feature
MAX_STACKED_FRAMES = 8


def _candidates(model_type):
    """model_type, then the prefixes of its underscore-separated name: gemma4_audio, gemma4."""
    parts = model_type.split("_")
    return [model_type] + ["_".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


@functools.lru_cache(maxsize=None)
def extractor_defaults(model_type):
    """{feature_size, num_mel_bins, sampling_rate, ...} of model_type's feature extractor built with its defaults."""
    try:
        from transformers.models.auto.feature_extraction_auto import (
            FEATURE_EXTRACTOR_MAPPING_NAMES,
            feature_extractor_class_from_name,
        )
    except ImportError:
        return {}
    for name in _candidates(model_type or ""):
        class_name = FEATURE_EXTRACTOR_MAPPING_NAMES.get(name)
        if not class_name:
            continue
        try:
            extractor = feature_extractor_class_from_name(class_name)()
        except Exception:  # an optional package it needs is missing
            return {}
        return {f: getattr(extractor, f) for f in _FIELDS if _is_int(getattr(extractor, f, None))}
    return {}


def extractor_width(config, config_width):
    """The width of the extractor's features when it differs from what the config says, else config_width.

    An extractor that stacks frames (feature_size, or num_mel_bins x stride, a
    multiple of the config's num_mel_bins, and num_mel_bins the same as the extractor's) gives the
    stacked width; a config that names no width (config_width None) gets the
    extractor's feature_size.
    """
    d = extractor_defaults(getattr(config, "model_type", "") or "")
    size = d.get("feature_size")
    if not _is_int(size) or size <= 1:  # raw-waveform extractors (feature_size 1) say nothing of a spectrogram
        return config_width
    bins = d.get("num_mel_bins", d.get("n_mels"))
    stride = d.get("stride", 1)
    if _is_int(bins) and 1 < stride <= MAX_STACKED_FRAMES:  # stride frames of num_mel_bins stacked (Xcodec2-likes)
        size = bins * stride
    if config_width is None:
        return size
    if bins == config_width and size != bins and size % bins == 0:
        return size
    return config_width
