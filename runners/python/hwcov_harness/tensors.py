"""The tensors in a model's inputs and outputs: found, summarised and described for the result record.

tensor_items() names every tensor of a ModelOutput, dict, tuple or list
("last_hidden_state", "hidden_states.0", ...): the names the CPU reference,
the ONNX export and the converted runtimes share. summarize_outputs() is the
result's "output" (shapes, dtypes, finiteness, checksums); describe_inputs()
and describe_model() go into its extra. numpy is imported only when a
non-torch array is reduced.
"""

import math

from .record import error_line, jsonable


def _is_tensor(x):
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, (str, bytes, type))


def tensor_items(outputs, prefix="", limit=64):
    """(name, tensor) pairs found in a model output: ModelOutput, dict, tuple, list or tensor."""
    found = []

    def walk(obj, name, depth):
        if len(found) >= limit or depth > 6 or obj is None:
            return
        if _is_tensor(obj):
            found.append((name or "output", obj))
        elif hasattr(obj, "items") and callable(obj.items):
            for k, v in obj.items():
                walk(v, f"{name}.{k}" if name else str(k), depth + 1)
        elif isinstance(obj, (list, tuple)):
            for i, v in enumerate(obj):
                walk(v, f"{name}.{i}" if name else str(i), depth + 1)

    walk(outputs, prefix, 0)
    return found


def tensor_stats(t):
    """shape, dtype, finite, sum and mean absolute value of a torch tensor or numpy array."""
    info = {"shape": [int(d) for d in t.shape], "dtype": str(t.dtype).replace("torch.", "")}
    try:
        if hasattr(t, "detach"):  # torch; reduced on the CPU (MPS has no float64)
            t = t.detach().cpu()
            if t.is_complex():
                t = t.abs()
            if t.dtype.is_floating_point:
                info["finite"] = bool(t.isfinite().all().item())
            else:
                info["finite"] = True
            d = t.double()
            info["sum"] = float(d.sum().item()) if d.numel() else 0.0
            info["mean_abs"] = float(d.abs().mean().item()) if d.numel() else 0.0
        else:  # numpy or anything array-like
            import numpy as np

            a = np.asarray(t)
            if np.iscomplexobj(a):
                a = np.abs(a)
            info["finite"] = bool(np.isfinite(a).all()) if a.dtype.kind in "fc" else True
            a = a.astype("float64")
            info["sum"] = float(a.sum()) if a.size else 0.0
            info["mean_abs"] = float(np.abs(a).mean()) if a.size else 0.0
    except Exception as exc:  # a tensor type we cannot reduce: keep the shape
        info["stats_error"] = error_line(exc)
    return info


def summarize_outputs(outputs):
    """Shapes, dtypes, finiteness and checksums of every tensor in outputs."""
    tensors = {}
    for name, t in tensor_items(outputs):
        tensors[name] = tensor_stats(t)
    finite = all(v.get("finite", True) for v in tensors.values())
    checksum = 0.0
    for v in tensors.values():
        s = v.get("sum")
        if s is not None and math.isfinite(s):
            checksum += s
    return {
        "type": type(outputs).__name__,
        "tensors": tensors,
        "all_finite": finite,
        "checksum": checksum,
    }


def map_tensors(obj, fn):
    """obj with fn applied to every tensor inside dicts, lists and tuples."""
    if _is_tensor(obj):
        return fn(obj)
    if isinstance(obj, dict):
        return {k: map_tensors(v, fn) for k, v in obj.items()}
    if isinstance(obj, list):
        return [map_tensors(v, fn) for v in obj]
    if isinstance(obj, tuple):
        return tuple(map_tensors(v, fn) for v in obj)
    return obj


def describe_inputs(inputs):
    """{name: shape or type} for the inputs, recorded in the result's extra."""
    out = {}
    if not isinstance(inputs, dict):
        return out
    for k, v in inputs.items():
        if _is_tensor(v):
            out[k] = {"shape": [int(d) for d in v.shape], "dtype": str(v.dtype).replace("torch.", "")}
        elif isinstance(v, (list, tuple)) and v and _is_tensor(v[0]):
            out[k] = {"list_of": [[int(d) for d in t.shape] for t in v[:8]]}
        else:
            out[k] = jsonable(v) if isinstance(v, (int, float, bool, str, type(None))) else type(v).__name__
    return out


def describe_model(model, config):
    """Class, parameter count and the main dimensions of the config actually built."""
    info = {}
    if model is not None:
        info["class"] = type(model).__name__
        try:
            info["parameters"] = int(sum(p.numel() for p in model.parameters()))
        except Exception:
            pass
    if config is not None:
        dims = {}
        for key in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size"):
            try:
                v = getattr(config, key)
            except Exception:
                continue
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                dims[key] = v
        info["config"] = dims
    return info


def same_checksums(a, b):
    """True when two summaries hold the same tensors with the same sums (to 1e-5): the runs repeat."""
    ta, tb = a.get("tensors", {}), b.get("tensors", {})
    if ta.keys() != tb.keys():
        return False
    for k in ta:
        x, y = ta[k].get("sum"), tb[k].get("sum")
        if x is None or y is None:
            if x != y:
                return False
        elif not math.isclose(x, y, rel_tol=1e-5, abs_tol=1e-5):
            return False
    return True
