"""Input geometry read from a config: which sub-config describes text, images or
audio, and the shapes, lengths and token ids of inputs that fit it.

Templates call these through harness (harness.image_geometry,
harness.audio_features_shape, harness.token_ids, ...); inputs.complete_inputs
builds missing forward() inputs from them.
"""

import random

from .extractor import extractor_width
from .sizes import TINY_VOCAB, _get, _is_int, _is_token_key
from .tensors import _is_tensor


def sub_config(config, *names):
    """The first of config's sub-configs called names, or config itself."""
    for n in names:
        v = _get(config, n)
        if v is not None and hasattr(v, "to_dict"):
            return v
    return config


def text_config(config):
    """The sub-config that describes text input (text_config, text_encoder, decoder...) or config."""
    tc = sub_config(config, "text_config", "text_encoder", "language_config", "llm_config", "decoder", "qformer_config")
    if tc is config:  # a wrapper around a whole vision-language model (ColPali-likes): its text
        inner = sub_config(config, "vlm_config")
        tc = sub_config(inner, "text_config") if inner is not config else config
    return tc


def vision_config(config):
    """The sub-config that describes images (vision_config, ...) or config."""
    return sub_config(
        config, "vision_config", "vision_encoder_config", "image_config", "vision_tower_config", "encoder", "backbone_config"
    )


def audio_config(config):
    """The sub-config that describes audio (audio_config, ...) or config."""
    names = ("audio_config", "audio_encoder_config", "speech_config", "encoder_config", "encoder", "asr_config")
    ac = sub_config(config, *names)
    return sub_config(ac, "asr_config") if ac is not config else ac  # a wrapper's audio config holds its ASR encoder's


def text_vocab(config, default=TINY_VOCAB):
    v = _get(text_config(config), "vocab_size")
    if not isinstance(v, int) or v <= 0:
        v = _get(config, "vocab_size")
    return v if isinstance(v, int) and v > 0 else default


def text_length(config, seq_len):
    """seq_len, clamped so position embeddings (with a two-token offset for RoBERTa-likes) fit."""
    tc = text_config(config)
    limit = _get(tc, "max_position_embeddings", "n_positions", "max_target_positions", "n_ctx")
    if isinstance(limit, int) and limit > 4 and not isinstance(limit, bool):
        return max(1, min(int(seq_len), limit - 2))
    return max(1, int(seq_len))


def special_token_ids(config):
    """Every *_token_id / *_token_index value in config and its sub-configs."""
    found = set()

    def walk(d, depth):
        if depth > 4 or not isinstance(d, dict):
            return
        for k, v in d.items():
            if isinstance(v, dict):
                walk(v, depth + 1)
            elif _is_token_key(k):
                for x in v if isinstance(v, (list, tuple)) else [v]:
                    if isinstance(x, int) and not isinstance(x, bool) and x >= 0:
                        found.add(x)

    walk(config.to_dict() if hasattr(config, "to_dict") else dict(config), 0)
    return found


def decoder_start_token_id(config):
    """The id a decoder starts from: decoder_start_token_id, else pad, else bos, else 0 (always in the vocabulary)."""
    vocab = text_vocab(config)
    for c in (config, text_config(config), sub_config(config, "decoder")):
        for name in ("decoder_start_token_id", "pad_token_id", "bos_token_id"):
            v = _get(c, name)
            if isinstance(v, (list, tuple)) and v:
                v = v[0]
            if _is_int(v) and 0 <= v < vocab:
                return v
    return 0


def image_token_id(config):
    """The placeholder token for an image in the prompt (image_token_id / image_token_index), or None."""
    for c in (config, text_config(config), sub_config(config, "vlm_config", "model_config")):
        v = _get(c, "image_token_id", "image_token_index")
        if _is_int(v) and v >= 0:
            return v
    return None


