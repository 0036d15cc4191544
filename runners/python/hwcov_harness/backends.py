"""Run a tiny torch model on OpenVINO or ONNX Runtime, and compare outputs with a reference.

    conv = backends.openvino_compiled(model, inputs, forward=forward)   # ov.convert_model + compile for "CPU"
    outs = backends.openvino_run(conv, inputs)                          # {output name: torch tensor}
    sess = backends.onnxruntime_session(model, inputs, forward=forward, provider="CPUExecutionProvider")
    outs = backends.onnxruntime_run(sess, inputs)
    report, failures = backends.compare(reference, outs, atol, rtol)

Conversions and sessions are cached per (model, input shapes) in this worker
process (the key is onnx_export.fingerprint), so a benchmark sweep or a rerun
converts once per shape. Output names are those of harness.tensor_items, the
names the CPU reference uses. Only the standard library is imported at import
time.
"""

import collections
import os
import platform
import threading
import time

from . import harness, onnx_export

CACHE_ENTRIES = 16

Converted = collections.namedtuple("Converted", "runner input_names output_names frontend seconds cache_hit key")

_lock = threading.Lock()
_ov_cache = collections.OrderedDict()
_ort_cache = collections.OrderedDict()


class BackendError(Exception):
    """A conversion or a session could not be made; the message says which step failed and why."""


def _torch():
    import torch

    return torch


def _remember(cache, key, entry):
    with _lock:
        cache[key] = entry
        while len(cache) > CACHE_ENTRIES:
            cache.popitem(last=False)


def _lookup(cache, key):
    with _lock:
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit._replace(cache_hit=True, seconds=0.0)
    return None


def clear_caches():
    """Forget every cached conversion and session of this process."""
    with _lock:
        _ov_cache.clear()
        _ort_cache.clear()


