"""Dump what the installed transformers knows about every model type, as JSON.

Run by `hwcov catalog sync`. It reads CONFIG_MAPPING_NAMES and every task
mapping in transformers.models.auto.modeling_auto, never a hand-kept list, and
instantiates each default config (no network, no weights) to read its size.
The categories are assigned in Go (internal/catalog/category.go) from this data.

A model type that no auto class lists (a tower such as clip_text_model, the
encoder or decoder of a composite model) is built through its own model class:
the PreTrainedModel subclass in the config's modeling module whose config_class
is that config class (model_class below). A type with neither gets a
build_note saying why transformers cannot instantiate it from a config.
"""

import importlib
import inspect
import json
import sys


def _int(cfg, *names):
    for n in names:
        v = getattr(cfg, n, None)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
        if isinstance(v, (list, tuple)) and v and all(isinstance(x, int) for x in v):
            return max(v)
    return 0


def _size(cfg):
    """Rough size of a default config: hidden, layers, vocab, ffn, max positions."""
    hidden = _int(cfg, "hidden_size", "d_model", "n_embd", "embed_dim", "hidden_dim", "dim", "hidden_sizes")
    layers = _int(cfg, "num_hidden_layers", "num_layers", "n_layer", "n_layers", "encoder_layers", "depths")
    if isinstance(getattr(cfg, "depths", None), (list, tuple)):
        layers = sum(cfg.depths)
    dec = _int(cfg, "decoder_layers", "num_decoder_layers")
    if dec and dec != layers and _int(cfg, "encoder_layers"):
        layers += dec
    ffn = _int(cfg, "intermediate_size", "d_ff", "n_inner", "ffn_dim", "encoder_ffn_dim") or 4 * hidden
    vocab = _int(cfg, "vocab_size")
    maxpos = _int(cfg, "max_position_embeddings", "n_positions", "max_source_positions")
    params = layers * (4 * hidden * hidden + 2 * hidden * ffn) + vocab * hidden
    return params, maxpos


# Head classes: a bare model is preferred over these when both build the config.
_HEAD_MARKERS = ("For", "LMHead", "WithProjection")


def _driven_by_hidden_states(cls):
    """True when cls.forward takes hidden_states and no pixel_values / input_ids: an inner stack, not the model."""
    try:
        names = set(inspect.signature(cls.forward).parameters)
    except (TypeError, ValueError):
        return False
    return "hidden_states" in names and not names & {"pixel_values", "input_ids", "input_values", "input_features"}


def model_class(config_class):
    """The model class that builds config_class, found by introspection, or ("", why not).

    Candidates are the PreTrainedModel subclasses of the config's modeling module
    (configuration_x -> modeling_x) whose config_class is config_class; a base
    class of another candidate (an abstract *PreTrainedModel) is dropped. The
    pick: <Stem>Model for <Stem>Config, then <Stem> itself, then a bare *Model,
    then any class that is not a task head, then a head, then a *PreTrainedModel.
    Returns ("module.Class", "") or ("", reason).
    """
    from transformers import PreTrainedModel

    package, _, leaf = config_class.__module__.rpartition(".")
    if not leaf.startswith("configuration_"):
        return "", f"{config_class.__name__} lives in {config_class.__module__}, not a configuration module"
    modname = f"{package}.modeling_{leaf[len('configuration_'):]}"
    try:
        module = importlib.import_module(modname)
    except ModuleNotFoundError as exc:
        if exc.name == modname:
            return "", f"transformers has no {modname.rpartition('.')[2]} module: {config_class.__name__} is configuration only"
        return "", f"import {modname}: {type(exc).__name__}: {exc}"
    except Exception as exc:  # an optional backend missing, ...
        return "", f"import {modname}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    seen = {}
    for name, obj in vars(module).items():
        if (inspect.isclass(obj) and issubclass(obj, PreTrainedModel) and obj.__module__.startswith(package + ".")
                and getattr(obj, "config_class", None) is config_class and obj not in seen.values()):
            seen[name] = obj
    cands = [n for n, c in seen.items() if not any(c is not o and issubclass(o, c) for o in seen.values())]
    if not cands:
        return "", (f"{config_class.__name__} configures a part of a larger model: "
                    f"{modname.rpartition('.')[2]} has no PreTrainedModel class of its own for it")
    stem = config_class.__name__[: -len("Config")] if config_class.__name__.endswith("Config") else config_class.__name__

    def rank(name):
        head = any(m in name for m in _HEAD_MARKERS)
        if name.endswith("PreTrainedModel"):  # the family's abstract base, when another class is left
            return 5
        if name == stem + "Model":
            return 0
        if name == stem:
            return 1
        if name.endswith("Model") and not head:
            return 2
        if not head and not _driven_by_hidden_states(seen[name]):
            return 3
        if not head:  # an inner stack (LwDetrViTEncoder) after a class driven by the input itself (its Backbone)
            return 3.5
        return 4

    best = min(cands, key=lambda n: (rank(n), cands.index(n)))
    return f"{modname}.{best}", ""


