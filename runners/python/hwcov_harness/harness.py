"""The stage runner every generated test calls, and the helpers it shares.

A generated test module defines one function per stage; `execute(module,
params)` calls them in this order and turns whatever happens into one result
record (see `new_result`):

    setup_device(ctx)              -> ctx.device       (raise Skip: cannot run here)
    memory_start(ctx)
    build_config(ctx)              -> ctx.config
    build_model(ctx)               -> ctx.model        (raise NotBuildable)
    build_inputs(ctx)              -> ctx.inputs
    reference_outputs(ctx)         -> ctx.reference    (CPU outputs to compare against, or None)
    prepare_model(ctx)             -> ctx.model        (device placement, precision, conversion)
    prepare_inputs(ctx)            -> ctx.inputs
    run_model(ctx) x warmup, then x iterations, each followed by synchronize(ctx), timed
    memory_peak_mb(ctx)
    validate_outputs(ctx, outputs, summary)            (raise AssertionError)
    teardown(ctx), memory_stop(ctx)                    (always)

Every stage but run_model is optional. Only the standard library is imported
at import time: torch and transformers belong to the generated module, so the
worker imports them once per process.
"""

import argparse
import atexit
import gc
import importlib
import inspect
import json
import math
import os
import platform
import random
import re
import sys
import threading
import time
import traceback

STATUS_PASS = "pass"
STATUS_FAIL = "fail"
STATUS_SKIP = "skip"
STATUS_NOT_BUILDABLE = "not_buildable"

DEFAULT_WARMUP = 1
DEFAULT_ITERATIONS = 5

# Sizes of a tiny model, in the spirit of transformers' own ModelTesters.
TINY_HIDDEN = 32
TINY_INTERMEDIATE = 64
TINY_HEADS = 4
TINY_KV_HEADS = 2
TINY_LAYERS = 2
TINY_VOCAB = 1024
TINY_EXPERTS = 4
TINY_EXPERTS_PER_TOKEN = 2
TINY_LORA_RANK = 16
TINY_ROPE_HEAD_DIM = 8
TINY_STATE = 16
MAX_IMAGE_SIZE = 1024  # larger images (Pixtral: 1540) are rendered at 224: divisible by patch sizes 14, 16, 32
TINY_IMAGE_SIZE = 224
MAX_POSITIONS_CAP = 2048
MAX_SOURCE_POSITIONS = 256  # Whisper-style encoders take exactly 2x this many frames


class Skip(Exception):
    """Raised by a stage when the test cannot run here; the result is "skip"."""


class NotBuildable(Exception):
    """Raised when the architecture cannot be built from a config; the result is "not_buildable"."""


# Optional backends that cannot be installed from the package registry here,
# with the reason: a model that needs one is a stated skip, not a failure.
NOT_INSTALLABLE = {
    "natten": "no wheel on PyPI for this Python and torch; its sdist builds CUDA kernels",
    "detectron2": "not published on PyPI",
}

# Packages the harness and the platforms stand on: a missing one is not an
# optional backend (it is the runner's set-up, reported as such), never a skip.
CORE_PACKAGES = frozenset({"torch", "transformers", "numpy", "openvino", "onnxruntime", "onnx",
                           "onnxscript", "pytest", "hwcov_harness", "safetensors", "tokenizers", "pytorch",
                           "huggingface_hub"})  # fmt: skip

# transformers' import messages name a library, not always its pip package.
_PIP_NAMES = {"pil": "pillow", "sklearn": "scikit-learn", "cv2": "opencv-python", "yaml": "pyyaml",
              "levenshtein": "levenshtein", "g2p_en": "g2p-en", "pretty_midi": "pretty-midi"}  # fmt: skip

_REQUIRES_RE = re.compile(r"requires the ([\w.\-]+) library but it was not found", re.IGNORECASE)


def missing_backend(exc):
    """The pip package an ImportError says is missing, when it is an optional backend; else "".

    transformers' requires_backends says "X requires the scipy library but it was
    not found"; a plain import says "No module named 'timm'". torch, transformers
    and the platforms' runtimes (CORE_PACKAGES) are not optional: "" for them.
    """
    if not isinstance(exc, ImportError):
        return ""
    names = [m.group(1) for m in _REQUIRES_RE.finditer(str(exc))]
    if not names and getattr(exc, "name", None):
        names = [exc.name]
    if not names:
        m = re.search(r"No module named '([\w.]+)'", str(exc))
        names = [m.group(1)] if m else []
    for name in names:
        top = name.split(".")[0].lower()
        if top in CORE_PACKAGES or top.startswith("transformers"):
            return ""
    if not names:
        return ""
    top = names[0].split(".")[0].lower()
    return _PIP_NAMES.get(top, top.replace("_", "-"))


