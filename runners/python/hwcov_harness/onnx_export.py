"""Export a torch model and example inputs to ONNX, cached per (model, shapes) in this process.

    input_names, output_names = onnx_export.export(model, inputs, "/tmp/bert.onnx")
    exported = onnx_export.cached(model, inputs)      # same, into a per-process cache folder
    exported.path, exported.input_names, exported.output_names, exported.cache_hit

`inputs` is the dict a generated test passes to its forward(): every tensor in
it becomes a graph input (in the dict's order) unless it is named in
`constants`, which are baked into the graph with their values, as are the
non-tensor entries. The outputs are the tensors of the model's output, in the
order and with the names of `tensors.tensor_items` ("last_hidden_state",
"hidden_states.0", ...), so a test can match them with its CPU reference.

Shapes are static: the graph is exported for exactly these input shapes (what
the web, OpenVINO and NPU runtimes want), so a new shape is a new export.
Weights are stored inside the .onnx file (no external data); models past
protobuf's 2 GB limit are out of scope for tiny-model tests.

torch.onnx.export's dynamo exporter is tried first (it needs the `onnx` and
`onnxscript` packages); when it fails, the TorchScript exporter is tried unless
`fallback=False`. Only the standard library is imported at import time.
"""

import atexit
import collections
import contextlib
import hashlib
import io
import os
import shutil
import tempfile
import threading
import time

from .record import error_line
from .tensors import tensor_items

DEFAULT_OPSET = 18
CACHE_ENTRIES = 32  # exported files kept per process; the oldest are deleted

Exported = collections.namedtuple(
    "Exported", "path input_names output_names exporter seconds cache_hit key"
)


class ExportError(Exception):
    """The model could not be exported to ONNX; the message names the exporter(s) and the cause."""

    platform_error = True  # the converter's outcome: the shrink ladder does not try another size


def _torch():
    import torch

    return torch


def split_inputs(inputs, constants=()):
    """(graph inputs {name: tensor}, fixed {name: value}) from a forward() inputs dict."""
    torch = _torch()
    graph, fixed = {}, {}
    for name, value in (inputs or {}).items():
        if isinstance(value, torch.Tensor) and name not in constants:
            graph[name] = value
        else:
            fixed[name] = value
    return graph, fixed


def call(model, kwargs, forward=None):
    """forward(model, kwargs) when the test has its own forward, else model(**kwargs)."""
    return forward(model, kwargs) if forward is not None else model(**kwargs)


def flat_module(model, names, fixed, forward=None):
    """A module taking the graph inputs positionally and returning the output tensors as a tuple.

    What torch.onnx.export and OpenVINO's convert_model trace: graph inputs named
    names, in order; fixed holds the values baked in (constants, non-tensors).
    """
    torch = _torch()

    class Flat(torch.nn.Module):
        """model(**fixed, **dict(zip(names, tensors))) with its output tensors as a flat tuple."""

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            kwargs = dict(fixed)
            kwargs.update(zip(names, tensors))
            out = call(self.model, kwargs, forward)
            return tuple(t for _, t in tensor_items(out))

    return Flat().eval()


def output_names_of(model, inputs, forward=None):
    """The names export() gives the outputs: one eager forward pass, without autograd."""
    torch = _torch()
    with torch.no_grad():
        out = call(model, dict(inputs), forward)
    return [name for name, _ in tensor_items(out)]


def export(model, inputs, path, *, forward=None, constants=(), opset=DEFAULT_OPSET, fallback=True, info=None):
    """Export model for these inputs to the ONNX file at path; return (input_names, output_names).

    forward(model, inputs) is how the test calls the model (default
    model(**inputs)); constants names inputs to bake into the graph instead of
    exposing them. info, a dict, receives the exporter used and the seconds.
    Raises ExportError.
    """
    torch = _torch()
    graph, fixed = split_inputs(inputs, constants)
    if not graph:
        raise ExportError("nothing to export: no tensor among the inputs (or all of them are constants)")
    names = list(graph)
    outputs = output_names_of(model, inputs, forward)
    if not outputs:
        raise ExportError(f"{type(model).__name__} returned no tensors")
    flat = flat_module(model, names, fixed, forward)
    args = tuple(graph[n] for n in names)
    tmp = f"{path}.tmp-{os.getpid()}"
    errors = []
    attempts = [("dynamo", True)] + ([("torchscript", False)] if fallback else [])
    t0 = time.perf_counter()
    for label, dynamo in attempts:
        log = io.StringIO()
        try:
            with contextlib.redirect_stdout(log), torch.no_grad():
                kwargs = dict(
                    input_names=names, output_names=outputs, opset_version=opset, dynamo=dynamo,
                )
                if dynamo:
                    kwargs.update(external_data=False, optimize=True)
                else:
                    kwargs.update(do_constant_folding=True)
                torch.onnx.export(flat, args, tmp, **kwargs)
            _check_single_file(tmp)
            os.replace(tmp, path)
            if info is not None:
                info.update(exporter=label, seconds=time.perf_counter() - t0, opset=opset)
            return names, outputs
        except Exception as exc:  # try the next exporter, report them all
            errors.append(f"{label}: {error_line(exc)}")
        finally:
            for leftover in (tmp, tmp + ".data"):
                if os.path.exists(leftover):
                    os.remove(leftover)
    raise ExportError(f"torch.onnx.export failed for {type(model).__name__}: " + "; ".join(errors))


