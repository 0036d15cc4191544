"""Optional forward() inputs a model still cannot run without, known from its config and signature.

complete_inputs adds the required parameters; these rules add optional ones
whose absence the model rejects:

- encoder_hidden_states of a decoder stack driven alone (a Q-Former, the
  decoder half of an encoder-decoder built as its own model): its cross
  attention needs the encoder's states, encoder_hidden_size wide (else
  cross_attention_hidden_size, else the model's own width).
- packed audio features: a forward() that takes feature_lens (per-clip frame
  counts) reads its features as every clip's frames side by side,
  (num_mel_bins, total frames), not one row a clip.
- a parameter forward() raises on when it is None (`if bbox is None: raise`)
  is required, whatever its default says.
- inputs_embeds instead of input_ids when forward() looks the ids up in a
  table the model does not hold (a sub-model its parent feeds embeddings).

torch is imported when inputs are built, not at import time.
"""

import inspect
import re

from .sizes import TINY_HIDDEN, _get, _is_int

# config entries that say a model has cross-attention layers
_CROSS_ATTENTION_FLAGS = ("add_cross_attention", "cross_attention_frequency")

# widths of the encoder states a cross attention reads, most specific first
_ENCODER_WIDTH_KEYS = ("encoder_hidden_size", "cross_attention_hidden_size", "hidden_size", "d_model")


def is_decoder_stack(model, config):
    """A model with cross attention to an encoder it does not hold: a config flag says so, or it is a *Decoder class."""
    name = type(model).__name__
    if name.endswith("Decoder") and "EncoderDecoder" not in name:
        return True
    for key in _CROSS_ATTENTION_FLAGS:
        v = getattr(config, key, None)
        if v is True or (_is_int(v) and not isinstance(v, bool) and v > 0):
            return True
    return False


def cross_attention_states(model, config, wanted, inputs, batch, length, generator):
    """{"encoder_hidden_states": states} for a decoder stack driven alone that has none yet, else {}."""
    import torch

    if "encoder_hidden_states" not in wanted or inputs.get("encoder_hidden_states") is not None:
        return {}
    if getattr(config, "is_encoder_decoder", False) or not is_decoder_stack(model, config):
        return {}
    width = _get(config, *_ENCODER_WIDTH_KEYS, default=TINY_HIDDEN)
    width = width if _is_int(width) and width > 0 else TINY_HIDDEN
    return {"encoder_hidden_states": torch.randn(batch, length, int(width), generator=generator)}


def packed_audio_features(wanted, inputs):
    """inputs with (batch, bins, frames) input_features packed to (bins, batch * frames) plus feature_lens, when forward takes feature_lens."""
    import torch

    features = inputs.get("input_features")
    if "feature_lens" not in wanted or inputs.get("feature_lens") is not None or getattr(features, "dim", None) is None:
        return inputs
    if features.dim() != 3:
        return inputs
    batch, _, frames = features.shape
    out = dict(inputs)
    out["input_features"] = torch.cat(list(features), dim=1)
    out["feature_lens"] = torch.full((batch,), frames, dtype=torch.long)
    return out


_TABLE_LOOKUP = re.compile(r"\bself\.(\w+)\(\s*input_ids\s*\)")


def _has_token_table(model):
    """Whether forward() can look input_ids up: every self.NAME(input_ids) its source calls is an attribute the model has."""
    try:
        source = inspect.getsource(type(model).forward)
    except (OSError, TypeError):
        return True
    return all(hasattr(model, name) for name in _TABLE_LOOKUP.findall(source))


def embeds_without_table(model, config, wanted, inputs, generator):
    """inputs with input_ids replaced by inputs_embeds of the same length when the model has no token table to look them up in.

    A sub-model its parent feeds embeddings (a talker driven by the thinker's states)
    takes inputs_embeds; its forward() would look input_ids up in a table it does not hold.
    """
    import torch

    ids = inputs.get("input_ids")
    if ids is None or getattr(ids, "dim", None) is None or "inputs_embeds" not in wanted or inputs.get("inputs_embeds") is not None:
        return inputs
    if _has_token_table(model):
        return inputs
    width = _get(config, "hidden_size", "d_model", "embed_dim", default=TINY_HIDDEN)
    if not _is_int(width):
        return inputs
    out = {k: v for k, v in inputs.items() if k != "input_ids"}
    out["inputs_embeds"] = torch.randn(*ids.shape[:2], int(width), generator=generator)
    return out


_RAISES_WHEN_NONE = re.compile(r"\bif (\w+) is None:\s*\n\s*raise\b")


def raised_when_none(model, wanted):
    """The optional forward() parameters its source rejects when None (`if bbox is None: raise ...`): required in fact."""
    try:
        source = inspect.getsource(type(model).forward)
    except (OSError, TypeError):
        return set()
    return {name for name in _RAISES_WHEN_NONE.findall(source) if name in wanted}