def main():
    import transformers
    from transformers.models.auto import configuration_auto as ca
    from transformers.models.auto import modeling_auto as ma

    mappings = {}
    for name in dir(ma):
        if name.startswith("MODEL_") and name.endswith("_MAPPING_NAMES"):
            key = name[len("MODEL_"):-len("_MAPPING_NAMES")]
            key = "BASE" if key == "" or name == "MODEL_MAPPING_NAMES" else key
            if key.startswith("FOR_"):
                key = key[len("FOR_"):]
            mappings[key] = getattr(ma, name)

    auto_classes = {}
    ids = {id(v): k for k, v in mappings.items()}
    for attr in dir(transformers):
        if not attr.startswith("AutoModel"):
            continue
        try:
            m = getattr(transformers, attr)._model_mapping._model_mapping
        except Exception:
            continue
        key = ids.get(id(m))
        if key and key not in auto_classes:
            auto_classes[key] = attr

    models = []
    for model_type, config_class in sorted(ca.CONFIG_MAPPING_NAMES.items()):
        entry = {
            "name": model_type,
            "config_class": config_class,
            "mappings": sorted(k for k, v in mappings.items() if model_type in v),
            "sub_configs": [],
            "sub_config_classes": [],
            "has_num_frames": False,
            "image_geometry": False,
            "audio_sampling": False,
            "params": 0,
            "max_positions": 0,
        }
        try:
            cls = ca.CONFIG_MAPPING[model_type]
            if not any(model_type in mappings[k] for k in auto_classes):
                path, note = model_class(cls)
                if path:
                    entry["model_class"] = path
                else:
                    entry["build_note"] = note
            subs = getattr(cls, "sub_configs", {}) or {}
            entry["sub_configs"] = sorted(subs)
            # sub-configs with a class of their own (CLIPConfig -> CLIPTextConfig): those types are towers
            entry["sub_config_classes"] = sorted({c.__name__ for c in subs.values()
                                                  if isinstance(c, type) and c.__name__ != "AutoConfig"})
            cfg = cls()
            entry["image_geometry"] = any(getattr(cfg, n, None) is not None for n in ("image_size", "patch_size"))
            entry["audio_sampling"] = any(getattr(cfg, n, None) is not None
                                          for n in ("sampling_rate", "audio_channels", "num_mel_bins"))
            params, maxpos = _size(cfg)
            frames = getattr(cfg, "num_frames", None) is not None
            for sub in entry["sub_configs"]:
                sc = getattr(cfg, sub, None)
                if sc is None or not hasattr(sc, "to_dict"):
                    continue
                p, m = _size(sc)
                params += p
                maxpos = maxpos or m
                frames = frames or getattr(sc, "num_frames", None) is not None
            entry["params"] = params
            entry["max_positions"] = maxpos
            entry["has_num_frames"] = frames
        except Exception as exc:  # a config that cannot be built with defaults
            entry["config_error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        models.append(entry)

    try:
        import torch
        torch_version = torch.__version__
    except Exception:
        torch_version = ""
    json.dump(
        {
            "transformers_version": transformers.__version__,
            "torch_version": torch_version,
            "auto_classes": auto_classes,
            "models": models,
        },
        sys.stdout,
        sort_keys=True,
    )


if __name__ == "__main__":
    main()
