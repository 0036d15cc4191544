"""Config shrinking: a small copy of a transformers config, consistent in its dimensions.

shrink_config(config, overrides, seq_len, level) caps every width, depth,
head count, vocabulary and expert count by name (sizes.LEVEL_SIZES), through
sub-configs; shrink_fixes.py then makes the derived dimensions agree again.
estimate_parameters() sizes a config before it is built (the ladder's budget).
"""

import json
import re

from .config_repairs import fill_layer_types, fit_mrope_sections, repair_dict
from .shrink_fixes import _fix_agreement, _fix_dims, _fix_groups, _remap_token_ids, _scale_sections
from .shrink_vision import _fix_vision
from .sizes import (
    _DEPTH_LIST_KEYS,
    _DIM_LIST_KEYS,
    _EXPERT_KEYS,
    _EXPERT_TOPK_KEYS,
    _FFN_KEYS,
    _FFN_SUFFIXES,
    _HEAD_KEYS,
    _HEAD_SUFFIXES,
    _HIDDEN_KEYS,
    _HIDDEN_SUFFIXES,
    _KV_HEAD_KEYS,
    _LAYER_KEYS,
    _LAYER_SUFFIXES,
    _LORA_KEYS,
    _POSITION_KEYS,
    _ROPE_DIM_KEYS,
    LEVEL_SIZES,
    MAX_IMAGE_SIZE,
    MAX_POSITIONS_CAP,
    MAX_SOURCE_POSITIONS,
    SHRINK_LEVELS,
    TIME_SERIES_PREDICTION_LENGTH,
    TINY_HEADS,
    TINY_EXPERTS,
    TINY_EXPERTS_PER_TOKEN,
    TINY_INTERMEDIATE,
    TINY_IMAGE_SIZE,
    TINY_VOCAB,
    _first,
    _get,
    _is_int,
    _is_subconfig,
    _is_token_key,
    _matches,
)


def _cap(v, limit):
    return v if limit is None else min(v, limit)


def _shrink_heads(n, limit=TINY_HEADS):
    if limit is None:
        return n
    if n >= limit:
        return limit
    return 2 if n == 3 else n


