"""Dump what the installed transformers knows about every model type, as JSON.

Run by `hwcov catalog sync`. It reads CONFIG_MAPPING_NAMES and every task
mapping in transformers.models.auto.modeling_auto, never a hand-kept list, and
instantiates each default config (no network, no weights) to read its size.
The categories are assigned in Go (internal/catalog/category.go) from this data.
"""

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
            "has_num_frames": False,
            "params": 0,
            "max_positions": 0,
        }
        try:
            cls = ca.CONFIG_MAPPING[model_type]
            entry["sub_configs"] = sorted(getattr(cls, "sub_configs", {}) or {})
            cfg = cls()
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
