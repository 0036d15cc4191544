"""Run a tiny torch model on OpenVINO or ONNX Runtime, and compare outputs with a reference.

    conv = backends.openvino_compiled(model, inputs, forward=forward, precision="fp32")  # ov.convert_model + compile for "CPU"
    outs = backends.openvino_run(conv, inputs)                          # {output name: torch tensor}
    sess = backends.onnxruntime_session(model, inputs, forward=forward, provider="CPUExecutionProvider")
    outs = backends.onnxruntime_run(sess, inputs)
    report, failures = backends.compare(reference, outs, atol, rtol)

No runtime is left to pick the precision: OpenVINO's CPU plugin infers in
bf16 on a CPU with avx512_bf16 or AMX unless told otherwise, so every setting
that decides the arithmetic is passed explicitly (openvino_config,
onnxruntime_config) and read back from the compiled model or session into
Converted.settings, which the templates store in the result's extra.

Conversions and sessions are cached per (model, input shapes) in this worker
process (the key is onnx_export.fingerprint), so a benchmark sweep or a rerun
converts once per shape. Output names are those of tensors.tensor_items, the
names the CPU reference uses. Only the standard library is imported at import
time.
"""

import collections
import os
import platform
import threading
import time

from . import onnx_export
from .record import error_line
from .tensors import tensor_items

CACHE_ENTRIES = 16

# settings: what the runtime reports it uses (OpenVINO's compiled-model properties,
# ONNX Runtime's session config entries and provider options), read back after compiling
Converted = collections.namedtuple("Converted", "runner input_names output_names frontend seconds cache_hit key settings",
                                   defaults=(None,))

_lock = threading.Lock()
_ov_cache = collections.OrderedDict()
_ort_cache = collections.OrderedDict()


class BackendError(Exception):
    """A conversion or a session could not be made; the message says which step failed and why."""

    platform_error = True  # the platform's outcome: the shrink ladder does not try another size


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


def threads():
    """Threads the runtimes may use: torch's intra-op count, so the platforms are compared fairly."""
    return max(1, _torch().get_num_threads())


# ---------------------------------------------------------------- OpenVINO


# The test's precision as OpenVINO's INFERENCE_PRECISION_HINT element type
OPENVINO_PRECISION = {"fp32": "f32", "fp16": "f16", "bf16": "bf16"}

# Compiled-model properties read back into Converted.settings (those the CPU plugin reports)
OPENVINO_READ_BACK = ("INFERENCE_PRECISION_HINT", "EXECUTION_MODE_HINT", "DYNAMIC_QUANTIZATION_GROUP_SIZE",
                      "KV_CACHE_PRECISION", "CPU_DENORMALS_OPTIMIZATION", "INFERENCE_NUM_THREADS", "EXECUTION_DEVICES")


def openvino_config(precision, device="CPU"):
    """The compile_model config that fixes the arithmetic for precision (fp32, fp16, bf16).

    INFERENCE_PRECISION_HINT is the precision itself (the CPU plugin's default
    is bf16 on CPUs with avx512_bf16 or AMX, f32 elsewhere); EXECUTION_MODE_HINT
    ACCURACY for fp32 keeps the plugin from lowering it; dynamic quantization of
    activations is off and the KV cache (stateful models) is kept in the same
    precision instead of the default u8; denormals are not flushed to zero.
    Raises ValueError for a precision OpenVINO has no hint for (int8 is a
    quantized model, not a hint).
    """
    hint = OPENVINO_PRECISION.get(precision)
    if hint is None:
        raise ValueError(f"no OpenVINO inference precision for {precision!r} (have {', '.join(OPENVINO_PRECISION)})")
    config = {
        "INFERENCE_PRECISION_HINT": hint,
        "EXECUTION_MODE_HINT": "ACCURACY" if precision == "fp32" else "PERFORMANCE",
        "DYNAMIC_QUANTIZATION_GROUP_SIZE": 0,
    }
    if device.upper().startswith("CPU"):
        config["KV_CACHE_PRECISION"] = hint
        config["CPU_DENORMALS_OPTIMIZATION"] = False
    return config


def openvino_capabilities(device="CPU"):
    """The device's OPTIMIZATION_CAPABILITIES (e.g. FP32, FP16, BF16, INT8); [] when it cannot say."""
    import openvino as ov

    try:
        return [str(c) for c in ov.Core().get_property(device, "OPTIMIZATION_CAPABILITIES")]
    except Exception:
        return []


