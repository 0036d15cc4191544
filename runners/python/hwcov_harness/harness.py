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

# The shrink ladder: when the tiny model cannot be built or run, a larger one is tried.
# tiny and small shrink every width; capped keeps the config's default widths and only
# caps depth, experts and positions. None means "keep the default".
SHRINK_LEVELS = ("tiny", "small", "capped")
LEVEL_SIZES = {
    "tiny": {"hidden": TINY_HIDDEN, "ffn": TINY_INTERMEDIATE, "heads": TINY_HEADS, "kv_heads": TINY_KV_HEADS,
             "layers": TINY_LAYERS, "vocab": TINY_VOCAB, "experts": TINY_EXPERTS,
             "experts_per_token": TINY_EXPERTS_PER_TOKEN, "lora": TINY_LORA_RANK, "rope": TINY_ROPE_HEAD_DIM,
             "state": TINY_STATE, "dim_list": 64},
    "small": {"hidden": 128, "ffn": 256, "heads": 8, "kv_heads": 4, "layers": TINY_LAYERS, "vocab": 4096,
              "experts": 8, "experts_per_token": TINY_EXPERTS_PER_TOKEN, "lora": 64, "rope": 32, "state": 64,
              "dim_list": 256},
    "capped": {"hidden": None, "ffn": None, "heads": None, "kv_heads": None, "layers": TINY_LAYERS, "vocab": None,
               "experts": 8, "experts_per_token": None, "lora": None, "rope": None, "state": None, "dim_list": None},
}  # fmt: skip
# The largest model the ladder builds at its last level (fp32 parameters); past it the test
# fails with the estimate instead of running a full-size model on a platform sized for tiny ones.
PARAMETER_BUDGET = 100_000_000


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
        self.shrink_level = "tiny"
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
    if isinstance(exc, (Skip, NotBuildable, LadderExhausted)):
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
        run = getattr(module, "run_model", None)
        if run is None:
            raise AttributeError(f"{module.__name__} defines no run_model(ctx)")
        sync = getattr(module, "synchronize", None) or (lambda c: None)

        def build_and_first_run():
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
            t0 = time.perf_counter()
            out = run(ctx)  # the first warmup iteration (one untimed run even with warmup 0)
            sync(ctx)
            stages["warmup"] = (time.perf_counter() - t0) * 1000.0
            return summarize_outputs(out)  # to tell whether runs repeat; the tensors are let go

        first = shrink_ladder(module, ctx, build_and_first_run)
        t0 = time.perf_counter()
        for i in range(1, ctx.warmup):
            out = run(ctx)
            sync(ctx)
            out = None
        stages["warmup"] = stages.get("warmup", 0.0) + (time.perf_counter() - t0) * 1000.0
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


class LadderExhausted(Exception):
    """Every shrink level failed; the message is the first level's error (what to fix), plus what else was tried."""


def shrink_ladder(module, ctx, attempt):
    """Run attempt() at each shrink level until one works; record the level in ctx.extra["shrink_level"].

    The levels are the module's SHRINK_LEVELS (default harness.SHRINK_LEVELS:
    tiny, small, capped). A failure in building the config, model or inputs or
    in the first forward pass moves to the next level; Skip, NotBuildable and
    failures in the platform's own stages (prepare_model, prepare_inputs) and
    errors no size avoids (_SIZE_INDEPENDENT_ERRORS: a missing forward or attribute) do not.
    Before a level is built, its parameters are estimated from the config: a
    level over PARAMETER_BUDGET (module constant, else harness's) is not run,
    and the test fails saying so, with the estimate.
    """
    levels = list(getattr(module, "SHRINK_LEVELS", SHRINK_LEVELS) or ["tiny"])
    if getattr(module, "build_config", None) is None:  # nothing to shrink: one attempt
        levels = levels[:1]
    budget = getattr(module, "PARAMETER_BUDGET", PARAMETER_BUDGET)
    attempts = []
    first_exc = None
    for i, level in enumerate(levels):
        ctx.shrink_level = level
        ctx.extra["shrink_level"] = level
        last = i == len(levels) - 1
        try:
            return attempt()
        except (Skip, NotBuildable, KeyboardInterrupt):
            raise
        except Exception as exc:
            failed = _failed_stage(exc)
            attempts.append({"level": level, "stage": failed, "error": error_line(exc)})
            ctx.extra["shrink_attempts"] = attempts
            first_exc = first_exc or exc
            if last or failed in ("prepare_model", "prepare_inputs") or isinstance(exc, _SIZE_INDEPENDENT_ERRORS):
                if len(attempts) == 1:
                    raise
                break
            ctx.model = ctx.inputs = ctx.reference = ctx.config = None
            gc.collect()
            nxt = levels[i + 1]
            estimate = _estimate_level(module, ctx, nxt)
            if estimate is not None and budget and estimate > budget:
                attempts.append({"level": nxt, "stage": "estimate", "parameters": estimate,
                                 "error": f"~{estimate / 1e6:.0f}M parameters over the {budget / 1e6:.0f}M budget"})  # fmt: skip
                break
    tried = "; ".join(f"{a['level']}: {a['error'][:160]}" for a in attempts[1:])
    raise LadderExhausted(f"{error_line(first_exc)} [shrink ladder: {tried}]") from first_exc


