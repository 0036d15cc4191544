"""The client of hwcov's browser service: run an ONNX model on webgpu or webnn in a real browser.

`hwcov run` starts the service (Go package runners/web) when a shard has web
tests and tells its workers where it is in HWCOV_BROWSER_URL. A generated
webgpu/webnn test exports its tiny model to ONNX (onnx_export) and calls

    response = browser.run("webgpu", "/tmp/model.onnx", {"input_ids": ids}, warmup=1, iterations=5)
    browser.check_placement(response)              # no silent fallback to wasm
    response["outputs"]                            # {name: numpy array}

The service opens a fresh page in the platform's browser, runs the model with
onnxruntime-web on the platform's execution provider and answers with the
outputs, the timings measured in the page (session creation, first run, each
timed run), the adapter (vendor, architecture, isFallbackAdapter) and where
onnxruntime placed each node. Without the service (a plain `pytest
test_bert_webgpu.py`), `require_service` skips the test and says how to start
one. Only the standard library is imported at import time (numpy when used).
"""

import base64
import json
import os
import socket
import urllib.error
import urllib.request

from .record import STATUS_FAIL, Skip, sample_stats

ENV_URL = "HWCOV_BROWSER_URL"
HOW_TO_START = (
    "run it with `hwcov run --hardware {platform}`, or start a service with `hwcov browser serve` "
    "and export the HWCOV_BROWSER_URL it prints"
)

# numpy dtype name <-> onnxruntime-web tensor type
_DTYPES = {
    "float32": "float32",
    "float64": "float64",
    "float16": "float16",
    "int64": "int64",
    "int32": "int32",
    "int16": "int16",
    "int8": "int8",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "bool": "bool",
}


class BrowserError(Exception):
    """The browser could not run the model; status is the result status it stands for."""

    status = STATUS_FAIL
    platform_error = True  # the platform's outcome: the shrink ladder does not try another size

    def __init__(self, message, response=None):
        super().__init__(message)
        self.response = response or {}


class BrowserTimeout(BrowserError):
    """No result in time: the service killed the browser (it restarts for the next test)."""

    status = "timeout"


class BrowserCrash(BrowserError):
    """The page or the browser died, or the service could not be reached."""

    status = "crash"


class PlacementError(AssertionError):
    """Nodes ran on another execution provider than the platform's (wasm, the CPU)."""

    platform_error = True


def service_url(environ=None):
    """The service's API URL from HWCOV_BROWSER_URL, or None."""
    env = os.environ if environ is None else environ
    url = (env.get(ENV_URL) or "").strip()
    return url.rstrip("/") or None


def require_service(platform, environ=None):
    """The service URL; raise Skip (saying how to start one) when there is none."""
    url = service_url(environ)
    if not url:
        raise Skip(f"no browser service for {platform} ({ENV_URL} is not set): " + HOW_TO_START.format(platform=platform))
    return url


def encode_tensor(name, array):
    """{name, dtype, shape, data (base64 of little-endian bytes)} for a numpy array or torch tensor."""
    import numpy as np

    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    array = np.ascontiguousarray(array)
    dtype = _DTYPES.get(array.dtype.name)
    if dtype is None:
        raise BrowserError(f"input {name}: dtype {array.dtype} has no onnxruntime-web tensor type")
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    return {
        "name": name,
        "dtype": dtype,
        "shape": [int(d) for d in array.shape],
        "data": base64.b64encode(array.tobytes()).decode("ascii"),
    }


def decode_tensor(t):
    """A numpy array from the service's {name, dtype, shape, data}."""
    import numpy as np

    dtype = np.dtype("bool" if t["dtype"] == "bool" else t["dtype"]).newbyteorder("<")
    raw = base64.b64decode(t.get("data") or b"")
    return np.frombuffer(raw, dtype=dtype).reshape([int(d) for d in t.get("shape") or []]).copy()


