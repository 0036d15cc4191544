"""Stdlib-only stand-in for runners/python/hwcov_harness/worker.py.

The Go tests in runners/ run it as `python -u -m hwcov_harness.worker`. It
speaks the same JSON-lines protocol as the real worker:

  stdout <- {"event": "ready", "pid": ..., "python": "3.11.7"}
  stdin  -> {"op": "run", "seq": N, "test_id": ..., "file": ..., "params": {...}}
  stdout <- {"event": "result", "seq": N, "test_id": ..., "result": {...}}
  stdin  -> {"op": "ping", "seq": N}   stdout <- {"event": "pong", "seq": N}
  stdin  -> {"op": "exit"}             exit 0

Each test file is imported once, by path, and its run_test(params) called.
run_test returns a dict whose keys override the result (status, samples_ms,
output, extra, ...); as in the real harness the status defaults to "fail", so
a passing test says "pass". An exception makes the result "fail".
"""

import faulthandler
import importlib.util
import json
import math
import os
import platform
import sys
import time
import traceback


def _protocol_channel():
    """Keep the real stdout for protocol lines and point fd 1 at stderr, so
    whatever a test prints (even from C) cannot corrupt the protocol."""
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto


def _clean(value):
    """Replace non-finite floats, which are not JSON, with None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


_modules = {}


def _load(path):
    mod = _modules.get(path)
    if mod is None:
        name = "hwcov_case_%d" % len(_modules)
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _modules[path] = mod
    return mod


def _run(req):
    start = time.perf_counter()
    result = {"status": "fail", "error_message": "", "traceback": ""}
    try:
        mod = _load(req["file"])
        got = mod.run_test(req.get("params") or {})
        if isinstance(got, dict):
            result.update(got)
    except BaseException as exc:  # noqa: BLE001 - a test may raise anything
        if isinstance(exc, KeyboardInterrupt):
            raise
        result["status"] = "fail"
        result["error_message"] = "%s: %s" % (type(exc).__name__, exc)
        result["traceback"] = traceback.format_exc()
    result.setdefault("wall_ms", (time.perf_counter() - start) * 1000.0)
    return result


def main():
    proto = _protocol_channel()
    faulthandler.enable()

    def send(obj):
        proto.write(json.dumps(_clean(obj), allow_nan=False) + "\n")
        proto.flush()

    send({"event": "ready", "pid": os.getpid(), "python": platform.python_version()})
    for line in iter(sys.stdin.readline, ""):
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        op = req.get("op")
        if op == "exit":
            break
        if op == "ping":
            send({"event": "pong", "seq": req.get("seq")})
        elif op == "run":
            res = _run(req)
            sys.stderr.flush()
            send({"event": "result", "seq": req["seq"], "test_id": req.get("test_id"), "result": res})
    return 0


if __name__ == "__main__":
    sys.exit(main())