def _check_single_file(path):
    """The weights must be inside the file: the browser and the caches move one file around."""
    if os.path.exists(path + ".data"):
        raise ExportError("the exporter wrote external data (a model over 2 GB?); hwcov exports single files")


# ---------------------------------------------------------------- the per-process cache

_lock = threading.Lock()
_cache = collections.OrderedDict()  # key -> Exported
_cache_dir = None


def _dir():
    global _cache_dir
    if _cache_dir is None:
        _remove_stale(tempfile.gettempdir())
        _cache_dir = tempfile.mkdtemp(prefix=f"hwcov-onnx-{os.getpid()}-")
        atexit.register(shutil.rmtree, _cache_dir, True)
    return _cache_dir


def _remove_stale(parent):
    """Delete the cache folders of worker processes that are gone (killed before their atexit ran)."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        parts = name.split("-")
        if len(parts) < 4 or parts[:2] != ["hwcov", "onnx"] or not parts[2].isdigit():
            continue
        pid = int(parts[2])
        try:
            os.kill(pid, 0)
            continue  # still running
        except ProcessLookupError:
            pass
        except OSError:
            continue  # someone else's process
        shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def fingerprint(model, inputs, *, forward=None, constants=(), opset=DEFAULT_OPSET):
    """A key that changes with the model's class, config, weights, the input shapes/dtypes, the constants' values and forward."""
    torch = _torch()
    h = hashlib.sha256()

    def put(*parts):
        for p in parts:
            h.update(str(p).encode("utf-8", "surrogateescape"))
            h.update(b"\0")

    put(type(model).__module__, type(model).__qualname__, opset, sorted(constants))
    config = getattr(model, "config", None)
    if config is not None and hasattr(config, "to_json_string"):
        try:
            put(config.to_json_string(use_diff=False))
        except Exception:
            put(repr(config))
    for name, t in model.state_dict().items():
        put(name, tuple(t.shape), t.dtype)
        t = t.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        h.update(t.contiguous().view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    graph, fixed = split_inputs(inputs, constants)
    for name, t in graph.items():
        put("in", name, tuple(t.shape), t.dtype)
    for name, v in fixed.items():
        if isinstance(v, torch.Tensor):
            put("const", name, tuple(v.shape), v.dtype)
            h.update(v.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes() if v.numel() else b"")
        else:
            put("fixed", name, repr(v))
    if forward is not None:
        code = getattr(forward, "__code__", None)
        put(getattr(forward, "__qualname__", repr(forward)), code.co_code.hex() if code else "", code.co_consts if code else "")
    return h.hexdigest()[:24]


def cached(model, inputs, *, forward=None, constants=(), opset=DEFAULT_OPSET, fallback=True):
    """export() into this process's cache folder, once per fingerprint; returns an Exported."""
    key = fingerprint(model, inputs, forward=forward, constants=constants, opset=opset)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and os.path.exists(hit.path):
            _cache.move_to_end(key)
            return hit._replace(cache_hit=True, seconds=0.0)
    path = os.path.join(_dir(), f"model-{key}.onnx")
    info = {}
    names, outputs = export(model, inputs, path, forward=forward, constants=constants, opset=opset, fallback=fallback, info=info)
    entry = Exported(path, names, outputs, info.get("exporter", ""), info.get("seconds", 0.0), False, key)
    with _lock:
        _cache[key] = entry
        while len(_cache) > CACHE_ENTRIES:
            _, old = _cache.popitem(last=False)
            with contextlib.suppress(OSError):
                os.remove(old.path)
    return entry


def clear_cache():
    """Forget and delete every cached export of this process."""
    with _lock:
        for entry in _cache.values():
            with contextlib.suppress(OSError):
                os.remove(entry.path)
        _cache.clear()