def _flat(model, names, fixed, forward):
    """A module taking the graph inputs positionally and returning the output tensors as a tuple."""
    torch = _torch()

    class Flat(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            kwargs = dict(fixed)
            kwargs.update(zip(names, tensors))
            out = forward(self.model, kwargs) if forward is not None else self.model(**kwargs)
            return tuple(t for _, t in harness.tensor_items(out))

    return Flat().eval()


def threads():
    """Threads the runtimes may use: torch's intra-op count, so the platforms are compared fairly."""
    return max(1, _torch().get_num_threads())


# ---------------------------------------------------------------- OpenVINO


def openvino_compiled(model, inputs, *, forward=None, constants=(), device="CPU", config=None):
    """ov.convert_model(model, example_input=...) compiled for device; a Converted, cached per (model, shapes).

    The PyTorch frontend is tried first; when it cannot convert the model the
    ONNX export (onnx_export.cached) is read instead, and frontend says which.
    """
    import openvino as ov

    torch = _torch()
    config = dict(config or {})
    key = (onnx_export.fingerprint(model, inputs, forward=forward, constants=constants), device, tuple(sorted(config.items())))
    hit = _lookup(_ov_cache, key)
    if hit is not None:
        return hit
    graph, fixed = onnx_export.split_inputs(inputs, constants)
    names = list(graph)
    if not names:
        raise BackendError("nothing to convert: no tensor among the inputs")
    outputs = onnx_export.output_names_of(model, inputs, forward)
    t0 = time.perf_counter()
    errors = []
    ov_model, frontend = None, ""
    try:
        with torch.no_grad():
            ov_model = ov.convert_model(_flat(model, names, fixed, forward), example_input=tuple(graph[n] for n in names))
        frontend = "pytorch"
    except Exception as exc:
        errors.append(f"pytorch frontend: {harness.error_line(exc)}")
        try:
            exported = onnx_export.cached(model, inputs, forward=forward, constants=constants)
            ov_model = ov.convert_model(exported.path)
            frontend = "onnx (" + exported.exporter + ")"
        except Exception as exc2:
            errors.append(f"onnx frontend: {harness.error_line(exc2)}")
    if ov_model is None:
        raise BackendError("openvino.convert_model failed for " + type(model).__name__ + ": " + "; ".join(errors))
    core = ov.Core()
    config.setdefault("INFERENCE_NUM_THREADS", threads())
    compiled = core.compile_model(ov_model, device, config)
    if len(compiled.outputs) != len(outputs):
        raise BackendError(f"openvino model has {len(compiled.outputs)} outputs, torch returned {len(outputs)}")
    entry = Converted(compiled, names, outputs, frontend, time.perf_counter() - t0, False, key)
    _remember(_ov_cache, key, entry)
    return entry


def openvino_run(conv, inputs):
    """One inference; {output name: torch tensor}."""
    torch = _torch()
    feeds = [inputs[n].detach().cpu().numpy() for n in conv.input_names]
    result = conv.runner(feeds)
    return {name: torch.from_numpy(result[conv.runner.outputs[i]].copy()) for i, name in enumerate(conv.output_names)}


# ---------------------------------------------------------------- ONNX Runtime


def onnxruntime_providers():
    """The execution providers this onnxruntime build offers."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


def onnxruntime_session(model, inputs, *, forward=None, constants=(), provider="CPUExecutionProvider", provider_options=None,
                        graph_optimization=True):
    """torch.onnx.export (onnx_export.cached) then an InferenceSession on provider only; a Converted, cached.

    graph_optimization False opens the session with ORT_DISABLE_ALL (the baseline of --optimizations none).
    """
    import onnxruntime as ort

    key = (onnx_export.fingerprint(model, inputs, forward=forward, constants=constants), provider, repr(provider_options),
           bool(graph_optimization))
    hit = _lookup(_ort_cache, key)
    if hit is not None:
        return hit
    t0 = time.perf_counter()
    exported = onnx_export.cached(model, inputs, forward=forward, constants=constants)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if graph_optimization
                                        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    opts = [provider_options] if provider_options is not None else None
    session = ort.InferenceSession(exported.path, sess_options=options, providers=[provider], provider_options=opts)
    used = session.get_providers()
    if provider not in used:
        raise BackendError(f"onnxruntime did not take {provider} (it chose {used})")
    entry = Converted(session, list(exported.input_names), list(exported.output_names), "onnx (" + exported.exporter + ")",
                      time.perf_counter() - t0, False, key)
    _remember(_ort_cache, key, entry)
    return entry


def onnxruntime_run(conv, inputs):
    """One inference; {output name: torch tensor}."""
    torch = _torch()
    feeds = {n: inputs[n].detach().cpu().numpy() for n in conv.input_names}
    values = conv.runner.run(list(conv.output_names), feeds)
    return {name: torch.from_numpy(v) for name, v in zip(conv.output_names, values)}


# ---------------------------------------------------------------- comparison


def compare(reference, outputs, atol, rtol):
    """(report, failures): per output max abs/rel difference against reference, and what is out of tolerance.

    reference is {name: tensor}; outputs is {name: tensor} or a model output.
    A tensor is within tolerance when |have - want| <= atol + rtol * |want|
    everywhere (torch.allclose). max_rel_diff divides by |want| clamped at 1e-6.
    """
    torch = _torch()
    got = outputs if isinstance(outputs, dict) and all(isinstance(v, torch.Tensor) for v in outputs.values()) \
        else dict(harness.tensor_items(outputs))
    report, failures = {}, []
    for name, want in harness.tensor_items(reference):
        if name not in got:
            failures.append(f"output {name} is missing (have {sorted(got)[:8]})")
            report[name] = {"missing": True, "within_tolerance": False}
            continue
        have = got[name].detach().to("cpu", torch.float32)
        want = want.detach().to("cpu", torch.float32)
        if tuple(have.shape) != tuple(want.shape):
            failures.append(f"output {name}: shape {tuple(have.shape)}, reference {tuple(want.shape)}")
            report[name] = {"shape": list(have.shape), "reference_shape": list(want.shape), "within_tolerance": False}
            continue
        diff = (have - want).abs()
        max_abs = diff.max().item() if diff.numel() else 0.0
        max_rel = (diff / want.abs().clamp_min(1e-6)).max().item() if diff.numel() else 0.0
        ok = bool(torch.allclose(have, want, atol=atol, rtol=rtol, equal_nan=True))
        report[name] = {"max_abs_diff": max_abs, "max_rel_diff": max_rel, "within_tolerance": ok}
        if not ok:
            failures.append(f"{name} by {max_abs:.3g}")
    return report, failures


def validation_record(report, atol, rtol, reference="cpu fp32"):
    """What extra.validation holds: the tolerance, per-output diffs and the worst of them."""
    vals = [r for r in report.values() if "max_abs_diff" in r]
    return {
        "reference": reference,
        "atol": atol,
        "rtol": rtol,
        "outputs": report,
        "max_abs_diff": max((r["max_abs_diff"] for r in vals), default=0.0),
        "max_rel_diff": max((r["max_rel_diff"] for r in vals), default=0.0),
        "within_tolerance": all(r.get("within_tolerance") for r in report.values()),
    }


# ---------------------------------------------------------------- environment


_cpu_model = None


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo, else platform.processor())."""
    global _cpu_model
    if _cpu_model is None:
        name = ""
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.lower().startswith("model name"):
                        name = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        _cpu_model = name or platform.processor() or platform.machine()
    return _cpu_model


def environment():
    """CPU model, thread counts and the versions of the runtimes this process imported."""
    import sys

    env = {"cpu_model": cpu_model(), "cpu_count": os.cpu_count()}
    torch = sys.modules.get("torch")
    if torch is not None:
        env["torch_threads"] = torch.get_num_threads()
    for name in ("torch", "transformers", "openvino", "onnxruntime", "onnx"):
        mod = sys.modules.get(name)
        if mod is not None:
            env[name] = getattr(mod, "__version__", "unknown")
    return env