def _shrink_dim_list(values, limit=64):
    if limit is None or not values or not all(_is_int(v) and v > 0 for v in values) or max(values) <= limit:
        return values
    f = 1
    while max(values) / f > limit:
        f *= 2
    return [max(8, v // f) for v in values]


# timm is an optional dependency (and its default backbones are pretrained): a tiny transformers ResNet stands in.
TINY_RESNET_BACKBONE = {
    "model_type": "resnet",
    "embedding_size": 16,
    "hidden_sizes": [16, 32, 64, 128],
    "depths": [1, 1, 1, 1],
    "layer_type": "basic",
}


def _tiny_backbone(timm):
    out = json.loads(json.dumps(TINY_RESNET_BACKBONE))
    indices = timm.get("out_indices") or [1, 2, 3, 4]
    out["out_features"] = [f"stage{i}" for i in indices if _is_int(i) and 1 <= i <= 4] or ["stage4"]
    if _is_int(timm.get("num_channels")):
        out["num_channels"] = timm["num_channels"]
    return out


def _shrink_dict(d, seq_len, sizes=None):
    sizes = sizes or LEVEL_SIZES["tiny"]
    out = {}
    cap = max(MAX_POSITIONS_CAP, (seq_len or 0) + 64)
    for k, v in d.items():
        if _is_subconfig(v) and v.get("model_type") == "timm_backbone":
            out[k] = _tiny_backbone(v)
        elif _is_subconfig(v):
            out[k] = _shrink_dict(v, seq_len, sizes)
        elif _is_int(v) and v > 0:
            if _matches(k, _KV_HEAD_KEYS):
                out[k] = v  # fixed up once the heads are known
            elif _matches(k, _HIDDEN_KEYS, _HIDDEN_SUFFIXES):
                out[k] = _cap(v, sizes["hidden"])
            elif _matches(k, _FFN_KEYS, _FFN_SUFFIXES):
                out[k] = _cap(v, sizes["ffn"])
            elif _matches(k, _HEAD_KEYS, _HEAD_SUFFIXES):
                out[k] = _shrink_heads(v, sizes["heads"])
            elif _matches(k, _LAYER_KEYS, _LAYER_SUFFIXES):
                out[k] = _cap(v, sizes["layers"])
            elif k in _EXPERT_KEYS:
                out[k] = _cap(v, sizes["experts"])
            elif k in _EXPERT_TOPK_KEYS:
                out[k] = _cap(v, sizes["experts_per_token"])
            elif k in _LORA_KEYS:
                out[k] = _cap(v, sizes["lora"])
            elif k in _ROPE_DIM_KEYS:
                out[k] = _cap(v, sizes["rope"])
            elif k in ("state_size", "mamba_d_state", "ssm_state_size", "d_state"):
                out[k] = _cap(v, sizes["state"])
            elif k in ("n_group", "topk_group"):
                out[k] = 1 if sizes["experts"] is not None and v > 1 else v
            elif k == "vocab_size":
                out[k] = _cap(v, sizes["vocab"])
            elif k in _POSITION_KEYS:
                out[k] = min(v, cap)
            elif k == "image_size" and v > MAX_IMAGE_SIZE:
                out[k] = TINY_IMAGE_SIZE
            elif k == "max_source_positions":
                out[k] = min(v, MAX_SOURCE_POSITIONS)
            elif k == "max_length" and "num_mel_bins" in d:
                out[k] = min(v, 128)  # spectrogram frames (Audio Spectrogram Transformer); positions follow
            elif k == "context_length" and "prediction_length" in d:
                out[k] = min(v, 64)  # a time-series context; the inputs follow it
            else:
                out[k] = v
        elif isinstance(v, (list, tuple)) and v and all(_is_int(x) for x in v):
            if k in _DIM_LIST_KEYS:
                out[k] = _shrink_dim_list(list(v), sizes["dim_list"])
            elif k in _DEPTH_LIST_KEYS:
                out[k] = [_cap(x, sizes["layers"]) for x in v]
            elif _matches(k, _HEAD_KEYS, _HEAD_SUFFIXES):
                out[k] = [_shrink_heads(x, sizes["heads"]) for x in v]
            else:
                out[k] = v
        elif v is None and k == "prediction_length" and "context_length" in d:
            out[k] = TIME_SERIES_PREDICTION_LENGTH  # time-series configs refuse to build without a horizon
        else:
            out[k] = v
    _fill_unset_sizes(out, sizes)
    return out


def _fill_unset_sizes(d, sizes):
    """Sizes a default config leaves None that its model needs anyway: a vocabulary, experts chosen per token.

    ESM-likes leave vocab_size (and the padding id) to the tokenizer; DeepSeek-V2-likes route through
    n_routed_experts with num_experts_per_tok unset. Both get the level's value.
    """
    if "vocab_size" in d and d["vocab_size"] is None and _first(d, sorted(_HIDDEN_KEYS))[1]:
        d["vocab_size"] = sizes["vocab"] or TINY_VOCAB
        if "pad_token_id" in d and d["pad_token_id"] is None:  # the tokenizer's ids are left unset too
            d["pad_token_id"] = 1
    _, experts = _first(d, sorted(_EXPERT_KEYS))
    unset = [k for k in _EXPERT_KEYS if k in d and d[k] is None]
    if not experts and unset and any(k in d for k in _EXPERT_TOPK_KEYS | {"moe_intermediate_size", "top_k_experts"}):
        # the model builds its expert layers anyway (Dots1, DiffusionGemma): a few experts
        experts = sizes["experts"] or TINY_EXPERTS
        for k in unset:
            d[k] = experts
        if "top_k_experts" in d and d["top_k_experts"] is None:
            d["top_k_experts"] = min(experts, sizes["experts_per_token"] or TINY_EXPERTS_PER_TOKEN)
        if "n_shared_experts" in d and d["n_shared_experts"] is None:
            d["n_shared_experts"] = 1
        if "moe_intermediate_size" in d and d["moe_intermediate_size"] is None:
            d["moe_intermediate_size"] = sizes["ffn"] or TINY_INTERMEDIATE
    if experts:
        for k in _EXPERT_TOPK_KEYS:
            if k in d and d[k] is None:
                d[k] = min(experts, sizes["experts_per_token"] or TINY_EXPERTS_PER_TOKEN)


def _merge(d, overrides):
    """Deep-merge overrides into d; a sub-config of another model_type replaces the old one whole."""
    for k, v in (overrides or {}).items():
        old = d.get(k)
        if isinstance(v, dict) and isinstance(old, dict) and v.get("model_type", old.get("model_type")) == old.get("model_type"):
            _merge(old, v)
        else:
            d[k] = json.loads(json.dumps(v)) if isinstance(v, (dict, list)) else v
    return d


def deep_merge(base, overrides):
    """A copy of base with overrides merged in (nested dicts merged; a sub-config of another model_type replaces)."""
    return _merge(json.loads(json.dumps(base or {})), overrides)


def shrink_dict(d, overrides=None, seq_len=None, level="tiny"):
    """The shrunk copy of a config dict at a shrink level (what shrink_config rebuilds the config from)."""
    if level not in LEVEL_SIZES:
        raise ValueError(f"unknown shrink level {level!r}; known: {', '.join(SHRINK_LEVELS)}")
    orig = json.loads(json.dumps(d, default=str))
    out = _shrink_dict(orig, seq_len, LEVEL_SIZES[level])
    _merge(out, overrides)
    _fix_dims(orig, out)
    _fix_agreement(orig, out, overrides or {})
    _fix_groups(out)
    _fix_vision(orig, out, LEVEL_SIZES[level])
    repair_dict(orig, out)
    _placeholder_image_token(out)
    mapping = {}
    _remap_token_ids(out, None, mapping)
    return out


# An id past any vocabulary: _remap_token_ids moves it to the top of the shrunk one.
_PAST_ANY_VOCAB = 2**31


def _placeholder_image_token(d):
    """A query-token model (BLIP-2-likes) whose default leaves the image token unset gets one.

    Its forward marks the prompt positions the query features replace with
    input_ids == image_token_id; with None nothing matches and forward breaks.
    """
    if not _is_int(d.get("num_query_tokens")):
        return
    for k in ("image_token_index", "image_token_id"):
        if k in d and d[k] is None:
            d[k] = _PAST_ANY_VOCAB


def shrink_config(config, overrides=None, seq_len=None, level="tiny"):
    """A small copy of a transformers config, consistent in its dimensions.

    At level "tiny" hidden sizes go to 32, FFN sizes to 64, layers to 2, heads
    to 4 (key/value heads to a divisor), vocabularies to 1024, experts to 4,
    recursively through sub-configs (text_config, vision_config, ...); "small"
    uses 128 / 256 / 8 heads / 4096; "capped" keeps the default widths and caps
    the depth (see LEVEL_SIZES). Per-layer lists follow the new layer count,
    head_dim follows hidden/heads, widths that equalled a shrunk width keep
    equalling it, group counts divide their channels, special token ids beyond
    the new vocabulary move to its top. overrides (the catalog's or a family
    template's values, nested dicts for sub-configs) are applied last and win.
    When the config class's own validation still rejects the result with a
    "`a` (x) must equal ... (y)" message, a is set to y and the config is built
    again (a few times at most).
    """
    small = shrink_dict(config.to_dict(), overrides, seq_len, level)
    fit_mrope_sections(small)
    last = None
    for _ in range(MAX_VALIDATOR_REPAIRS + 1):
        try:
            built = type(config)(**_constructor_kwargs(config, small, overrides or {}))
            if not fill_layer_types(built, small):
                return built
            continue
        except Exception as exc:  # transformers' strict validators raise their own error types
            repair = _validator_repair(exc)
            if repair is None or repair == last or not _set_path(small, *repair):
                raise
            last = repair


MAX_VALIDATOR_REPAIRS = 6
_MUST_EQUAL = re.compile(r"`?([A-Za-z_][\w.]*)`? \((\d+)\) must (?:equal|match|be equal to)\b[^(]*\((\d+)\)")


def _validator_repair(exc):
    """(dotted key, wanted value) from a validator's "`a` (x) must equal `b` (y)" message, else None."""
    text = ""
    while exc is not None and len(text) < 4000:
        text += " " + str(exc)
        exc = exc.__cause__ or exc.__context__
    m = _MUST_EQUAL.search(text)
    if not m or m.group(2) == m.group(3):
        return None
    return m.group(1), int(m.group(3))


def _set_path(d, dotted, value):
    """Set d[a][b]... = value for dotted "a.b"; False when the path is not in d."""
    *parents, key = dotted.split(".")
    for p in parents:
        d = d.get(p) if isinstance(d, dict) else None
    if not isinstance(d, dict) or key not in d:
        return False
    d[key] = value
    return True


def _fields(cls):
    fields = getattr(cls, "__dataclass_fields__", None)
    return set(fields) if fields else None


# Keys that are no dataclass fields but that __post_init__ takes (a backbone's chosen stages).
_INIT_ONLY_KEYS = {"out_features", "out_indices"}


def _default_mrope(cls, d):
    """Multimodal-RoPE text models fall back on mrope_section [16, 24, 24] (a 128-wide head): scale it to the tiny head."""
    rope = d.get("rope_parameters")
    if "mrope_section" not in (getattr(cls, "ignore_keys_at_rope_validation", None) or ()) or not isinstance(rope, dict):
        return
    if "mrope_section" in rope:
        return
    _, heads = _first(d, sorted(_HEAD_KEYS))
    _, hidden = _first(d, ["hidden_size", "d_model"])
    head_dim = d.get("head_dim") if _is_int(d.get("head_dim")) else (hidden // heads if heads and hidden else None)
    if head_dim:
        rope["mrope_section"] = _scale_sections([16, 24, 24], head_dim // 2)


def _aliased_fields(cls, fields):
    """{stored name: field} for fields an attribute_map stores under another name (Inkling: num_hidden_layers -> n_layers)."""
    amap = getattr(cls, "attribute_map", None) or {}
    return {stored: field for field, stored in amap.items() if fields and field in fields and stored not in fields}


def _constructor_kwargs(config, d, overrides):
    """d restricted to what config's class takes: its fields, recursively for sub-configs.

    to_dict() also holds values __post_init__ derives (head_dim, num_feat_extract_layers,
    layer counts of stage lists...): passing them back would pin the old values, so
    they are left out and derived again. Explicit overrides and special token ids stay.
    """
    fields = _fields(type(config))
    _default_mrope(type(config), d)
    aliases = _aliased_fields(type(config), fields)
    out = {}
    for k, v in d.items():
        if k in aliases and aliases[k] not in d:  # to_dict() names the attribute an aliased field is stored under
            k = aliases[k]
        if k in ("transformers_version", "_name_or_path", "model_type") and k not in overrides:
            continue
        if k in ("dtype", "torch_dtype") and not isinstance(v, str):
            continue
        sub = _get(config, k) if isinstance(v, dict) else None
        if isinstance(v, dict) and hasattr(sub, "to_dict") and isinstance(overrides.get(k, {}), dict):
            sub_type = getattr(sub, "model_type", None)
            if v.get("model_type", sub_type) == sub_type:
                v = _constructor_kwargs(sub, v, overrides.get(k) or {})
                if sub_type:
                    v["model_type"] = sub_type
        if fields is None or k in fields or k in overrides or _is_token_key(k) or k in _INIT_ONLY_KEYS:
            out[k] = v
    return out


def estimate_parameters(d):
    """A rough parameter count of a config dict: per layer 4 h^2 (attention) + 3 h f (gated MLP), plus 2 h x vocab.

    Sub-configs are counted too. Mixture-of-experts MLPs count once per expert.
    Meant for orders of magnitude (is this a 10M or a 1B model?), not for exact sizes.
    """
    total = 0
    for v in d.values():
        if isinstance(v, dict):
            total += estimate_parameters(v)
    _, hidden = _first(d, ["hidden_size", "d_model", "n_embd", "embed_dim", "dim", "hidden_dim", "model_dim"])
    if not hidden:
        return total
    _, ffn = _first(d, sorted(_FFN_KEYS) + ["moe_intermediate_size"])
    ffn = ffn or 4 * hidden
    layers = sum(v for k, v in d.items() if k in _LAYER_KEYS and _is_int(v)) or 1
    _, experts = _first(d, sorted(_EXPERT_KEYS))
    vocab = d.get("vocab_size") if _is_int(d.get("vocab_size")) else 0
    return total + layers * (4 * hidden * hidden + 3 * hidden * ffn * max(1, experts or 1)) + 2 * hidden * vocab