def _ov_value(v):
    """A compiled-model property as JSON: an element type by its short name (f32, bf16), enums by name."""
    if hasattr(v, "get_type_name"):  # openvino.Type
        return v.get_type_name()
    if isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_ov_value(x) for x in v]
    name = getattr(v, "name", None)
    return name if isinstance(name, str) else str(v)


def openvino_settings(compiled):
    """{property: value} of OPENVINO_READ_BACK as the compiled model reports them (what it really runs with)."""
    out = {}
    for prop in OPENVINO_READ_BACK:
        try:
            out[prop] = _ov_value(compiled.get_property(prop))
        except Exception:  # a device without the property
            continue
    return out


def openvino_compiled(model, inputs, *, forward=None, constants=(), device="CPU", config=None, precision="fp32"):
    """ov.convert_model(model, example_input=...) compiled for device; a Converted, cached per (model, shapes, config).

    The config is openvino_config(precision) updated with config. The PyTorch
    frontend is tried first; when it cannot convert the model the ONNX export
    (onnx_export.cached) is read instead, and frontend says which. settings
    holds openvino_settings of the compiled model: settings["INFERENCE_PRECISION_HINT"]
    is the precision OpenVINO infers in, which on a CPU without bf16 (or fp16)
    support may be f32 whatever was asked.
    """
    import openvino as ov

    torch = _torch()
    config = {**openvino_config(precision, device), **dict(config or {})}
    config.setdefault("INFERENCE_NUM_THREADS", threads())
    key = (onnx_export.fingerprint(model, inputs, forward=forward, constants=constants), device,
           tuple(sorted((k, repr(v)) for k, v in config.items())))
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
            ov_model = ov.convert_model(onnx_export.flat_module(model, names, fixed, forward), example_input=tuple(graph[n] for n in names))
        frontend = "pytorch"
    except Exception as exc:
        errors.append(f"pytorch frontend: {error_line(exc)}")
        try:
            exported = onnx_export.cached(model, inputs, forward=forward, constants=constants)
            ov_model = ov.convert_model(exported.path)
            frontend = "onnx (" + exported.exporter + ")"
        except Exception as exc2:
            errors.append(f"onnx frontend: {error_line(exc2)}")
    if ov_model is None:
        raise BackendError("openvino.convert_model failed for " + type(model).__name__ + ": " + "; ".join(errors))
    core = ov.Core()
    compiled = core.compile_model(ov_model, device, config)
    if len(compiled.outputs) != len(outputs):
        raise BackendError(f"openvino model has {len(compiled.outputs)} outputs, torch returned {len(outputs)}")
    settings = {"requested": {k: _ov_value(v) for k, v in config.items()}, "compiled": openvino_settings(compiled)}
    entry = Converted(compiled, names, outputs, frontend, time.perf_counter() - t0, False, key, settings)
    _remember(_ov_cache, key, entry)
    return entry


def openvino_precision(conv):
    """The element type the compiled model infers in (f32, f16, bf16), as it reports it; "" when it does not say."""
    return ((conv.settings or {}).get("compiled") or {}).get("INFERENCE_PRECISION_HINT", "")


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


# Session config entries that change the arithmetic of an fp32 graph, each set to
# what keeps fp32 exact (https://onnxruntime.ai/docs/api/python/api_summary.html#sessionoptions,
# onnxruntime_session_options_config_keys.h). Their defaults agree today; set here
# so that a new default in onnxruntime cannot change a result unnoticed.
ONNXRUNTIME_FP32_CONFIG = {
    "optimization.enable_gelu_approximation": "0",  # no tanh approximation of Gelu
    "optimization.enable_cast_chain_elimination": "0",  # keep Cast chains (a round trip through fp16 stays)
    "session.set_denormal_as_zero": "0",  # denormals are kept
    "mlas.enable_gemm_fastmath_arm64_bfloat16": "0",  # no bf16 fastmath GEMM on arm64 CPUs
}


def onnxruntime_config(provider="CPUExecutionProvider"):
    """The session config entries for a session on provider only.

    ONNXRUNTIME_FP32_CONFIG, and session.disable_cpu_ep_fallback "1" for every
    provider but the CPU's: a node the provider cannot take fails the session
    instead of running on the CPU, so a result on QNN means QNN ran it.
    """
    config = dict(ONNXRUNTIME_FP32_CONFIG)
    config["session.disable_cpu_ep_fallback"] = "0" if provider == "CPUExecutionProvider" else "1"
    return config


