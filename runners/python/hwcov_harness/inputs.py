"""The inputs of a forward() call: which parameters it names, and those a template left out, built from the config.

complete_inputs(ctx, inputs) adds every required forward() parameter a
template did not build (token ids, pixel values, audio, time-series context
and features, ...) and keeps only what forward() names. torch is imported
when inputs are built, not at import time.
"""

import inspect

from .companion_inputs import cross_attention_states, embeds_without_table, packed_audio_features, raised_when_none
from .docshapes import derived_doc_input, doc_batch_rows, doc_input, optional_none
from .geometry import (
    audio_features_shape,
    image_geometry,
    special_token_ids,
    sub_config,
    text_config,
    text_length,
    text_vocab,
    token_ids,
    waveform_shape,
)
from .sizes import TIME_SERIES_PREDICTION_LENGTH, TINY_HIDDEN, _get, _is_int
from .vision_inputs import image_pairs, images_as_sets, main_input_wanted, patch_rows_inputs, vision_input_for


def _explicit_parameters(model):
    """The parameters of model.forward but self, *args and **kwargs (none when it has no signature)."""
    fn = getattr(model, "forward", model)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [p for n, p in sig.parameters.items() if n != "self" and p.kind not in variadic]


def forward_parameters(model):
    """Names of the explicit parameters of model.forward (not *args / **kwargs)."""
    return [p.name for p in _explicit_parameters(model)]


def required_parameters(model):
    """Names of the parameters of model.forward that have no default."""
    return [p.name for p in _explicit_parameters(model) if p.default is inspect.Parameter.empty]


def accepted_inputs(model, inputs):
    """The entries of inputs that model.forward names explicitly, in the forward's order."""
    names = forward_parameters(model)
    return {n: inputs[n] for n in names if n in inputs}


def main_input_name(model):
    """The input the model (or, for an encoder-decoder wrapper, its encoder) is driven by: "input_ids", "pixel_values"..."""
    name = getattr(model, "main_input_name", "") or ""
    if name in ("", "inputs"):
        get_encoder = getattr(model, "get_encoder", None)
        try:
            encoder = get_encoder() if callable(get_encoder) else None
        except Exception:
            encoder = None
        name = getattr(encoder, "main_input_name", name) or name
    return name


def complete_inputs(ctx, inputs):
    """inputs plus what forward() still needs, built from the config; then only what forward() names.

    A template builds the inputs of its category; this adds, by parameter name,
    every required forward() parameter it left out (and the optional companions
    of what it has: past_observed_mask with past_values, ...), from the config:
    time-series context and features (past_values, past_time_features,
    future_*, static_*, freq), image prompts (prompt_pixel_values, prompt_masks),
    query_embeds, inputs_embeds, hidden_states of a driven encoder, a vocoder's
    spectrogram, token ids, pixel values and audio. Parameters
    no rule knows are left to the model's defaults (or its TypeError).
    """
    import torch

    model, config, batch = ctx.model, ctx.config, ctx.batch_size
    wanted = forward_parameters(model)
    required = set(required_parameters(model)) | main_input_wanted(model, wanted, inputs)
    required |= raised_when_none(model, wanted)
    inputs = images_as_sets(model, image_pairs(model, dict(inputs)))
    inputs = patch_rows_inputs(config, wanted, inputs, batch, torch.Generator().manual_seed(ctx.seed + 11))
    generator = torch.Generator().manual_seed(ctx.seed + 7)
    if "past_values" in wanted and "past_values" not in inputs:
        inputs.update(time_series_inputs(config, batch, wanted, generator))
    if _wants_decoder_ids(config, wanted, inputs):
        inputs["decoder_input_ids"] = _input_for("decoder_input_ids", ctx, inputs, generator)
    for name in wanted:
        if name in inputs or name not in required:
            continue
        value = derived_doc_input(name, model, config, batch, generator)
        if value is None:
            value = _input_for(name, ctx, inputs, generator)
        if value is None:  # what forward()'s docstring and annotations say of it
            value = doc_input(name, model, config, batch, generator)
        if value is not None:
            inputs[name] = value
        elif optional_none(model, name):
            inputs[name] = None
    length = min(text_length(config, ctx.seq_len), 32)
    inputs.update(cross_attention_states(model, config, wanted, inputs, batch, length, generator))
    inputs = packed_audio_features(wanted, inputs)
    inputs = embeds_without_table(model, config, wanted, inputs, generator)
    return accepted_inputs(model, doc_batch_rows(model, config, inputs, batch))


