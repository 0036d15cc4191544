"""The long-lived test worker the Go runner drives: `python -u -m hwcov_record.worker`.

Protocol: JSON lines. The worker keeps a private duplicate of its original
stdout as the protocol channel and points file descriptor 1 at stderr, so
whatever a test prints (from Python or from C) lands on stderr and never
corrupts the protocol.

    worker -> {"event": "ready", "pid": 1234, "python": "3.11.7",
               "missing": {"torch": "No module named 'torch'"}}
    runner -> {"op": "run", "seq": 1, "test_id": "bert@cpu/fp32/b1/s128",
               "file": "/abs/test_bert_cpu.py", "params": {"batch_size": 1, ...}}
    worker -> {"event": "result", "seq": 1, "test_id": "...", "result": {...}}
    runner -> {"op": "ping", "seq": 2}
    worker -> {"event": "pong", "seq": 2}
    runner -> {"op": "exit"}             (or EOF on stdin): the worker exits 0

A malformed request or an unknown op is answered with
{"event": "error", "seq": <seq or null>, "error": "..."} and the worker goes on.

Before the ready line the worker looks for the modules named in
$HWCOV_REQUIRE (comma-separated, e.g. "torch,transformers,openvino") without
importing them, and lists those it cannot find in "missing" (module -> reason):
the runner records the tests that need them as infra_error instead of running
them into a wall of identical ModuleNotFoundErrors.

Each test file is imported once (cached by path) and its run_test(params) is
called; torch and transformers are therefore imported once per worker.
"""

import hashlib
import importlib.util
import json
import os
import platform
import re
import sys
import time
import traceback

from . import record, stages

_modules = {}


def _module_name(path):
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    digest = hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"hwcov_generated.{stem}_{digest}"


def load_module(path):
    """Import the test file at path once; later calls return the cached module.

    Returns (module, import_ms): how long this call spent importing, 0.0 when
    the module was cached.
    """
    path = os.path.abspath(path)
    mod = _modules.get(path)
    if mod is not None:
        return mod, 0.0
    if not os.path.isfile(path):
        raise FileNotFoundError(f"test file not found: {path}")
    start = time.perf_counter()
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.append(directory)  # a test may import helpers that sit beside it
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _modules[path] = mod
    return mod, (time.perf_counter() - start) * 1000.0


def probe(modules):
    """Return {module: reason} for each top-level module in modules that cannot be found.

    importlib.util.find_spec looks for a module without importing it, so torch's
    import time stays where it belongs: in the first test.
    """
    missing = {}
    for name in modules:
        name = name.strip()
        if not name or name in missing:
            continue
        try:
            found = importlib.util.find_spec(name) is not None
            reason = f"No module named {name!r}"
        except (ImportError, ValueError) as exc:  # a broken package, or a bad name
            found = False
            reason = record.error_line(exc)
        if not found:
            missing[name] = reason
    return missing


def _failed(exc, model_type=""):
    r = record.new_result(model_type)
    r["status"] = record.STATUS_FAIL
    r["error_message"] = record.error_line(exc)
    r["traceback"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return r


def run_request(req):
    """Run one test request and return its result record; never raises (but KeyboardInterrupt).

    The first request for a test file imports it, and the first of all imports
    torch and transformers through it: that time is the test's (a process per
    test pays it in every test), so it is added to the result's wall_ms and
    recorded as extra.import_ms. Later requests for the same file find it cached.
    """
    start = time.perf_counter()
    params = req.get("params") or {}
    mod = None
    import_ms = 0.0
    try:
        if not isinstance(params, dict):
            raise TypeError(f"params must be an object, got {type(params).__name__}")
        path = req.get("file")
        if not path:
            raise ValueError("run request has no file")
        mod, import_ms = load_module(path)
        run = getattr(mod, "run_test", None)
        if run is not None:
            result = run(params)
        else:  # a module with stage functions but no entry point
            result = stages.execute(mod, params)
        if not isinstance(result, dict):
            raise TypeError(f"run_test returned {type(result).__name__}, want a dict")
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit included: a test must not end the worker
        result = _failed(exc, getattr(mod, "MODEL_TYPE", "") if mod else "")
    full = record.new_result()
    full.update(result)
    if not full.get("wall_ms"):
        full["wall_ms"] = (time.perf_counter() - start) * 1000.0
    elif import_ms:
        full["wall_ms"] += import_ms
    if import_ms:
        if not isinstance(full.get("extra"), dict):
            full["extra"] = {}
        full["extra"]["import_ms"] = import_ms
    if full.get("status") not in (
        record.STATUS_PASS,
        record.STATUS_FAIL,
        record.STATUS_SKIP,
        record.STATUS_NOT_BUILDABLE,
        "timeout",  # a test whose out-of-process runtime (the browser) hung
        "crash",  # or died, while the worker itself is fine
    ):
        full["error_message"] = f"unknown status {full.get('status')!r}; " + str(full.get("error_message") or "")
        full["status"] = record.STATUS_FAIL
    return record.jsonable(full)


class Channel:
    """The protocol channel: one JSON object per line on the duplicated stdout."""

    def __init__(self, stream):
        self.stream = stream

    def send(self, obj):
        line = json.dumps(record.jsonable(obj), separators=(",", ":"), allow_nan=False)
        self.stream.write(line + "\n")
        self.stream.flush()


def open_channel():
    """Duplicate fd 1 as the protocol channel, then point fd 1 at stderr."""
    sys.stdout.flush()
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    stream = os.fdopen(proto_fd, "w", encoding="utf-8", buffering=1)
    return Channel(stream)


def serve(stdin, channel):
    """Answer requests from stdin until exit or EOF; returns the exit code."""
    while True:
        line = stdin.readline()
        if not line:
            return 0
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("request is not a JSON object")
        except ValueError as exc:
            channel.send({"event": "error", "seq": None, "error": f"bad request: {exc}"})
            continue
        op = req.get("op")
        seq = req.get("seq")
        if op == "run":
            result = run_request(req)
            sys.stdout.flush()
            sys.stderr.flush()
            channel.send({"event": "result", "seq": seq, "test_id": req.get("test_id", ""), "result": result})
        elif op == "ping":
            channel.send({"event": "pong", "seq": seq})
        elif op == "exit":
            return 0
        else:
            channel.send({"event": "error", "seq": seq, "error": f"unknown op {op!r}"})


def main():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    channel = open_channel()
    # stdout now writes to stderr; keep Python's idea of it line-buffered for readable logs
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except (AttributeError, ValueError):
        pass
    ready = {"event": "ready", "pid": os.getpid(), "python": platform.python_version()}
    missing = probe(os.environ.get("HWCOV_REQUIRE", "").split(","))
    if missing:
        ready["missing"] = missing
    channel.send(ready)
    return serve(sys.stdin, channel)


if __name__ == "__main__":
    sys.exit(main())
