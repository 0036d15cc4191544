"""Repairs of a shrunk config that its dimensions alone do not give: layer patterns, unset fields, pixel shuffles.

Dict rules (run by shrink.shrink_dict after the dimension fixes):
unset key/value heads mean the heads; KV-sharing layers keep a producer of
every layer kind; run-length layer patterns ([[kinds, repeats]]) add up to the
layer count; a pixel-shuffle scale factor divides the patches per side; an
unset default_X takes the first of the Xs the config lists.
Built-config rule (shrink.shrink_config): a layer_types list the class leaves
unset is filled. Model rule (harness.build_model_with): an attribute the model
reads from a (sub-)config that the class does not declare is taken from where
transformers' parent config would have handed it down.
"""

import importlib
import inspect
import re
import sys
from dataclasses import MISSING

from .geometry import special_token_ids, text_vocab
from .shrink_fixes import _scale_sections
from .sizes import _EXPERT_KEYS, _HEAD_KEYS, _KV_HEAD_KEYS, _LAYER_KEYS, _first, _is_int, _is_token_key


def repair_dict(orig, d):
    """Apply the dict rules to d (the shrunk copy of orig), recursively through sub-configs."""
    for k, v in d.items():
        if isinstance(v, dict) and isinstance(orig.get(k), dict):
            repair_dict(orig[k], v)
    _unset_kv_heads(d)
    _shared_kv_layers(orig, d)
    _layer_pattern_runs(d)
    _pixel_shuffle_grid(d)
    _experts_chosen(d)
    _pooled_image_tokens(d)
    _side_vocabularies(d)
    _default_choice(d)


def _default_choice(d):
    """An unset default_X whose choices the config lists as Xs (default_language, languages) takes the first choice."""
    for k, v in list(d.items()):
        if not (k.startswith("default_") and v is None):
            continue
        choices = d.get(k[len("default_") :] + "s")
        if isinstance(choices, (list, tuple)) and choices and isinstance(choices[0], str):
            d[k] = choices[0]


def _unset_kv_heads(d):
    """num_key_value_heads left None means plain multi-head attention: as many as the heads (transformers' convention)."""
    _, heads = _first(d, sorted(_HEAD_KEYS))
    if not heads:
        return
    for k in _KV_HEAD_KEYS:
        if k in d and d[k] is None:
            d[k] = heads


def _shared_kv_layers(orig, d):
    """The last num_kv_shared_layers layers reuse the cache of an earlier layer of their kind.

    Every kind of layer among the consumers needs a producer before them: with K kinds the
    model gets 2K layers (each kind once as producer, once as consumer) and K shared ones.
    Other per-layer lists follow the new count (their pattern repeated).
    """
    shared, types = d.get("num_kv_shared_layers"), d.get("layer_types")
    lk, layers = _first(d, sorted(_LAYER_KEYS))
    if not (_is_int(shared) and shared > 0 and isinstance(types, list) and types and layers):
        return
    kinds = list(dict.fromkeys(types))
    if layers - shared >= len(kinds) and set(types[: layers - shared]) == set(kinds):
        return
    n = 2 * len(kinds)
    for k, v in d.items():
        if k != "layer_types" and isinstance(v, list) and len(v) == layers and isinstance(orig.get(k), list):
            d[k] = (list(orig[k]) * n)[:n]
    d[lk], d["num_kv_shared_layers"], d["layer_types"] = n, len(kinds), kinds * 2