def _input_for(name, ctx, inputs, generator):
    """One missing required input by its name, or None when no rule knows it."""
    import torch

    config, batch = ctx.config, ctx.batch_size
    if name in ("input_ids", "decoder_input_ids", "labels"):
        length = text_length(config, ctx.seq_len) if name == "input_ids" else 4
        ids = token_ids(batch, length, text_vocab(config), special_token_ids(config), ctx.seed)
        return torch.tensor(ids, dtype=torch.long)
    if name in ("pixel_values", "prompt_pixel_values", "prompt_masks"):
        channels, height, width = image_geometry(config)
        if name == "prompt_masks":
            return (torch.rand(batch, channels, height, width, generator=generator) > 0.5).float()
        return torch.randn(batch, channels, height, width, generator=generator)
    if name in ("query_embeds", "inputs_embeds", "encoder_hidden_states", "context_hidden_states"):
        tc = text_config(config) if name == "inputs_embeds" else config
        hidden = _get(tc, "hidden_size", "d_model", "embed_dim", default=TINY_HIDDEN)
        length = _get(config, "num_query_tokens", default=None) if name == "query_embeds" else None
        length = length if _is_int(length) else min(text_length(config, ctx.seq_len), 32)
        return torch.randn(batch, length, int(hidden), generator=generator)
    if name == "hidden_states":  # an encoder stack or tower driven directly (FLAVA's multimodal encoder, CTC encoders)
        if _is_int(_get(config, "input_dim")) or _is_audio_encoder(ctx.model):  # speech encoders: frames of features
            return torch.randn(*audio_features_shape(config, batch), generator=generator)
        hidden = _get(config, "hidden_size", "d_model", "embed_dim", default=TINY_HIDDEN)
        if not _is_int(hidden):  # per-stage widths (a list): no single width; a conv tower's input is the image
            return vision_input_for(name, ctx, inputs, generator)
        return torch.randn(batch, min(text_length(config, ctx.seq_len), 32), hidden, generator=generator)
    if name == "spectrogram":  # vocoders (HiFi-GAN): frames of model_in_dim mel bins
        bins = _get(config, "model_in_dim", "num_mel_bins", default=80)
        return torch.randn(batch, 32, int(bins), generator=generator)
    if name == "input_features":
        return torch.randn(*audio_features_shape(config, batch), generator=generator)
    if name == "input_values":
        return torch.randn(*waveform_shape(config, batch), generator=generator)
    if name == "attention_mask" and inputs.get("input_ids") is not None:
        return torch.ones_like(inputs["input_ids"])
    if name.endswith("_input_ids"):  # qformer_input_ids, classes_input_ids...: ids in <prefix>_config's vocabulary
        prefix = name[: -len("_input_ids")]
        sub = sub_config(config, prefix + "_config")
        vocab = _get(sub, "vocab_size") if sub is not config else None
        vocab = vocab if _is_int(vocab) and vocab > 0 else text_vocab(config)
        length = min(text_length(config, ctx.seq_len), 16)
        return torch.tensor(token_ids(batch, length, vocab, special_token_ids(config), ctx.seed + 3), dtype=torch.long)
    if name.endswith("_attention_mask") and inputs.get(name[: -len("_attention_mask")] + "_input_ids") is not None:
        return torch.ones_like(inputs[name[: -len("_attention_mask")] + "_input_ids"])
    return vision_input_for(name, ctx, inputs, generator)