def backend_skip_reason(package):
    """What a skipped test says about the optional package it needs."""
    why = NOT_INSTALLABLE.get(package)
    if why:
        return f"needs {package} (not installable here: {why})"
    return f"needs {package} (not installed here: add it to runners/python/requirements.txt)"


def model_class(path):
    """The class a dotted path names, e.g. "transformers.models.clip.modeling_clip.CLIPTextModel"."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class Context:
    """What the stages share: the parameters, then the device, config, model, inputs..."""

    def __init__(self, **kwargs):
        self.device = None
        self.config = None
        self.model = None
        self.inputs = None
        self.reference = None
        self.outputs = None
        self.memory = None
        self.extra = {}
        self.__dict__.update(kwargs)

    def __repr__(self):
        return f"Context({self.test_id!r})"


# ---------------------------------------------------------------- the result


def new_result(model_type=""):
    """An empty result record with every field the Go runner reads."""
    return {
        "status": STATUS_FAIL,
        "error_message": "",
        "traceback": "",
        "samples_ms": [],
        "execution_ms": 0.0,
        "memory_mb": 0.0,
        "wall_ms": 0.0,
        "output": {},
        "model_name": f"tiny-random-{model_type}" if model_type else "",
        "extra": {},
    }


def error_line(exc):
    """The first line of an exception, prefixed by its type: what a table cell can hold."""
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else ""
    name = type(exc).__name__
    if isinstance(exc, (Skip, NotBuildable)):
        return first or name
    line = f"{name}: {first}" if first else name
    cause = exc.__cause__
    if cause is not None and (not first or first.endswith(":")):
        # a wrapper whose message ends where its cause begins (strict config validation): say the cause too
        line = f"{line} {error_line(cause)}"
    return line


def jsonable(value):
    """value as plain JSON types; NaN and infinities become None (Go's JSON rejects them)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [jsonable(v) for v in items]
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return jsonable(item())
        except Exception:
            pass
    return str(value)


# ---------------------------------------------------------------- running a module


def _params(module, params):
    p = dict(params or {})

    def pick(key, const, default):
        v = p.get(key)
        if v is None:
            v = getattr(module, const, default)
        return v

    out = {
        "batch_size": int(pick("batch_size", "BATCH_SIZE", 1)),
        "seq_len": int(pick("seq_len", "SEQ_LEN", 128)),
        "precision": str(pick("precision", "PRECISION", "fp32")),
        "warmup": max(0, int(pick("warmup", "WARMUP", DEFAULT_WARMUP))),
        "iterations": max(1, int(pick("iterations", "ITERATIONS", DEFAULT_ITERATIONS))),
        "seed": int(pick("seed", "SEED", 0)),
    }
    for k, v in p.items():
        out.setdefault(k, v)
    return out


def _test_id(module, p):
    model = getattr(module, "MODEL_TYPE", "") or getattr(module, "__name__", "test")
    hw = getattr(module, "HARDWARE", "cpu")
    return f"{model}@{hw}/{p['precision']}/b{p['batch_size']}/s{p['seq_len']}"


def execute(module, params=None):
    """Run the stages `module` defines and return the result record (a JSON-able dict).

    params may hold batch_size, seq_len, precision, warmup, iterations and seed;
    missing ones come from the module's constants. Nothing escapes: an exception
    in a stage becomes status "fail" with its traceback, Skip becomes "skip",
    NotBuildable becomes "not_buildable".
    """
    wall_start = time.perf_counter()
    p = _params(module, params)
    model_type = getattr(module, "MODEL_TYPE", "")
    result = new_result(model_type)
    result["model_name"] = getattr(module, "MODEL_NAME", result["model_name"])
    ctx = Context(
        test_id=_test_id(module, p),
        model_type=model_type,
        hardware=getattr(module, "HARDWARE", ""),
        precision=p["precision"],
        batch_size=p["batch_size"],
        seq_len=p["seq_len"],
        warmup=p["warmup"],
        iterations=p["iterations"],
        seed=p["seed"],
        params=p,
    )
    stages = {}
    extra = {
        "test_id": ctx.test_id,
        "params": {k: p[k] for k in ("batch_size", "seq_len", "precision", "warmup", "iterations", "seed")},
        "optimizations": list(getattr(module, "OPTIMIZATIONS", []) or []),
        "template_chain": list(getattr(module, "TEMPLATE_CHAIN", []) or []),
        "stages_ms": stages,
    }
    result["extra"] = extra

    def stage(name, *args, default=None):
        fn = getattr(module, name, None)
        if fn is None:
            return default(*args) if default else None
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            stages[name] = stages.get(name, 0.0) + (time.perf_counter() - t0) * 1000.0

    memory_started = False
    try:
        ctx.device = stage("setup_device", ctx)
        _seed(module, ctx)
        stage("memory_start", ctx)
        memory_started = True
        ctx.config = stage("build_config", ctx)
        _seed(module, ctx)
        ctx.model = stage("build_model", ctx)
        extra["model"] = describe_model(ctx.model, ctx.config)
        _seed(module, ctx)
        ctx.inputs = stage("build_inputs", ctx) or {}
        extra["inputs"] = describe_inputs(ctx.inputs)
        ctx.reference = stage("reference_outputs", ctx)
        if p.get("reference_dir"):  # hwcov reference validate: the stored CPU outputs are the reference
            from . import reference

            ctx.reference = reference.load(p["reference_dir"], ctx)
        ctx.model = stage("prepare_model", ctx, default=lambda c: c.model)
        ctx.inputs = stage("prepare_inputs", ctx, default=lambda c: c.inputs)

        run = getattr(module, "run_model", None)
        if run is None:
            raise AttributeError(f"{module.__name__} defines no run_model(ctx)")
        sync = getattr(module, "synchronize", None) or (lambda c: None)
        first = None
        t0 = time.perf_counter()
        for i in range(ctx.warmup):
            out = run(ctx)
            sync(ctx)
            if i == 0:
                first = summarize_outputs(out)  # to tell whether runs repeat; the tensors are let go
            out = None
        stages["warmup"] = (time.perf_counter() - t0) * 1000.0
        samples = []
        outputs = None
        for _ in range(ctx.iterations):
            start = time.perf_counter_ns()
            outputs = run(ctx)
            sync(ctx)
            samples.append((time.perf_counter_ns() - start) / 1e6)
        ctx.outputs = outputs
        result["samples_ms"] = samples
        result["execution_ms"] = sum(samples) / len(samples)
        extra["stats_ms"] = sample_stats(samples)
        peak = stage("memory_peak_mb", ctx)
        result["memory_mb"] = float(peak or 0.0)

        summary = summarize_outputs(outputs)
        if first is not None:
            summary["repeatable"] = _same_checksums(first, summary)
        result["output"] = summary
        stage("validate_outputs", ctx, outputs, summary)
        if p.get("profile"):  # hwcov run --profile layers|memory
            from . import profile

            extra["profile"] = profile.run(module, ctx, p["profile"])
        if p.get("reference_out"):  # hwcov reference generate
            from . import reference

            extra["reference"] = reference.save(p["reference_out"], ctx, outputs)
        result["status"] = STATUS_PASS
    except Skip as exc:
        result["status"] = STATUS_SKIP
        result["error_message"] = error_line(exc)
    except NotBuildable as exc:
        result["status"] = STATUS_NOT_BUILDABLE
        result["error_message"] = error_line(exc)
        result["traceback"] = _traceback(exc)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit from a test is a failure too, never the worker's exit
        package = missing_backend(exc)
        if package:  # an optional backend (timm, scipy, natten, ...) this model needs
            result["status"] = STATUS_SKIP
            result["error_message"] = backend_skip_reason(package)
            extra["missing_package"] = package
        else:
            result["status"] = STATUS_FAIL
            result["error_message"] = error_line(exc)
            result["traceback"] = _traceback(exc)
    finally:
        try:
            stage("teardown", ctx)
        except Exception as exc:
            extra["teardown_error"] = error_line(exc)
        if memory_started:
            try:
                stage("memory_stop", ctx)
            except Exception as exc:
                extra["teardown_error"] = error_line(exc)
        describe = getattr(module, "describe_device", None)
        env = environment()
        if describe is not None and ctx.device is not None:
            try:
                env.update(describe(ctx) or {})
            except Exception as exc:
                env["describe_device_error"] = error_line(exc)
        extra["environment"] = env
        extra.update(ctx.extra)
        ctx.model = ctx.inputs = ctx.reference = ctx.outputs = None
        settle_garbage()
        result["wall_ms"] = (time.perf_counter() - wall_start) * 1000.0
    return jsonable(result)


def _seed(module, ctx):
    fn = getattr(module, "seed_everything", None)
    random.seed(ctx.seed)
    if fn is not None:
        fn(ctx.seed)


def _traceback(exc):
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _same_checksums(a, b):
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


def sample_stats(samples):
    """min, median, p90, max, stdev, mean (ms) and coefficient of variation of the timed samples."""
    if not samples:
        return {}
    s = sorted(samples)
    n = len(s)
    mean = sum(s) / n
    var = sum((x - mean) ** 2 for x in s) / (n - 1) if n > 1 else 0.0
    return {
        "min": s[0],
        "median": s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2,
        "p90": s[min(n - 1, int(math.ceil(0.9 * n)) - 1)],
        "max": s[-1],
        "stdev": math.sqrt(var),
        "mean": mean,
        "cv": math.sqrt(var) / mean if mean > 0 else 0.0,  # coefficient of variation: stdev / mean
    }


# ---------------------------------------------------------------- environment

_STATIC_ENV = None


def environment():
    """Python, OS, CPU, and the versions of the ML libraries this process has imported."""
    global _STATIC_ENV
    if _STATIC_ENV is None:
        _STATIC_ENV = {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "pid": os.getpid(),
        }
    env = dict(_STATIC_ENV)
    for name in ("torch", "transformers", "numpy", "openvino", "onnxruntime"):
        mod = sys.modules.get(name)
        if mod is not None:
            env[name] = getattr(mod, "__version__", "unknown")
    return env


# ---------------------------------------------------------------- memory


_mallinfo2 = None


def _heap_bytes():
    """Bytes in use in the C heap (glibc mallinfo2), where torch's CPU allocator takes its memory; None elsewhere."""
    global _mallinfo2
    if _mallinfo2 is None:
        _mallinfo2 = False
        try:
            import ctypes

            class _Info(ctypes.Structure):
                _fields_ = [(n, ctypes.c_size_t) for n in (
                    "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                    "keepcost")]  # fmt: skip

            libc = ctypes.CDLL(None)
            fn = libc.mallinfo2
            fn.restype = _Info
            fn.argtypes = []
            _mallinfo2 = fn
        except (OSError, AttributeError):
            _mallinfo2 = False
    if not _mallinfo2:
        return None
    info = _mallinfo2()
    return info.uordblks + info.hblkhd


def _rss_bytes():
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except Exception:
        return 0


class MemorySampler:
    """Samples this process's memory on a thread; peak_mb() is the peak above the start.

    CPU tensors come from torch's C++ allocator, which tracemalloc cannot see.
    Where glibc is there, the sampler reads the bytes in use in the C heap
    (mallinfo2): freed tensors count as freed even when the allocator keeps
    the pages. Elsewhere it reads resident memory (RSS), which only grows.
    kind says which ("heap" or "rss").
    """

    def __init__(self, interval_s=0.005):
        self.interval_s = interval_s
        self.kind = "heap" if _heap_bytes() is not None else "rss"
        self._read = _heap_bytes if self.kind == "heap" else _rss_bytes
        self.baseline = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self.baseline = self.peak = self._read()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="hwcov-memory", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.interval_s):
            self.sample()

    def sample(self):
        now = self._read()
        if now > self.peak:
            self.peak = now
        return now

    def peak_mb(self):
        self.sample()
        return max(0, self.peak - self.baseline) / (1024 * 1024)

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None


def settle_garbage():
    """Collect garbage, then freeze what survives (gc.freeze), so later collections only scan new objects.

    The worker keeps torch, transformers and every imported test module alive:
    a full collection over them costs ~150 ms. Frozen objects are never
    collected again, which is right for modules and caches that live as long as
    the process.
    """
    global _unfreeze_registered
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()
        if not _unfreeze_registered:
            # let the interpreter's last collection see everything (extensions check for leaks at exit)
            atexit.register(gc.unfreeze)
            _unfreeze_registered = True


_unfreeze_registered = False


# ---------------------------------------------------------------- outputs


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


# ---------------------------------------------------------------- inputs


def forward_parameters(model):
    """Names of the explicit parameters of model.forward (not *args / **kwargs)."""
    fn = getattr(model, "forward", model)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    return [
        n
        for n, p in sig.parameters.items()
        if n != "self" and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]


def required_parameters(model):
    """Names of the parameters of model.forward that have no default."""
    fn = getattr(model, "forward", model)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    return [
        n
        for n, p in sig.parameters.items()
        if n != "self"
        and p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]


def accepted_inputs(model, inputs):
    """The entries of inputs that model.forward names explicitly, in the forward's order."""
    names = forward_parameters(model)
    return {n: inputs[n] for n in names if n in inputs}


def _get(config, *names, default=None):
    for n in names:
        try:
            v = getattr(config, n)
        except Exception:
            continue
        if v is not None:
            return v
    return default


def sub_config(config, *names):
    """The first of config's sub-configs called names, or config itself."""
    for n in names:
        v = _get(config, n)
        if v is not None and hasattr(v, "to_dict"):
            return v
    return config


def text_config(config):
    """The sub-config that describes text input (text_config, text_encoder, decoder...) or config."""
    return sub_config(config, "text_config", "text_encoder", "language_config", "llm_config", "decoder", "qformer_config")


def vision_config(config):
    """The sub-config that describes images (vision_config, ...) or config."""
    return sub_config(
        config, "vision_config", "vision_encoder_config", "image_config", "vision_tower_config", "encoder", "backbone_config"
    )


def audio_config(config):
    """The sub-config that describes audio (audio_config, ...) or config."""
    return sub_config(config, "audio_config", "audio_encoder_config", "speech_config", "encoder_config", "encoder")


def text_vocab(config, default=TINY_VOCAB):
    v = _get(text_config(config), "vocab_size")
    if not isinstance(v, int) or v <= 0:
        v = _get(config, "vocab_size")
    return v if isinstance(v, int) and v > 0 else default


def text_length(config, seq_len):
    """seq_len, clamped so position embeddings (with a two-token offset for RoBERTa-likes) fit."""
    tc = text_config(config)
    limit = _get(tc, "max_position_embeddings", "n_positions", "max_target_positions", "n_ctx")
    if isinstance(limit, int) and limit > 4 and not isinstance(limit, bool):
        return max(1, min(int(seq_len), limit - 2))
    return max(1, int(seq_len))


def special_token_ids(config):
    """Every *_token_id / *_token_index value in config and its sub-configs."""
    found = set()

    def walk(d, depth):
        if depth > 4 or not isinstance(d, dict):
            return
        for k, v in d.items():
            if isinstance(v, dict):
                walk(v, depth + 1)
            elif _is_token_key(k):
                for x in v if isinstance(v, (list, tuple)) else [v]:
                    if isinstance(x, int) and not isinstance(x, bool) and x >= 0:
                        found.add(x)

    walk(config.to_dict() if hasattr(config, "to_dict") else dict(config), 0)
    return found


def decoder_start_token_id(config):
    """The id a decoder starts from: decoder_start_token_id, else pad, else bos, else 0 (always in the vocabulary)."""
    vocab = text_vocab(config)
    for c in (config, text_config(config), sub_config(config, "decoder")):
        for name in ("decoder_start_token_id", "pad_token_id", "bos_token_id"):
            v = _get(c, name)
            if isinstance(v, (list, tuple)) and v:
                v = v[0]
            if _is_int(v) and 0 <= v < vocab:
                return v
    return 0


def image_token_id(config):
    """The placeholder token for an image in the prompt (image_token_id / image_token_index), or None."""
    for c in (config, text_config(config)):
        v = _get(c, "image_token_id", "image_token_index")
        if _is_int(v) and v >= 0:
            return v
    return None


def image_feature_counts(features, batch):
    """How many features (prompt tokens) each of batch images (or clips) becomes, from get_*_features()."""
    pooled = getattr(features, "pooler_output", None)
    if pooled is not None:
        features = pooled
    elif getattr(features, "last_hidden_state", None) is not None:
        features = features.last_hidden_state
    elif isinstance(features, tuple) and features and not _is_tensor(features[0]):
        features = features[0]
    if _is_tensor(features):
        shape = list(features.shape)
        if len(shape) >= 3:  # (images, tokens, hidden)
            per = 1
            for d in shape[1:-1]:
                per *= int(d)
            images = int(shape[0])
            return [per * images // batch] * batch
        total = int(shape[0]) if shape else 1  # (tokens of all images, hidden)
        return [total // batch] * batch
    if isinstance(features, (list, tuple)):
        counts = []
        for f in features:
            shape = list(f.shape)
            n = 1
            for d in shape[:-1]:
                n *= int(d)
            counts.append(n)
        if len(counts) == batch:
            return counts
        total = sum(counts)
        return [total // batch] * batch
    raise TypeError(f"cannot count image features in {type(features).__name__}")


def token_ids(batch, length, vocab, exclude=(), seed=0, low=0):
    """batch x length token ids in [low, vocab), none of them in exclude; deterministic in seed."""
    rng = random.Random(seed)
    exclude = set(exclude)
    allowed = [i for i in range(max(0, low), vocab) if i not in exclude] or list(range(vocab))
    return [[allowed[rng.randrange(len(allowed))] for _ in range(length)] for _ in range(batch)]


def image_geometry(config, default_size=224):
    """(channels, height, width) of the images config expects."""
    vc = vision_config(config)
    size = _get(vc, "image_size", "img_size", "input_size", "crop_size", default=None)
    if size is None and vc is not config:
        size = _get(config, "image_size", default=None)
    h = w = default_size
    if isinstance(size, int):
        h = w = size
    elif isinstance(size, (list, tuple)) and size:
        sizes = [s for s in size if isinstance(s, int)]
        if len(sizes) >= 2:
            h, w = sizes[-2], sizes[-1]
        elif sizes:
            h = w = sizes[0]
    elif isinstance(size, dict):
        h = size.get("height") or size.get("shortest_edge") or default_size
        w = size.get("width") or size.get("shortest_edge") or h
    channels = _get(vc, "num_channels", "in_channels", "in_chans", "input_channels", default=3)
    if not isinstance(channels, int) or channels <= 0:
        channels = 3
    return channels, int(h), int(w)


def num_frames(config, default=8):
    """Frames per video clip the config expects."""
    for c in (vision_config(config), config):
        v = _get(c, "num_frames", "frames", "num_frames_per_clip")
        if isinstance(v, int) and v > 0:
            return v
    return default


def audio_samples(config, seconds=1.0):
    """Raw waveform length: one second at the config's sampling rate (16 kHz by default)."""
    ac = audio_config(config)
    rate = _get(ac, "sampling_rate", "sample_rate", default=16000)
    return int(rate * seconds) if isinstance(rate, int) else 16000


def waveform_shape(config, batch):
    """Shape of a raw input_values waveform: (batch, samples), or (batch, channels, samples) for audio codecs."""
    ac = audio_config(config)
    samples = audio_samples(config)
    channels = _get(ac, "audio_channels", "channels")
    if _is_int(channels) and channels > 0:
        return (batch, channels, samples)
    if _get(ac, "codebook_size", "n_codebooks", "num_quantizers", "codebook_dim") is not None:
        return (batch, 1, samples)
    return (batch, samples)


def mel_features_shape(config):
    """(mel_bins, frames) of Whisper-style input_features (frames = 2 x max_source_positions)."""
    ac = audio_config(config)
    bins = _get(ac, "num_mel_bins", "feature_size", "n_mels", "mel_bins", "input_feat_per_channel", default=80)
    src = _get(ac, "max_source_positions", default=None)
    frames = 2 * src if isinstance(src, int) and src > 0 else 100
    return int(bins), int(frames)


def audio_features_shape(config, batch, frames=400):
    """Shape of spectrogram input_features, in the layout the audio encoder reads.

    Whisper-style encoders (a max_source_positions) convolve over time with the
    mel bins as channels: (batch, bins, 2 x max_source_positions). Conformer- and
    Speech2Text-style encoders read frames as rows: (batch, frames, features);
    400 frames is a multiple of the usual subsampling factors (4, 8, 16) and windows (100, 200).
    """
    ac = audio_config(config)
    src = _get(ac, "max_source_positions", default=None)
    if _is_int(src) and src > 0 and _get(ac, "num_mel_bins") is not None:
        return (batch, int(_get(ac, "num_mel_bins")), 2 * src)
    per_channel = _get(ac, "input_feat_per_channel")
    if _is_int(per_channel):
        return (batch, frames, per_channel * int(_get(ac, "input_channels", default=1)))
    width = _get(ac, "input_dim", "feature_projection_input_dim", "num_mel_bins", "feature_size", "n_mels",
                 "mel_bins", default=80)  # fmt: skip
    return (batch, frames, int(width))


def audio_frames(config, batch):
    """Number of time frames in audio_features_shape(config, batch): the length of input_features_mask."""
    shape = audio_features_shape(config, batch)
    ac = audio_config(config)
    whisper_like = _is_int(_get(ac, "max_source_positions")) and _get(ac, "num_mel_bins") is not None
    return shape[2] if whisper_like else shape[1]


def audio_token_id(config):
    """The placeholder token for audio in the prompt (audio_token_id / audio_token_index), or None."""
    for c in (config, text_config(config)):
        v = _get(c, "audio_token_id", "audio_token_index")
        if _is_int(v) and v >= 0:
            return v
    return None


def patch_grid(config, merges_per_side=4):
    """Qwen2-VL-style vision input for one image: patches flattened to rows and the (t, h, w) grid.

    Returns {"grid": [t, h, w], "patches": t*h*w, "patch_dim": channels x temporal x patch x patch}.
    The grid is merges_per_side x spatial_merge_size patches on a side, one frame.
    """
    vc = vision_config(config)
    p = _get(vc, "patch_size", "spatial_patch_size", default=14)
    if isinstance(p, (list, tuple)):
        p = p[0]
    tp = _get(vc, "temporal_patch_size", default=1)
    m = _get(vc, "spatial_merge_size", "merge_size", default=1)
    c = _get(vc, "in_channels", "num_channels", "in_chans", default=3)
    side = merges_per_side * int(m)
    return {"grid": [1, side, side], "patches": side * side, "patch_dim": int(c) * int(tp) * int(p) * int(p)}


# ---------------------------------------------------------------- config shrinking

_HIDDEN_KEYS = {
    "hidden_size", "d_model", "n_embd", "embed_dim", "dim", "hidden_dim", "model_dim", "d_embed",
    "emb_dim", "embedding_dim", "embedding_size", "projection_dim", "proj_dim", "projection_size",
    "word_embed_proj_dim", "d_inner_hidden",
}  # fmt: skip
_HIDDEN_SUFFIXES = ("_hidden_size", "_embed_dim", "_hidden_dim", "_projection_dim", "_embedding_dim")
_FFN_KEYS = {"intermediate_size", "d_ff", "n_inner", "ffn_dim", "mlp_dim", "ffn_hidden_size", "d_inner"}
_FFN_SUFFIXES = ("_intermediate_size", "_ffn_dim")
_HEAD_KEYS = {"num_attention_heads", "n_head", "n_heads", "num_heads", "encoder_attention_heads",
              "decoder_attention_heads", "attention_heads"}  # fmt: skip
_HEAD_SUFFIXES = ("_attention_heads",)
_KV_HEAD_KEYS = {"num_key_value_heads", "num_kv_heads", "n_kv_heads", "multi_query_group_num"}
_LAYER_KEYS = {"num_hidden_layers", "num_layers", "n_layer", "n_layers", "encoder_layers", "decoder_layers",
               "num_decoder_layers", "num_encoder_layers", "depth"}  # fmt: skip
_LAYER_SUFFIXES = ("_hidden_layers",)
_HEAD_DIM_KEYS = {"head_dim", "attention_head_size", "kv_channels", "attention_head_dim", "d_kv", "d_head"}
_EXPERT_KEYS = {"num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts"}
_EXPERT_TOPK_KEYS = {"num_experts_per_tok", "moe_topk", "num_selected_experts"}
_LORA_KEYS = {"kv_lora_rank", "q_lora_rank"}
_ROPE_DIM_KEYS = {"qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim"}
_POSITION_KEYS = {"max_position_embeddings", "n_positions", "n_ctx", "max_target_positions"}
_DIM_LIST_KEYS = {"hidden_sizes", "embed_dims", "dims", "conv_dim", "neck_hidden_sizes"}
_DEPTH_LIST_KEYS = {"depths"}


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_token_key(k):
    return isinstance(k, str) and k.endswith(("_token_id", "_token_index", "_token_ids"))


def _matches(key, names, suffixes=()):
    return key in names or any(key.endswith(s) for s in suffixes)


def _is_subconfig(v):
    return isinstance(v, dict) and "model_type" in v


def _first(d, keys):
    for k in keys:
        if _is_int(d.get(k)):
            return k, d[k]
    return None, None


def _shrink_heads(n):
    if n >= TINY_HEADS:
        return TINY_HEADS
    return 2 if n == 3 else n


def _shrink_dim_list(values):
    if not values or not all(_is_int(v) and v > 0 for v in values) or max(values) <= 64:
        return values
    f = 1
    while max(values) / f > 64:
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


def _shrink_dict(d, seq_len):
    out = {}
    cap = max(MAX_POSITIONS_CAP, (seq_len or 0) + 64)
    for k, v in d.items():
        if _is_subconfig(v) and v.get("model_type") == "timm_backbone":
            out[k] = _tiny_backbone(v)
        elif _is_subconfig(v):
            out[k] = _shrink_dict(v, seq_len)
        elif _is_int(v) and v > 0:
            if _matches(k, _KV_HEAD_KEYS):
                out[k] = v  # fixed up once the heads are known
            elif _matches(k, _HIDDEN_KEYS, _HIDDEN_SUFFIXES):
                out[k] = min(v, TINY_HIDDEN)
            elif _matches(k, _FFN_KEYS, _FFN_SUFFIXES):
                out[k] = min(v, TINY_INTERMEDIATE)
            elif _matches(k, _HEAD_KEYS, _HEAD_SUFFIXES):
                out[k] = _shrink_heads(v)
            elif _matches(k, _LAYER_KEYS, _LAYER_SUFFIXES):
                out[k] = min(v, TINY_LAYERS)
            elif k in _EXPERT_KEYS:
                out[k] = min(v, TINY_EXPERTS)
            elif k in _EXPERT_TOPK_KEYS:
                out[k] = min(v, TINY_EXPERTS_PER_TOKEN)
            elif k in _LORA_KEYS:
                out[k] = min(v, TINY_LORA_RANK)
            elif k in _ROPE_DIM_KEYS:
                out[k] = min(v, TINY_ROPE_HEAD_DIM)
            elif k in ("state_size", "mamba_d_state", "ssm_state_size", "d_state"):
                out[k] = min(v, TINY_STATE)
            elif k in ("n_group", "topk_group"):
                out[k] = 1
            elif k == "vocab_size":
                out[k] = min(v, TINY_VOCAB)
            elif k in _POSITION_KEYS:
                out[k] = min(v, cap)
            elif k == "image_size" and v > MAX_IMAGE_SIZE:
                out[k] = TINY_IMAGE_SIZE
            elif k == "max_source_positions":
                out[k] = min(v, MAX_SOURCE_POSITIONS)
            else:
                out[k] = v
        elif isinstance(v, (list, tuple)) and v and all(_is_int(x) for x in v):
            if k in _DIM_LIST_KEYS:
                out[k] = _shrink_dim_list(list(v))
            elif k in _DEPTH_LIST_KEYS:
                out[k] = [min(x, TINY_LAYERS) for x in v]
            elif _matches(k, _HEAD_KEYS, _HEAD_SUFFIXES):
                out[k] = [_shrink_heads(x) for x in v]
            else:
                out[k] = v
        else:
            out[k] = v
    return out


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
            elif kv == orig.get(k) or kv > heads or heads % kv:
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


def shrink_dict(d, overrides=None, seq_len=None):
    """The shrunk copy of a config dict (what shrink_config rebuilds the config from)."""
    orig = json.loads(json.dumps(d, default=str))
    out = _shrink_dict(orig, seq_len)
    _merge(out, overrides)
    _fix_dims(orig, out)
    mapping = {}
    _remap_token_ids(out, None, mapping)
    return out


def shrink_config(config, overrides=None, seq_len=None):
    """A tiny copy of a transformers config, consistent in its dimensions.

    Hidden sizes go to 32, FFN sizes to 64, layers to 2, heads to 4 (key/value
    heads to a divisor), vocabularies to 1024, experts to 4, recursively through
    sub-configs (text_config, vision_config, ...). Per-layer lists follow the new
    layer count, head_dim follows hidden/heads, special token ids beyond the new
    vocabulary are moved to its top. overrides (the catalog's or a family
    template's values, nested dicts for sub-configs) are applied last and win.
    """
    small = shrink_dict(config.to_dict(), overrides, seq_len)
    return type(config)(**_constructor_kwargs(config, small, overrides or {}))


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


def _constructor_kwargs(config, d, overrides):
    """d restricted to what config's class takes: its fields, recursively for sub-configs.

    to_dict() also holds values __post_init__ derives (head_dim, num_feat_extract_layers,
    layer counts of stage lists...): passing them back would pin the old values, so
    they are left out and derived again. Explicit overrides and special token ids stay.
    """
    fields = _fields(type(config))
    _default_mrope(type(config), d)
    out = {}
    for k, v in d.items():
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


# ---------------------------------------------------------------- command line


def main(module, argv=None):
    """Command line of a generated test: run once, print the JSON result, exit 1 on failure."""
    parser = argparse.ArgumentParser(
        prog=os.path.basename(getattr(module, "__file__", "test.py")),
        description=f"Run {getattr(module, 'TEST_ID', 'this test')} and print hwcov's JSON result.",
    )
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--seq-len", type=int)
    parser.add_argument("--precision")
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--iterations", type=int)
    args = parser.parse_args(argv)
    params = {k: v for k, v in vars(args).items() if v is not None}
    result = execute(module, params)
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 1 if result["status"] == STATUS_FAIL else 0
