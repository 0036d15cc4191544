"""Inputs no name rule knows, built from what forward() says of them: its docstring's shapes and its annotations.

transformers documents each forward() argument as
``name (`torch.FloatTensor` of shape `(batch_size, hidden_size, frames)`)``.
doc_input reads that line and builds the tensor: batch_size is the batch, a
dimension named after a config entry (hidden_size, config.block_size,
latent_dim) takes the config's value (products and sums of them too, len(x)
of a list entry), and every other dimension (frames, sequence_length,
num_patches) is one shared length, so dimensions that must agree do.
Float tensors are noise, masks are ones, integer tensors are ids in the
vocabulary. Spectrogram inputs named *_mel / mel_* are audio features.
torch is imported when inputs are built, not at import time.
"""

import inspect
import re

from .geometry import audio_config, audio_features_shape, sub_config, text_vocab
from .sizes import _get, _is_int

# the length of every dimension the config does not size: frames, sequence_length, num_patches...
DOC_LENGTH = 16

_DOC_LINE = re.compile(
    r"^\s*[-*]*\s*(\w+)\s*\([`']*(torch\.\w+|\w*Tensor)[`']*\s+of shape\s+[`']*"
    r"(?:\[([^\]`']*)\]|\(((?:[^()`']|\([^()`']*\))*)\))"  # [a, b] or (a, len(b)): one level of parentheses inside
)

_BATCH = ("batch", "batch_size", "bsz", "bs")

# dimension names that mean the model's width when the config has no entry of that name
_WIDTH = ("embed_dim", "dim", "hidden_dim", "d_model")


def doc_shapes(fn):
    """{argument name: (tensor type, [dimension expressions])} from fn's docstring.

    A documented argument reads "x (`torch.Tensor` of shape `(a, b)`)" (or [a, b]).
    """
    doc = getattr(fn, "__doc__", None) or ""
    out = {}
    for line in doc.splitlines():
        m = _DOC_LINE.match(line)
        if m and m.group(1) not in out:
            dims = [d.strip() for d in (m.group(3) or m.group(4) or "").split(",") if d.strip()]
            out[m.group(1)] = (m.group(2), dims)
    return out


def _config_value(name, configs):
    name = name[len("config.") :] if name.startswith("config.") else name
    for c in configs:
        v = _get(c, name)
        if _is_int(v) and v > 0:
            return v
        if isinstance(v, (list, tuple)):
            return v
    return None


def dimension(expr, configs, batch, length=DOC_LENGTH):
    """The size of one documented dimension: batch, a config entry (or a product / sum of them), else length."""
    expr = expr.strip()
    if expr in _BATCH:
        return batch
    if expr.isdigit():
        return int(expr)
    terms = [t.strip() for t in re.split(r"([*+])", expr)]
    total, op = None, "+"
    for t in terms:
        if t in ("*", "+"):
            op = t
            continue
        m = re.fullmatch(r"len\(\s*(?:config\.)?(\w+)\s*\)", t)
        if m:
            v = _config_value(m.group(1), configs)
            v = len(v) if isinstance(v, (list, tuple)) else None
        elif t.isdigit():
            v = int(t)
        else:
            v = _config_value(t, configs) if re.fullmatch(r"(config\.)?\w+", t) else None
            if v is None and t in _WIDTH:
                v = _config_value("hidden_size", configs)
            v = v if _is_int(v) else None
        if v is None:
            return length
        total = v if total is None else (total * v if op == "*" else total + v)
    return total if _is_int(total) and total > 0 else length


def _configs(config):
    """config, then the sub-configs a part's sizes may be named in."""
    found = [config]
    for c in (audio_config(config), sub_config(config, "text_config"), sub_config(config, "vision_config")):
        if all(c is not f for f in found):
            found.append(c)
    return found


def is_mel_input(name):
    """A spectrogram argument by its name: mel_spectrogram, audio_mel, reference_mel."""
    return name != "mel_mask" and ("_mel" in name or name.startswith("mel_")) and not name.endswith("_mask")


def _frames(shape):
    return shape[2] if len(shape) == 4 else shape[1]


def doc_input(name, model, config, batch, generator):
    """The tensor forward()'s docstring describes for name, shaped from the config; None when it says nothing.

    The mask of a spectrogram argument (audio_mel_mask) marks padded frames: none are.
    Index arguments (*_idx, *_indices) point into the shared length.
    """
    import torch

    if is_mel_input(name):
        return torch.randn(*audio_features_shape(config, batch, model=model), generator=generator)
    if name.endswith("_mask") and is_mel_input(name[: -len("_mask")]):
        return torch.zeros(batch, _frames(audio_features_shape(config, batch, model=model)), dtype=torch.bool)
    documented = doc_shapes(getattr(model, "forward", model)).get(name)
    if documented is None:
        return None
    kind, dims = documented
    configs = _configs(config)
    shape = [dimension(d, configs, batch) for d in dims]
    if "mask" in name:
        return torch.ones(*shape, dtype=torch.bool if "Bool" in kind else torch.long)
    if name.endswith(("_idx", "_indices", "_index")):
        return torch.randint(0, DOC_LENGTH, shape, generator=generator)
    if "Long" in kind or "Int" in kind:
        return torch.randint(0, text_vocab(config), shape, generator=generator)
    return torch.randn(*shape, generator=generator)


def optional_none(model, name):
    """True when forward() requires name but its annotation admits None (`mask: Tensor | None`): pass None."""
    fn = getattr(model, "forward", model)
    try:
        p = inspect.signature(fn).parameters.get(name)
    except (TypeError, ValueError):
        return False
    if p is None or p.annotation is inspect.Parameter.empty:
        return False
    text = p.annotation if isinstance(p.annotation, str) else repr(p.annotation)
    return "None" in text or "Optional" in text


def doc_batch_rows(model, config, inputs, batch):
    """inputs, each tensor forward()'s docstring gives batch_size * k rows (codebooks) repeated to k rows a sample."""
    documented = doc_shapes(getattr(model, "forward", model))
    configs = _configs(config)
    out = dict(inputs)
    for name, value in inputs.items():
        dims = documented.get(name, (None, []))[1]
        m = re.fullmatch(r"(?:batch_size|batch|bsz)\s*\*\s*((?:config\.)?\w+)", dims[0]) if dims else None
        k = _config_value(m.group(1), configs) if m else None
        shape = getattr(value, "shape", None)
        if _is_int(k) and k > 1 and shape is not None and len(shape) >= 1 and shape[0] == batch:
            out[name] = value.repeat_interleave(k, dim=0)
    return out


def derived_doc_input(name, model, config, batch, generator):
    """doc_input for name when forward()'s docstring derives its width from the config, else None.

    A width written as an expression of the config (`dim * len(config.target_layer_ids)`,
    `config.block_size`) says more than a name rule's plain hidden size, so it wins.
    """
    documented = doc_shapes(getattr(model, "forward", model)).get(name)
    if documented is None or not documented[1] or "mask" in name or "ids" in name:
        return None
    last = documented[1][-1]
    if not ("*" in last or "len(" in last or last.startswith("config.")):
        return None
    return doc_input(name, model, config, batch, generator)