def _is_audio_encoder(model):
    """A model whose name says it encodes audio (Phi4MultimodalAudioModel): its hidden_states are spectrogram frames."""
    name = type(model).__name__
    return "Audio" in name or "Speech" in name


def time_series_length(config):
    """Time steps of past_values: the context plus the largest lag (lag-feature models look back that far)."""
    context = _get(config, "context_length", "prediction_length", default=32)
    lags = _get(config, "lags_sequence", default=None)
    extra = max(lags) if isinstance(lags, (list, tuple)) and lags and all(_is_int(x) for x in lags) else 0
    return int(context) + int(extra)


def time_series_inputs(config, batch, wanted, generator):
    """past_values and what goes with it, shaped from the config, for the forward() parameters in wanted.

    Variates: input_size (TimeSeriesTransformer-likes), num_input_channels (PatchTST,
    PatchTSMixer) or one (a univariate series, (batch, length)). Time features:
    num_time_features (+ num_dynamic_real_features). Static features: one category
    per cardinality, num_static_real_features reals. TimesFM-likes also take the
    padding of each step and a frequency class.
    """
    import torch

    length = time_series_length(config)
    horizon = _get(config, "prediction_length", "horizon_length", default=TIME_SERIES_PREDICTION_LENGTH)
    keys = config.to_dict()
    if "freq" in wanted or "past_values_padding" in wanted:  # TimesFM-likes: univariate rows
        series = (batch, length)
    elif _is_int(keys.get("num_input_channels")):  # PatchTST-likes: always (batch, length, channels)
        series = (batch, length, keys["num_input_channels"])
    else:  # TimeSeriesTransformer-likes: (batch, length) when univariate
        variates = keys.get("input_size") if _is_int(keys.get("input_size")) else 1
        series = (batch, length) if variates == 1 else (batch, length, variates)
    out = {"past_values": torch.randn(*series, generator=generator)}
    mask_name = "past_observed_mask" if "past_observed_mask" in wanted else "observed_mask"
    out[mask_name] = torch.ones(*series)
    features = int(_get(config, "num_time_features", default=0)) + int(_get(config, "num_dynamic_real_features", default=0))
    if "past_time_features" in wanted:
        out["past_time_features"] = torch.randn(batch, length, features, generator=generator)
    if "future_time_features" in wanted:
        out["future_time_features"] = torch.randn(batch, int(horizon), features, generator=generator)
        out["future_values"] = torch.randn(batch, int(horizon), *series[2:], generator=generator)
    cats = _get(config, "num_static_categorical_features", default=0)
    if _is_int(cats) and cats > 0:
        out["static_categorical_features"] = torch.zeros(batch, cats, dtype=torch.long)  # category 0 always exists
    reals = _get(config, "num_static_real_features", default=0)
    if _is_int(reals) and reals > 0:
        out["static_real_features"] = torch.randn(batch, reals, generator=generator)
    if "past_values_padding" in wanted:
        out["past_values_padding"] = torch.zeros(*series)
    if "freq" in wanted:
        out["freq"] = torch.zeros(batch, 1, dtype=torch.long)
    return out


def image_features_function(model):
    """model.get_image_features, else its encoder's (encoder-decoders whose encoder holds the vision tower), else None."""
    fn = getattr(model, "get_image_features", None)
    if fn is not None:
        return fn
    get_encoder = getattr(model, "get_encoder", None)
    try:
        encoder = get_encoder() if callable(get_encoder) else None
    except Exception:  # a model whose get_encoder needs a modality argument or is not an encoder-decoder
        return None
    return getattr(encoder, "get_image_features", None) if encoder is not model else None


def _wants_decoder_ids(config, wanted, inputs):
    """An encoder-decoder's forward takes decoder_input_ids as optional, yet its decoder needs them (or labels)."""
    if not getattr(config, "is_encoder_decoder", False) or "decoder_input_ids" not in wanted:
        return False
    return not any(inputs.get(n) is not None for n in ("decoder_input_ids", "decoder_inputs_embeds", "labels"))
