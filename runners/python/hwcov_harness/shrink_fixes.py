"""After the widths are capped: the derived dimensions of a shrunk config made to agree again.

_fix_dims: per-layer lists follow the layer count, kv heads divide the heads,
head_dim follows hidden / heads, rotary sections fit a head, state-space
mixers keep heads x head_dim = expand x hidden. _fix_agreement: widths that
equalled a shrunk hidden size follow it. _fix_groups: group counts divide
their widths. _remap_token_ids: special token ids past the new vocabulary move
to its top.
"""

import math
import re

from .sizes import (
    _DIM_LIST_KEYS,
    _FFN_KEYS,
    _FFN_SUFFIXES,
    _HEAD_DIM_KEYS,
    _HEAD_KEYS,
    _HIDDEN_KEYS,
    _HIDDEN_SUFFIXES,
    _KV_HEAD_KEYS,
    _LAYER_KEYS,
    TINY_HEADS,
    TINY_KV_HEADS,
    _first,
    _is_int,
    _is_subconfig,
    _is_token_key,
    _matches,
)


def _truncate_layers(values, n, keep_kinds):
    """values cut (or padded) to n entries; keep_kinds: every distinct entry survives when it can."""
    out = (list(values) + list(values[-1:]) * n)[:n]
    if keep_kinds:
        missing = [v for v in dict.fromkeys(values) if v not in out]
        for i, v in enumerate(missing[: max(0, n - 1)]):
            out[n - 1 - i] = v
    return out


def _clamp_layer_index(values, layers):
    """Layer indices (ints or a list) mapped onto a model with `layers` layers, distinct ones kept distinct."""
    items = values if isinstance(values, list) else [values]
    if not all(_is_int(v) for v in items):
        return values
    if all(-layers <= v < layers for v in items):
        return values
    pos = sorted({v for v in items if v >= 0}, reverse=True)
    neg = sorted({v for v in items if v < 0}, reverse=True)
    mapping = {v: max(0, layers - 1 - i) for i, v in enumerate(pos)}
    mapping.update({v: max(-layers, -1 - i) for i, v in enumerate(neg)})
    out = [mapping[v] for v in items]
    return out if isinstance(values, list) else out[0]