# Errors no other size would avoid (a missing forward(), attribute or module): the ladder stops there.
_SIZE_INDEPENDENT_ERRORS = (NotImplementedError, AttributeError, ImportError, NameError)

_STAGE_NAMES = ("build_config", "build_model", "build_inputs", "reference_outputs", "prepare_model",
                "prepare_inputs", "run_model", "forward")  # fmt: skip


def _failed_stage(exc):
    """The innermost stage function of the generated module in exc's traceback ("" when none)."""
    found = ""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_name
        if name in _STAGE_NAMES and tb.tb_frame.f_globals.get("__name__") != __name__:
            found = name
        tb = tb.tb_next
    return found


def _estimate_level(module, ctx, level):
    """Parameters of the config module builds at level (None when the config cannot be built)."""
    saved = ctx.shrink_level
    ctx.shrink_level = level
    try:
        config = module.build_config(ctx)
        return estimate_parameters(config.to_dict() if hasattr(config, "to_dict") else dict(config))
    except Exception:
        return None
    finally:
        ctx.shrink_level = saved


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


def main_input_name(model):
    """The input the model (or, for an encoder-decoder wrapper, its encoder) is driven by: "input_ids", "pixel_values"..."""
    name = getattr(model, "main_input_name", "") or ""
    if name in ("", "inputs"):
        get_encoder = getattr(model, "get_encoder", None)
        try:
            encoder = get_encoder() if callable(get_encoder) else None
        except Exception:
            encoder = None
        name = getattr(encoder, "main_input_name", name) or name
    return name


def complete_inputs(ctx, inputs):
    """inputs plus what forward() still needs, built from the config; then only what forward() names.

    A template builds the inputs of its category; this adds, by parameter name,
    every required forward() parameter it left out (and the optional companions
    of what it has: past_observed_mask with past_values, ...), from the config:
    time-series context and features (past_values, past_time_features,
    future_*, static_*, freq), image prompts (prompt_pixel_values, prompt_masks),
    query_embeds, inputs_embeds, token ids, pixel values and audio. Parameters
    no rule knows are left to the model's defaults (or its TypeError).
    """
    import torch

    model, config, batch = ctx.model, ctx.config, ctx.batch_size
    wanted = forward_parameters(model)
    required = set(required_parameters(model))
    inputs = dict(inputs)
    generator = torch.Generator().manual_seed(ctx.seed + 7)
    if "past_values" in wanted and "past_values" not in inputs:
        inputs.update(time_series_inputs(config, batch, wanted, generator))
    for name in wanted:
        if name in inputs or name not in required:
            continue
        value = _input_for(name, ctx, inputs, generator)
        if value is not None:
            inputs[name] = value
    return accepted_inputs(model, inputs)