def _layer_pattern_runs(d):
    """[[kinds, repeats], ...] layer patterns (GPT-Neo's attention_types) add up to the layer count."""
    lk, layers = _first(d, sorted(_LAYER_KEYS))
    for k, v in d.items():
        if not (layers and k.endswith("_types") and isinstance(v, list) and v):
            continue
        if not all(isinstance(r, list) and len(r) == 2 and isinstance(r[0], list) and _is_int(r[1]) for r in v):
            continue
        if sum(len(r[0]) * r[1] for r in v) == layers:
            continue
        kinds = v[0][0]
        if kinds and layers % len(kinds) == 0:
            d[k] = [[kinds, layers // len(kinds)]]
        elif kinds:
            d[lk] = len(kinds)
            d[k] = [[kinds, 1]]


_TOPK_NAME = re.compile(r"^(moe_k|(moe_|router_)?top_?k|(num_)?experts_per_tok(en)?|moe_topk_?\w*)$")


def _experts_chosen(d):
    """Experts chosen per token under other names (moe_k, top_k...) are at most the (shrunk) expert count."""
    _, experts = _first(d, sorted(_EXPERT_KEYS))
    if not experts:
        return
    for k, v in d.items():
        if _TOPK_NAME.match(k) and _is_int(v) and v > experts:
            d[k] = experts


def _side_vocabularies(d):
    """Other vocabularies indexed by the same token ids (Gemma-3n's vocab_size_per_layer_input) shrink with vocab_size."""
    vocab = d.get("vocab_size")
    if not _is_int(vocab):
        return
    for k, v in d.items():
        if k.startswith("vocab_size_") and _is_int(v) and v > vocab:
            d[k] = vocab


def _pooled_image_tokens(d):
    """tokens_per_image = t x t pooled from a p x p patch grid (Gemma-3-likes): t divides p, pooling kept when it can."""
    vc = d.get("vision_config")
    keys = [k for k in d if k.endswith("tokens_per_image") and _is_int(d[k])]
    if not keys or not isinstance(vc, dict):
        return
    size, patch = vc.get("image_size"), vc.get("patch_size")
    if not (_is_int(size) and _is_int(patch) and patch > 0):
        return
    p = size // patch
    for k in keys:
        t = int(round(d[k] ** 0.5))
        if t * t != d[k] or (t <= p and p % t == 0):
            continue
        d[k] = max((x for x in range(1, p) if p % x == 0), default=p) ** 2


def _pixel_shuffle_grid(d):
    """A pixel shuffle by scale_factor (Idefics3-likes) needs patches per side divisible by it: the image grows to fit."""
    _, sf = _first(d, ["scale_factor", "pixel_shuffle_factor"])
    vc = d.get("vision_config")
    if not (_is_int(sf) and sf > 1 and isinstance(vc, dict)):
        return
    size, patch = vc.get("image_size"), vc.get("patch_size")
    if not (_is_int(size) and _is_int(patch) and patch > 0):
        return
    side = size // patch
    if side % sf:
        vc["image_size"] = -(-side // sf) * sf * patch


def fill_layer_types(config, d):
    """A built config whose layer_types stayed None (no __post_init__ derives it): every layer full attention.

    Returns True when d was changed (the config is then built again from it).
    """
    layers = getattr(config, "num_hidden_layers", None)
    if "layer_types" not in d or d["layer_types"] is not None or getattr(config, "layer_types", 0) is not None:
        return False
    if not _is_int(layers):
        return False
    d["layer_types"] = ["full_attention"] * layers
    return True


MAX_ATTRIBUTE_REPAIRS = 6
_NO_ATTRIBUTE = re.compile(r"'(\w+)' object has no attribute '(\w+)'")


def build_model_with(build, config):
    """build(config), giving a (sub-)config an attribute the model reads and its class does not declare.

    transformers' parent configs hand some values down to their sub-configs in
    __post_init__ (dropout_rate, initializer_range, token ids); a sub-config built
    alone, or one whose parent does not, lacks them. The value comes from the
    nearest config of the tree that has it, else rope_parameters (rope_theta), else
    the default another config class of the same module declares. Token ids past
    the text vocabulary map to its last id.
    """
    seen = set()
    for _ in range(MAX_ATTRIBUTE_REPAIRS + 1):
        try:
            return _read_attributes_handed_down(build(config))
        except AttributeError as exc:
            m = _NO_ATTRIBUTE.search(str(exc))
            if not m or m.groups() in seen:
                raise
            holder = _find_config(config, m.group(1))
            found, value = _donor_value(config, holder, m.group(2)) if holder is not None else (False, None)
            if not found:
                raise
            seen.add(m.groups())
            setattr(holder, m.group(2), value)
    return build(config)


_SELF_CONFIG_READ = re.compile(r"\bself\.config\.([a-z_]\w*)\b")


def _read_attributes_handed_down(model):
    """The model's config gets the attributes its module reads as self.config.NAME that it lacks (forward-time reads).

    Only names another config class of the config's module declares are set, with their default.
    """
    config = getattr(model, "config", None)
    module = sys.modules.get(type(model).__module__)
    if config is None or module is None:
        return model
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return model
    for name in sorted(set(_SELF_CONFIG_READ.findall(source))):
        if hasattr(config, name):
            continue
        found, value = _declared_default(config, config, name)
        if found:
            setattr(config, name, value)
    return model


def _configs(config, depth=0):
    """config and its sub-configs, parents first."""
    yield config
    if depth > 3:
        return
    for v in vars(config).values():
        if hasattr(v, "to_dict") and hasattr(v, "model_type"):
            yield from _configs(v, depth + 1)


def _find_config(config, class_name):
    return next((c for c in _configs(config) if type(c).__name__ == class_name), None)


def _donor_value(root, holder, name):
    """(found, value) for attribute name of holder: from the config tree, rope_parameters or a sibling class."""
    for c in _configs(root):
        if c is not holder and name in vars(c) and vars(c)[name] is not None:
            return True, _in_vocab(root, name, vars(c)[name])
    for c in (holder, root):
        rope = getattr(c, "rope_parameters", None)
        if isinstance(rope, dict) and rope.get(name) is not None:
            return True, rope[name]
    found, value = _declared_default(root, holder, name)
    return (found, value) if found else _sibling_width(holder, name)


def _sibling_width(holder, name):
    """(found, width) for a *_intermediate_size no class declares (a shared expert's): the config's own intermediate_size."""
    if not name.endswith("_intermediate_size"):
        return False, None
    for key in ("intermediate_size", "moe_intermediate_size"):
        v = getattr(holder, key, None)
        if _is_int(v) and v > 0:
            return True, v
    return False, None


def _declared_default(root, holder, name):
    """(found, default) of field name as another config class of holder's module declares it."""
    module = importlib.import_module(type(holder).__module__)
    for cls in vars(module).values():
        fields = getattr(cls, "__dataclass_fields__", None) if isinstance(cls, type) else None
        field = fields.get(name) if fields else None
        if field is not None and field.default is not MISSING and field.default is not None:
            return True, _in_vocab(root, name, field.default)
    return False, None


def _in_vocab(root, name, value):
    if not _is_token_key(name) or not _is_int(value):
        return value
    vocab = text_vocab(root)
    if value < vocab:
        return value
    taken = special_token_ids(root)
    return next((i for i in range(vocab - 1, 0, -1) if i not in taken), vocab - 1)


_MROPE_DEFAULT = re.compile(r"""rope_parameters\.get\(\s*["']mrope_section["']\s*,\s*\[([\d,\s]+)\]""")


def fit_mrope_sections(d):
    """Multimodal rotary sections add up to half the rotated part of a head (head_dim x partial_rotary_factor).

    A config that leaves mrope_section unset gets the default its modeling module falls
    back on (rope_parameters.get("mrope_section", [...])), rescaled; one it sets is rescaled.
    Sub-configs are visited too.
    """
    for v in d.values():
        if isinstance(v, dict):
            fit_mrope_sections(v)
    rope = d.get("rope_parameters")
    if not isinstance(rope, dict):
        return
    sections = rope.get("mrope_section")
    if not isinstance(sections, list):
        sections = _module_mrope_default(d.get("model_type"))
    if not sections:
        return
    _, heads = _first(d, sorted(_HEAD_KEYS))
    _, hidden = _first(d, ["hidden_size", "d_model"])
    head_dim = d.get("head_dim") if _is_int(d.get("head_dim")) else (hidden // heads if heads and hidden else None)
    factor = rope.get("partial_rotary_factor", d.get("partial_rotary_factor"))
    factor = factor if isinstance(factor, (int, float)) and 0 < factor <= 1 else 1.0
    if not head_dim:
        return
    if int(head_dim * factor) // 2 < len(sections):  # too narrow a head for one slot per section
        head_dim = _widen_heads(d, len(sections), factor, head_dim)
    rope["mrope_section"] = _scale_keeping_ties(list(sections), int(head_dim * factor) // 2)


def _widen_heads(d, sections, factor, head_dim):
    """A head wide enough for sections rotary slots: head_dim set, or fewer heads (kv heads following); the new width."""
    need = int(2 * -(-sections // factor))
    need += need % 2
    if _is_int(d.get("head_dim")):
        d["head_dim"] = max(head_dim, need)
        return d["head_dim"]
    hk, heads = _first(d, sorted(_HEAD_KEYS))
    _, hidden = _first(d, ["hidden_size", "d_model"])
    while heads > 1 and hidden // heads < need and heads % 2 == 0:
        heads //= 2
    d[hk] = heads
    for k in _KV_HEAD_KEYS:
        if _is_int(d.get(k)) and (d[k] > heads or heads % d[k]):
            d[k] = heads
    return hidden // heads


def _scale_keeping_ties(sections, total):
    """sections rescaled to sum to total (each at least 1), sections that were equal kept equal when possible.

    The remainder of the rounding goes to one section: the last one whose value no other
    section shares (Ernie-4.5-VL stacks its equal height and width sections).
    """
    if not sections or total < len(sections):
        return sections
    s = sum(sections)
    out = [max(1, v * total // s) for v in sections]
    rest = total - sum(out)
    if rest == 0:
        return out
    for i in reversed(range(len(sections))):
        if sections.count(sections[i]) == 1 and out[i] + rest >= 1:
            out[i] += rest
            return out
    return _scale_sections(sections, total)


def _module_mrope_default(model_type):
    """The mrope_section the modeling module of model_type falls back on, else None."""
    if not isinstance(model_type, str):
        return None
    try:
        from transformers import CONFIG_MAPPING

        module = CONFIG_MAPPING[model_type].__module__.replace(".configuration_", ".modeling_")
        source = inspect.getsource(importlib.import_module(module))
    except Exception:  # an unknown model type or a module that does not import here
        return None
    m = _MROPE_DEFAULT.search(source)
    return [int(x) for x in m.group(1).split(",") if x.strip()] if m else None