def _scale_sections(sections, total):
    """Integer sections (e.g. mrope_section) rescaled to sum to total, each at least 1."""
    if not sections or total < len(sections):
        return sections
    s = sum(sections)
    out = [max(1, v * total // s) for v in sections]
    out[0] += total - sum(out)
    if out[0] < 1:
        return sections
    return out


def _layer_count(d):
    _, n = _first(d or {}, sorted(_LAYER_KEYS))
    return n


def _fix_dims(orig, d, vision_layers=None):
    """Keep derived dimensions consistent after shrinking: per-layer lists, head_dim, kv heads."""
    for name in ("vision_config", "vision_encoder_config", "vision_tower_config"):
        if isinstance(d.get(name), dict) and _layer_count(d[name]):
            vision_layers = _layer_count(d[name])
    for k, v in d.items():
        if _is_subconfig(v) and isinstance(orig.get(k), dict):
            _fix_dims(orig[k], v, vision_layers)
    lk, layers = _first(d, sorted(_LAYER_KEYS))
    _, orig_layers = _first(orig, [lk] if lk else [])
    # backbones hand chosen layers to a neck (out_indices): keep as many, renumbered into the new depth
    oi = d.get("out_indices")
    if layers and isinstance(oi, list) and oi and all(_is_int(i) for i in oi) and max(oi) > layers:
        layers = d[lk] = max(layers, len(oi))
        d["out_indices"] = list(range(layers - len(oi) + 1, layers + 1))
        if isinstance(d.get("out_features"), list) and len(d["out_features"]) == len(oi):
            d["out_features"] = [f"stage{i}" for i in d["out_indices"]]
    # per-layer lists follow the number of layers; layer-type lists keep each kind of layer
    if layers and orig_layers and layers != orig_layers:
        for k, v in d.items():
            if not (isinstance(v, list) and len(v) == orig_layers and isinstance(orig.get(k), (list, tuple))):
                continue
            kinds = k.endswith("layer_types") or k.endswith("_types")
            if kinds or orig_layers >= 6:
                d[k] = _truncate_layers(v, layers, kinds)
    # indices of the vision layers whose features are used
    if vision_layers:
        for k, v in d.items():
            if "feature_layer" in k or k in ("select_layer", "vision_feature_layers"):
                d[k] = _clamp_layer_index(v, vision_layers)
    # heads: kv heads divide the heads; head_dim follows hidden / heads
    hk, heads = _first(d, sorted(_HEAD_KEYS))
    _, hidden = _first(d, ["hidden_size", "d_model", "n_embd", "embed_dim", "dim", "hidden_dim"])
    if heads:
        orig_heads = orig.get(hk)
        for k in _KV_HEAD_KEYS:
            kv = d.get(k)
            if not _is_int(kv) or kv <= 0:
                continue
            if kv == orig_heads:
                d[k] = heads
            elif (kv == orig.get(k) and heads != orig_heads) or kv > heads or heads % kv:
                kv = 1 if kv == 1 else min(TINY_KV_HEADS, heads)
                d[k] = kv if heads % kv == 0 else 1
        if hidden and hidden % heads == 0:
            for k in _HEAD_DIM_KEYS:
                # only a default value (an override set on purpose stays); None means hidden / heads too
                if k in d and d[k] == orig.get(k) and (_is_int(d[k]) or d[k] is None):
                    d[k] = hidden // heads
    head_dim = d.get("head_dim") if _is_int(d.get("head_dim")) else (hidden // heads if heads and hidden else None)
    if head_dim:
        # rotary dimensions fit in a head; multimodal rotary sections add up to half a head
        for k in ("rotary_dim", "rotary_emb_dim", "rope_dim"):
            if _is_int(d.get(k)) and d[k] > head_dim:
                d[k] = head_dim
        for holder in (d, d.get("rope_parameters"), d.get("rope_scaling")):
            if isinstance(holder, dict) and isinstance(holder.get("mrope_section"), list):
                holder["mrope_section"] = _scale_sections(holder["mrope_section"], head_dim // 2)
    _fix_ssm(orig, d, hidden)


def _fix_ssm(orig, d, hidden):
    """State-space (Mamba-2 style) mixers: heads x head_dim must equal expand x hidden, groups divide heads."""
    ek, expand = _first(d, ["expand", "mamba_expand"])
    if not expand or not hidden or not any(k in d for k in ("state_size", "mamba_d_state", "ssm_state_size")):
        return
    inner = expand * hidden
    prefix = "mamba_" if ek.startswith("mamba_") else ""
    if _is_int(d.get(prefix + "d_ssm")):  # Falcon-H1 keeps the SSM width apart from expand x hidden
        d[prefix + "d_ssm"] = inner
    heads_key = prefix + ("n_heads" if prefix else "num_heads")
    dim_key = prefix + ("d_head" if prefix else "head_dim")
    h, hd = d.get(heads_key), d.get(dim_key)
    if _is_int(h) and _is_int(hd) and h * hd != inner:
        heads = TINY_HEADS if inner % TINY_HEADS == 0 else 1
        d[heads_key] = heads
        d[dim_key] = inner // heads
    for k in (prefix + "n_groups", "n_groups", "num_groups"):
        if _is_int(d.get(k)) and _is_int(d.get(heads_key)) and d[heads_key] % d[k]:
            d[k] = 1


def _remap_token_ids(d, parent_vocab, mapping):
    own = d.get("vocab_size")
    vocab = own if _is_int(own) and own > 0 else None
    if vocab is None:
        for name in ("text_config", "decoder", "language_config", "llm_config", "text_encoder"):
            sub = d.get(name)
            if isinstance(sub, dict) and _is_int(sub.get("vocab_size")):
                vocab = sub["vocab_size"]
                break
    if vocab is None:
        vocab = parent_vocab
    for k, v in list(d.items()):
        if isinstance(v, dict):
            _remap_token_ids(v, vocab, mapping)
        elif vocab and _is_token_key(k):
            if _is_int(v) and v >= vocab:
                d[k] = _remap(v, vocab, mapping)
            elif isinstance(v, list):
                d[k] = [_remap(x, vocab, mapping) if _is_int(x) and x >= vocab else x for x in v]


def _remap(old, vocab, mapping):
    key = (old, vocab)
    if key not in mapping:
        used = {n for (o, voc), n in mapping.items() if voc == vocab}
        n = vocab - 1
        while n in used:
            n -= 1
        mapping[key] = max(0, n)
    return mapping[key]


# Names of integer config entries that are widths (of a layer, a projection, a condition vector...).
_WIDTH_NAME = re.compile(r"(^|_)(dim|dims|size|channels|hidden|width|features)$|^(hidden|d)_|_hidden_")
_NOT_WIDTH_NAME = re.compile(
    r"vocab|position|image|patch|window|kernel|stride|sample|batch|codebook|length|bins|frame|rate|chunk|block|"
    r"cache|pool|step|spec|grid|tile|crop|bucket|max_|min_|num_|seq|token|layer|head|expert|group|rank|ratio"
)


def _width_key(k):
    return isinstance(k, str) and bool(_WIDTH_NAME.search(k)) and not _NOT_WIDTH_NAME.search(k)


def _walk_pairs(orig, new, path=()):
    """(path, key, original value, new value) for every integer entry in both trees."""
    for k, v in new.items():
        ov = orig.get(k) if isinstance(orig, dict) else None
        if isinstance(v, dict):
            yield from _walk_pairs(ov if isinstance(ov, dict) else {}, v, path + (k,))
        elif _is_int(v) and _is_int(ov):
            yield path, k, ov, v


def _fix_agreement(orig, d, overrides):
    """Widths that equalled a shrunk hidden size in the default config equal its new value.

    Default configs are consistent: a head's condition_dim, an adapter's input
    width or a projector's output equal some tower's hidden size. Shrinking the
    hidden sizes by name leaves such entries behind; they follow the hidden size
    they equalled (hidden sizes first, then FFN sizes). Overridden entries stay.
    """
    mapping = {}
    for pass_keys in ((_HIDDEN_KEYS, _HIDDEN_SUFFIXES), (_FFN_KEYS, _FFN_SUFFIXES)):
        for _, k, ov, v in _walk_pairs(orig, d):
            if ov != v and _matches(k, *pass_keys):
                mapping.setdefault(ov, v)
    if not mapping:
        return

    def walk(o, n, ov_over):
        for k, v in n.items():
            ov = o.get(k) if isinstance(o, dict) else None
            over = ov_over.get(k) if isinstance(ov_over, dict) else None
            if isinstance(v, dict):
                walk(ov if isinstance(ov, dict) else {}, v, over if isinstance(over, dict) else {})
            elif _is_int(v) and v == ov and v >= 64 and v in mapping and over is None and _width_key(k):
                n[k] = mapping[v]

    walk(orig, d, overrides)


_GROUP_KEYS = {"num_groups", "norm_num_groups", "resnet_groups", "num_norm_groups", "groups", "group_norm_groups",
               "conv_groups", "attention_groups", "norm_groups", "num_channel_groups"}  # fmt: skip


def _fix_groups(d):
    """Group counts (group norms, grouped convolutions) divide every width of their config."""
    for v in d.values():
        if isinstance(v, dict):
            _fix_groups(v)
    widths = []
    for k, v in d.items():
        if (_matches(k, _HIDDEN_KEYS, _HIDDEN_SUFFIXES) or k in _DIM_LIST_KEYS or k.endswith("channels")) and k != "num_channels":
            widths.extend(x for x in (v if isinstance(v, list) else [v]) if _is_int(x) and x > 0)
    if not widths:
        return
    for k in [k for k in d if k in _GROUP_KEYS or (k.endswith("_groups") and "key_value" not in k)]:
        g = d.get(k)
        if _is_int(g) and g > 1 and any(w % g for w in widths):
            d[k] = math.gcd(g, *widths)