def _input_for(name, ctx, inputs, generator):
    """One missing required input by its name, or None when no rule knows it."""
    import torch

    config, batch = ctx.config, ctx.batch_size
    if name in ("input_ids", "decoder_input_ids", "labels"):
        length = text_length(config, ctx.seq_len) if name == "input_ids" else 4
        ids = token_ids(batch, length, text_vocab(config), special_token_ids(config), ctx.seed)
        return torch.tensor(ids, dtype=torch.long)
    if name in ("pixel_values", "prompt_pixel_values", "prompt_masks"):
        channels, height, width = image_geometry(config)
        if name == "prompt_masks":
            return (torch.rand(batch, channels, height, width, generator=generator) > 0.5).float()
        return torch.randn(batch, channels, height, width, generator=generator)
    if name in ("query_embeds", "inputs_embeds", "encoder_hidden_states", "context_hidden_states"):
        tc = text_config(config) if name == "inputs_embeds" else config
        hidden = _get(tc, "hidden_size", "d_model", "embed_dim", default=TINY_HIDDEN)
        length = _get(config, "num_query_tokens", default=None) if name == "query_embeds" else None
        length = length if _is_int(length) else min(text_length(config, ctx.seq_len), 32)
        return torch.randn(batch, length, int(hidden), generator=generator)
    if name == "input_features":
        return torch.randn(*audio_features_shape(config, batch), generator=generator)
    if name == "input_values":
        return torch.randn(*waveform_shape(config, batch), generator=generator)
    if name == "attention_mask" and inputs.get("input_ids") is not None:
        return torch.ones_like(inputs["input_ids"])
    if name.endswith("_input_ids"):  # qformer_input_ids, classes_input_ids...: ids in <prefix>_config's vocabulary
        prefix = name[: -len("_input_ids")]
        sub = sub_config(config, prefix + "_config")
        vocab = _get(sub, "vocab_size") if sub is not config else None
        vocab = vocab if _is_int(vocab) and vocab > 0 else text_vocab(config)
        length = min(text_length(config, ctx.seq_len), 16)
        return torch.tensor(token_ids(batch, length, vocab, special_token_ids(config), ctx.seed + 3), dtype=torch.long)
    if name.endswith("_attention_mask") and inputs.get(name[: -len("_attention_mask")] + "_input_ids") is not None:
        return torch.ones_like(inputs[name[: -len("_attention_mask")] + "_input_ids"])
    return None


TIME_SERIES_PREDICTION_LENGTH = 8  # what a shrunk config without a prediction_length forecasts


def time_series_length(config):
    """Time steps of past_values: the context plus the largest lag (lag-feature models look back that far)."""
    context = _get(config, "context_length", "prediction_length", default=32)
    lags = _get(config, "lags_sequence", default=None)
    extra = max(lags) if isinstance(lags, (list, tuple)) and lags and all(_is_int(x) for x in lags) else 0
    return int(context) + int(extra)


def time_series_inputs(config, batch, wanted, generator):
    """past_values and what goes with it, shaped from the config, for the forward() parameters in wanted.

    Variates: input_size (TimeSeriesTransformer-likes), num_input_channels (PatchTST,
    PatchTSMixer) or one (a univariate series, (batch, length)). Time features:
    num_time_features (+ num_dynamic_real_features). Static features: one category
    per cardinality, num_static_real_features reals. TimesFM-likes also take the
    padding of each step and a frequency class.
    """
    import torch

    length = time_series_length(config)
    horizon = _get(config, "prediction_length", "horizon_length", default=TIME_SERIES_PREDICTION_LENGTH)
    keys = config.to_dict()
    if "freq" in wanted or "past_values_padding" in wanted:  # TimesFM-likes: univariate rows
        series = (batch, length)
    elif _is_int(keys.get("num_input_channels")):  # PatchTST-likes: always (batch, length, channels)
        series = (batch, length, keys["num_input_channels"])
    else:  # TimeSeriesTransformer-likes: (batch, length) when univariate
        variates = keys.get("input_size") if _is_int(keys.get("input_size")) else 1
        series = (batch, length) if variates == 1 else (batch, length, variates)
    out = {"past_values": torch.randn(*series, generator=generator)}
    mask_name = "past_observed_mask" if "past_observed_mask" in wanted else "observed_mask"
    out[mask_name] = torch.ones(*series)
    features = int(_get(config, "num_time_features", default=0)) + int(_get(config, "num_dynamic_real_features", default=0))
    if "past_time_features" in wanted:
        out["past_time_features"] = torch.randn(batch, length, features, generator=generator)
    if "future_time_features" in wanted:
        out["future_time_features"] = torch.randn(batch, int(horizon), features, generator=generator)
        out["future_values"] = torch.randn(batch, int(horizon), *series[2:], generator=generator)
    cats = _get(config, "num_static_categorical_features", default=0)
    if _is_int(cats) and cats > 0:
        out["static_categorical_features"] = torch.zeros(batch, cats, dtype=torch.long)  # category 0 always exists
    reals = _get(config, "num_static_real_features", default=0)
    if _is_int(reals) and reals > 0:
        out["static_real_features"] = torch.randn(batch, reals, generator=generator)
    if "past_values_padding" in wanted:
        out["past_values_padding"] = torch.zeros(*series)
    if "freq" in wanted:
        out["freq"] = torch.zeros(batch, 1, dtype=torch.long)
    return out


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
    tc = sub_config(config, "text_config", "text_encoder", "language_config", "llm_config", "decoder", "qformer_config")
    if tc is config:  # a wrapper around a whole vision-language model (ColPali-likes): its text
        inner = sub_config(config, "vlm_config")
        tc = sub_config(inner, "text_config") if inner is not config else config
    return tc


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
    for c in (config, text_config(config), sub_config(config, "vlm_config", "model_config")):
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