def image_feature_counts(features, batch):
    """How many features (prompt tokens) each of batch images (or clips) becomes, from get_*_features()."""
    pooled = getattr(features, "pooler_output", None)
    if pooled is not None:
        features = pooled
    elif getattr(features, "last_hidden_state", None) is not None:
        features = features.last_hidden_state
    elif isinstance(features, tuple) and features and not _is_tensor(features[0]):
        features = features[0]
    if _is_tensor(features):
        shape = list(features.shape)
        if len(shape) >= 3:  # (images, tokens, hidden)
            per = 1
            for d in shape[1:-1]:
                per *= int(d)
            images = int(shape[0])
            return [per * images // batch] * batch
        total = int(shape[0]) if shape else 1  # (tokens of all images, hidden)
        return [total // batch] * batch
    if isinstance(features, (list, tuple)):
        counts = []
        for f in features:
            shape = list(f.shape)
            n = 1
            for d in shape[:-1]:
                n *= int(d)
            counts.append(n)
        if len(counts) == batch:
            return counts
        total = sum(counts)
        return [total // batch] * batch
    raise TypeError(f"cannot count image features in {type(features).__name__}")


def token_ids(batch, length, vocab, exclude=(), seed=0, low=0):
    """batch x length token ids in [low, vocab), none of them in exclude; deterministic in seed."""
    rng = random.Random(seed)
    exclude = set(exclude)
    allowed = [i for i in range(max(0, low), vocab) if i not in exclude] or list(range(vocab))
    return [[allowed[rng.randrange(len(allowed))] for _ in range(length)] for _ in range(batch)]


def image_geometry(config, default_size=224):
    """(channels, height, width) of the images config expects."""
    vc = vision_config(config)
    size = _get(vc, "image_size", "img_size", "input_size", "crop_size", default=None)
    if size is None and vc is not config:
        size = _get(config, "image_size", default=None)
    h = w = default_size
    if isinstance(size, int):
        h = w = size
    elif isinstance(size, (list, tuple)) and size:
        sizes = [s for s in size if isinstance(s, int)]
        if len(sizes) >= 2:
            h, w = sizes[-2], sizes[-1]
        elif sizes:
            h = w = sizes[0]
    elif isinstance(size, dict):
        h = size.get("height") or size.get("shortest_edge") or default_size
        w = size.get("width") or size.get("shortest_edge") or h
    channels = _get(vc, "num_channels", "in_channels", "in_chans", "input_channels", default=3)
    if not isinstance(channels, int) or channels <= 0:
        channels = 3
    return channels, int(h), int(w)


def num_frames(config, default=8):
    """Frames per video clip the config expects."""
    for c in (vision_config(config), config):
        v = _get(c, "num_frames", "frames", "num_frames_per_clip")
        if isinstance(v, int) and v > 0:
            return v
    return default


def audio_samples(config, seconds=1.0):
    """Raw waveform length: one second at the config's sampling rate (16 kHz by default)."""
    ac = audio_config(config)
    rate = _get(ac, "sampling_rate", "sample_rate", default=16000)
    return int(rate * seconds) if isinstance(rate, int) else 16000


def waveform_shape(config, batch):
    """Shape of a raw input_values waveform: (batch, samples), or (batch, channels, samples) for audio codecs."""
    ac = audio_config(config)
    bins, frames = _get(ac, "num_mel_bins"), _get(ac, "max_length")
    if _is_int(bins) and _is_int(frames) and _get(ac, "conv_dim") is None:
        # a spectrogram fed as input_values (Audio Spectrogram Transformer): (batch, max_length frames, mel bins)
        return (batch, frames, bins)
    samples = audio_samples(config)
    channels = _get(ac, "audio_channels", "channels")
    if _is_int(channels) and channels > 0:
        return (batch, channels, samples)
    if _get(ac, "codebook_size", "n_codebooks", "num_quantizers", "codebook_dim") is not None:
        return (batch, 1, samples)
    if _get(ac, "dac_config", "codec_config", "audio_codec_config") is not None:  # a codec in front: mono channel first
        return (batch, 1, samples)
    return (batch, samples)


def mel_features_shape(config):
    """(mel_bins, frames) of Whisper-style input_features (frames = 2 x max_source_positions)."""
    ac = audio_config(config)
    bins = _get(ac, "num_mel_bins", "feature_size", "n_mels", "mel_bins", "input_feat_per_channel", default=80)
    src = _get(ac, "max_source_positions", default=None)
    frames = 2 * src if isinstance(src, int) and src > 0 else 100
    return int(bins), int(frames)


def _mel_channels_first(model, bins):
    """True when the model's first 1-d convolution reads the mel bins as its channels: (batch, bins, frames)."""
    modules = getattr(model, "modules", None)
    if not callable(modules) or not _is_int(bins):
        return False
    import torch

    for m in modules():
        if isinstance(m, torch.nn.Conv1d):  # subclasses too (causal convolutions)
            return getattr(m, "in_channels", None) == bins
    return False


def audio_features_shape(config, batch, frames=400, model=None):
    """Shape of spectrogram input_features, in the layout the audio encoder reads.

    Whisper-style encoders (a max_source_positions) convolve over time with the
    mel bins as channels: (batch, bins, 2 x max_source_positions). Conformer- and
    Speech2Text-style encoders read frames as rows: (batch, frames, features);
    400 frames is a multiple of the usual subsampling factors (4, 8, 16) and windows (100, 200).
    """
    ac = audio_config(config)
    spec = _get(ac, "spec_size")
    if _is_int(spec) and _is_int(_get(ac, "num_mel_bins")):
        # HTSAT (CLAP) towers read a one-channel image: (batch, 1, frames, mel bins), frames up to spec_size x freq_ratio
        return (batch, 1, min(frames, spec * int(_get(ac, "freq_ratio", default=1))), int(_get(ac, "num_mel_bins")))
    src = _get(ac, "max_source_positions", default=None)
    window = _get(ac, "n_window", default=None)
    if _is_int(window) and window > 0:  # chunked encoders (Qwen-ASR-likes) take whole windows of 2 x n_window frames
        frames = -(-frames // (2 * window)) * 2 * window
        if _get(ac, "num_mel_bins") is not None:
            return (batch, int(_get(ac, "num_mel_bins")), frames)
    if _is_int(src) and src > 0 and _get(ac, "num_mel_bins") is not None:
        return (batch, int(_get(ac, "num_mel_bins")), 2 * src)
    per_channel = _get(ac, "input_feat_per_channel")
    if _is_int(per_channel):
        return (batch, frames, per_channel * int(_get(ac, "input_channels", default=1)))
    width = feature_width(ac)
    if model is not None and _mel_channels_first(model, int(width)):  # a convolution stem over (bins, frames)
        return (batch, int(width), frames)
    return (batch, frames, int(width))


def feature_width(ac, default=80):
    """Width of each spectrogram frame: the config's entry for it, else (or when it stacks frames) the extractor's."""
    width = _get(ac, "input_dim", "feature_projection_input_dim", "num_mel_bins", "feature_size", "n_mels",
                 "mel_bins", "input_feat_size", "n_mel_bins", "input_size")  # fmt: skip
    width = extractor_width(ac, width if _is_int(width) else None)
    return int(width) if _is_int(width) else default


def audio_frames(config, batch, model=None):
    """Number of time frames in audio_features_shape(config, batch, model=model): the length of input_features_mask."""
    shape = audio_features_shape(config, batch, model=model)
    if len(shape) == 4:  # (batch, 1, frames, bins)
        return shape[2]
    ac = audio_config(config)
    whisper_like = (_is_int(_get(ac, "max_source_positions")) or _is_int(_get(ac, "n_window"))) and _get(
        ac, "num_mel_bins"
    ) is not None
    width = feature_width(ac)
    channels_first = model is not None and _is_int(width) and _mel_channels_first(model, width)
    return shape[2] if whisper_like or channels_first else shape[1]


def audio_token_id(config):
    """The placeholder token for audio in the prompt (audio_token_id / audio_token_index), or None."""
    for c in (config, text_config(config)):
        v = _get(c, "audio_token_id", "audio_token_index")
        if _is_int(v) and v >= 0:
            return v
    return None


def patch_grid(config, merges_per_side=4):
    """Qwen2-VL-style vision input for one image: patches flattened to rows and the (t, h, w) grid.

    Returns {"grid": [t, h, w], "patches": t*h*w, "patch_dim": channels x temporal x patch x patch}.
    The grid is merges_per_side x spatial_merge_size patches on a side, one frame.
    """
    vc = vision_config(config)
    p = _get(vc, "patch_size", "spatial_patch_size", default=14)
    if isinstance(p, (list, tuple)):
        p = p[0]
    tp = _get(vc, "temporal_patch_size", "patch_temporal", default=1)
    m = _get(vc, "spatial_merge_size", "merge_size", default=1)
    c = _get(vc, "in_channels", "num_channels", "in_chans", default=3)
    side = merges_per_side * int(m)
    return {"grid": [1, side, side], "patches": side * side, "patch_dim": int(c) * int(tp) * int(p) * int(p)}