def run(platform, model_path, inputs, *, test_id="", warmup=1, iterations=5, timeout_s=None, url=None,
        webnn_device_type="cpu", environ=None):
    """Run the ONNX model at model_path on platform in the service's browser.

    inputs: {name: numpy array or torch tensor}. Returns the service's
    response (a dict) with "outputs" decoded to {name: numpy array}. Raises
    harness.Skip when the platform's browser is not installed, BrowserTimeout
    / BrowserCrash when the browser hung or died, BrowserError when the page
    failed (session creation, an operator, a missing input).
    """
    url = url or require_service(platform, environ)
    request = {
        "platform": platform,
        "test_id": test_id,
        "model": os.path.abspath(model_path),
        "inputs": [encode_tensor(n, v) for n, v in inputs.items()],
        "warmup": int(warmup),
        "iterations": int(iterations),
        "timeout_s": float(timeout_s or 0),
        "webnn_device_type": webnn_device_type,
    }
    response = _post(url + "/run", request, timeout_s)
    status = response.get("status")
    message = response.get("error") or f"{platform}: status {status}"
    if status == "unavailable":
        raise Skip(message)
    if status == "timeout":
        raise BrowserTimeout(message, response)
    if status == "crash":
        raise BrowserCrash(message, response)
    if status != "ok":
        raise BrowserError(message, response)
    response["outputs"] = {t["name"]: decode_tensor(t) for t in response.get("outputs") or []}
    return response


def _post(url, body, timeout_s):
    data = json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    # the service enforces the test's timeout in the browser; this only guards against a lost service
    wait = (timeout_s or 600) + 120
    try:
        with urllib.request.urlopen(req, timeout=wait) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip()
        raise BrowserError(f"browser service rejected the request ({exc.code}): {detail}") from None
    except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BrowserCrash(f"browser service at {url} did not answer: {reason}; is `hwcov run` still running?") from None


def check_placement(response, platform=None):
    """Raise PlacementError unless onnxruntime placed every node on the platform's execution provider."""
    platform = platform or response.get("platform", "")
    p = response.get("placement") or {}
    if not p.get("logged"):
        raise PlacementError(
            f"onnxruntime-web logged no node placement on {platform}: cannot tell whether the model ran there"
        )
    fallback = p.get("fallback") or []
    count = p.get("fallback_count") or len(fallback)
    if not count:
        return
    providers = p.get("providers") or {}
    others = sorted(k for k in providers if k not in (p.get("expected") or []))
    where = "wasm" if others and all(k in ("CPUExecutionProvider", "XnnpackExecutionProvider") for k in others) else ", ".join(others)
    total = sum(providers.values())
    ops = fallback_ops(p)
    raise PlacementError(
        f"ran on {where}, not {platform}: {count} of {total} nodes on {', '.join(others)}"
        + (f" ({ops})" if ops else "")
        + "; the provider cannot place these operators"
    )


def fallback_ops(placement):
    """'Cast (node__to_copy), Det x2' for the nodes that fell back (or the unsupported ones)."""
    nodes = placement.get("fallback") or placement.get("unsupported") or []
    seen = {}
    for n in nodes:
        seen.setdefault(n.get("op", "?"), []).append(n.get("name", ""))
    parts = []
    for op, names in seen.items():
        named = [x for x in names if x]
        label = op + (f" x{len(names)}" if len(names) > 1 else "")
        if named:
            label += " (" + ", ".join(named[:3]) + (", ..." if len(named) > 3 else "") + ")"
        parts.append(label)
    return ", ".join(parts)


def summary(response):
    """What the result's extra keeps of a response: everything but the output tensors and logs."""
    keep = {k: v for k, v in response.items() if k not in ("outputs", "log_tail")}
    p = dict(keep.get("placement") or {})
    keep["placement"] = p
    return keep


def adopt_result(result):
    """Use the browser's timings and statuses in a harness result record.

    The page times the runs itself (the Python loop only hands back its
    outputs), so samples_ms, execution_ms and stats_ms become the browser's;
    a test whose browser hung or died is "timeout" / "crash", not "fail".
    """
    extra = result.get("extra") or {}
    web = extra.get("browser") or {}
    samples = web.get("samples_ms") or []
    if samples:
        extra["python_loop_samples_ms"] = result.get("samples_ms")
        result["samples_ms"] = list(samples)
        result["execution_ms"] = sum(samples) / len(samples)
        extra["stats_ms"] = sample_stats(samples)
    status = web.get("status")
    if result.get("status") == STATUS_FAIL and status in ("timeout", "crash"):
        result["status"] = status
    return result