def _mel_channels_first(model, bins):
    """True when the model's first 1-d convolution reads the mel bins as its channels: (batch, bins, frames)."""
    modules = getattr(model, "modules", None)
    if not callable(modules) or not _is_int(bins):
        return False
    for m in modules():
        if type(m).__name__ == "Conv1d":
            return getattr(m, "in_channels", None) == bins
    return False


def audio_features_shape(config, batch, frames=400, model=None):
    """Shape of spectrogram input_features, in the layout the audio encoder reads.

    Whisper-style encoders (a max_source_positions) convolve over time with the
    mel bins as channels: (batch, bins, 2 x max_source_positions). Conformer- and
    Speech2Text-style encoders read frames as rows: (batch, frames, features);
    400 frames is a multiple of the usual subsampling factors (4, 8, 16) and windows (100, 200).
    """
    ac = audio_config(config)
    src = _get(ac, "max_source_positions", default=None)
    window = _get(ac, "n_window", default=None)
    if _is_int(window) and window > 0:  # chunked encoders (Qwen-ASR-likes) take whole windows of 2 x n_window frames
        frames = -(-frames // (2 * window)) * 2 * window
        if _get(ac, "num_mel_bins") is not None:
            return (batch, int(_get(ac, "num_mel_bins")), frames)
    if _is_int(src) and src > 0 and _get(ac, "num_mel_bins") is not None:
        return (batch, int(_get(ac, "num_mel_bins")), 2 * src)
    per_channel = _get(ac, "input_feat_per_channel")
    if _is_int(per_channel):
        return (batch, frames, per_channel * int(_get(ac, "input_channels", default=1)))
    width = _get(ac, "input_dim", "feature_projection_input_dim", "num_mel_bins", "feature_size", "n_mels",
                 "mel_bins", default=80)  # fmt: skip
    if model is not None and _mel_channels_first(model, int(width)):  # a convolution stem over (bins, frames)
        return (batch, int(width), frames)
    return (batch, frames, int(width))


def audio_frames(config, batch, model=None):
    """Number of time frames in audio_features_shape(config, batch, model=model): the length of input_features_mask."""
    shape = audio_features_shape(config, batch, model=model)
    ac = audio_config(config)
    whisper_like = (_is_int(_get(ac, "max_source_positions")) or _is_int(_get(ac, "n_window"))) and _get(
        ac, "num_mel_bins"
    ) is not None
    width = _get(ac, "input_dim", "feature_projection_input_dim", "num_mel_bins", "feature_size", "n_mels", "mel_bins")
    channels_first = model is not None and _is_int(width) and _mel_channels_first(model, width)
    return shape[2] if whisper_like or channels_first else shape[1]


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
    mapping = {}
    _remap_token_ids(out, None, mapping)
    return out


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
    last = None
    for _ in range(MAX_VALIDATOR_REPAIRS + 1):
        try:
            return type(config)(**_constructor_kwargs(config, small, overrides or {}))
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
