"""The result record every test returns, and what goes into it.

new_result() is the record the Go runner reads; error_line() is what a table
cell can hold; jsonable() makes any value JSON (Go's JSON rejects NaN);
Skip, NotBuildable and LadderExhausted are the exceptions whose message is the
result's error; missing_backend() tells an optional package a model needs (a
skip) from a broken set-up (a failure); sample_stats() and environment() fill
the record's extra.
"""

import math
import os
import platform
import re
import sys

STATUS_PASS = "pass"
STATUS_FAIL = "fail"
STATUS_SKIP = "skip"
STATUS_NOT_BUILDABLE = "not_buildable"


class Skip(Exception):
    """Raised by a stage when the test cannot run here; the result is "skip"."""


class NotBuildable(Exception):
    """Raised when the architecture cannot be built from a config; the result is "not_buildable"."""


class LadderExhausted(Exception):
    """Every shrink level failed; the message is the first level's error (what to fix), plus what else was tried."""


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