def qnn_provider_options(precision, backend_path="libQnnHtp.so"):
    """QNNExecutionProvider options for an fp32 ONNX graph run at precision (fp32 or fp16).

    enable_htp_fp16_precision says whether the HTP runs the fp32 graph in fp16;
    it is set both ways, never left to the SDK's default. Raises ValueError for
    other precisions (int8 needs a quantized QDQ graph).
    """
    if precision not in ("fp32", "fp16"):
        raise ValueError(f"QNN runs an fp32 ONNX graph in fp32 or fp16, not {precision!r}")
    return {"backend_path": backend_path, "enable_htp_fp16_precision": "1" if precision == "fp16" else "0"}


def onnxruntime_session(model, inputs, *, forward=None, constants=(), provider="CPUExecutionProvider", provider_options=None,
                        graph_optimization=True, config=None):
    """torch.onnx.export (onnx_export.cached) then an InferenceSession on provider only; a Converted, cached.

    graph_optimization False opens the session with ORT_DISABLE_ALL (the baseline of --optimizations none).
    The session config entries are onnxruntime_config(provider) updated with
    config; settings holds them and the provider options as the session reports them.
    """
    import onnxruntime as ort

    config = {**onnxruntime_config(provider), **dict(config or {})}
    key = (onnx_export.fingerprint(model, inputs, forward=forward, constants=constants), provider, repr(provider_options),
           bool(graph_optimization), tuple(sorted(config.items())))
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
    for k, v in config.items():
        options.add_session_config_entry(k, str(v))
    opts = [provider_options] if provider_options is not None else None
    session = ort.InferenceSession(exported.path, sess_options=options, providers=[provider], provider_options=opts)
    used = session.get_providers()
    if provider not in used:
        raise BackendError(f"onnxruntime did not take {provider} (it chose {used})")
    entry = Converted(session, declared_inputs(session, exported.input_names), list(exported.output_names), "onnx (" + exported.exporter + ")",
                      time.perf_counter() - t0, False, key, onnxruntime_settings(session, config))
    _remember(_ort_cache, key, entry)
    return entry


def declared_inputs(session, names):
    """The names of names the session's graph declares, in their order. The
    exporter may fold an input the graph only reads for its values (grid_thw
    of a patch-row vision tower) into a constant; feeding it is an error."""
    declared = {i.name for i in session.get_inputs()}
    return [n for n in names if n in declared]


def onnxruntime_settings(session, keys=()):
    """What the session reports: its providers, their options, the config entries named by keys, graph optimization level."""
    opts = session.get_session_options()
    config = {}
    for k in keys:
        try:
            config[k] = opts.get_session_config_entry(k)
        except Exception:  # not set
            config[k] = None
    return {
        "providers": list(session.get_providers()),
        "provider_options": {p: dict(o) for p, o in (session.get_provider_options() or {}).items()},
        "session_config": config,
        "graph_optimization_level": getattr(opts.graph_optimization_level, "name", str(opts.graph_optimization_level)),
        "intra_op_num_threads": opts.intra_op_num_threads,
    }


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
        else dict(tensor_items(outputs))
    report, failures = {}, []
    for name, want in tensor_items(reference):
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


def torch_fp32_settings(torch):
    """How torch computes fp32 on the CPU (the reference): float32_matmul_precision "highest" and mkldnn's
    fp32_precision "none"/"ieee" mean full fp32; "medium" or "bf16" would let oneDNN use bf16 on a CPU with
    avx512_bf16 or AMX. Recorded, not changed: the reference is fp32 unless a test asked otherwise."""
    out = {"torch_float32_matmul_precision": torch.get_float32_matmul_precision()}
    mkldnn = getattr(torch.backends, "mkldnn", None)
    for name in ("matmul", "conv"):
        value = getattr(getattr(mkldnn, name, None), "fp32_precision", None)
        if value is not None:
            out[f"torch_mkldnn_{name}_fp32_precision"] = value
    return out


def environment():
    """CPU model, thread counts and the versions of the runtimes this process imported."""
    import sys

    env = {"cpu_model": cpu_model(), "cpu_count": os.cpu_count()}
    torch = sys.modules.get("torch")
    if torch is not None:
        env["torch_threads"] = torch.get_num_threads()
        env.update(torch_fp32_settings(torch))
    for name in ("torch", "transformers", "openvino", "onnxruntime", "onnx"):
        mod = sys.modules.get(name)
        if mod is not None:
            env[name] = getattr(mod, "__version__", "unknown")
    return env
