"""The worker protocol, through a real `python -m hwcov_harness.worker` process (stdlib-only test files)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PASSING = '''
import os
import sys
import time

time.sleep(0.2)  # a slow import, like torch's

IMPORTS = [0]
IMPORTS[0] += 1

def run_test(params=None):
    print("hello from python print")
    sys.stdout.flush()
    os.write(1, b"hello from fd 1\\n")
    return {"status": "pass", "samples_ms": [1.0, 2.0], "execution_ms": 1.5,
            "extra": {"params": params, "imports": IMPORTS[0]}}
'''

STAGES = '''
MODEL_TYPE = "fake"
HARDWARE = "cpu"

def build_model(ctx):
    return lambda x: [v * 2 for v in x]

def build_inputs(ctx):
    return {"x": list(range(ctx.batch_size))}

def run_model(ctx):
    return ctx.model(**ctx.inputs)
'''

RAISING = '''
def run_test(params=None):
    raise ValueError("boom\\nsecond line")
'''

EXITING = '''
import sys

def run_test(params=None):
    sys.exit(3)
'''

BROKEN_IMPORT = '''
raise ImportError("no module named torch_nope")
'''

NAN = '''
def run_test(params=None):
    return {"status": "pass", "execution_ms": float("nan"), "samples_ms": [float("inf"), 1.0]}
'''


class Worker:
    def __init__(self, tmp_path, require=None):
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.pop("HF_HUB_OFFLINE", None)
        env.pop("HWCOV_REQUIRE", None)
        if require is not None:
            env["HWCOV_REQUIRE"] = require
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "hwcov_harness.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(tmp_path),
            env=env,
            text=True,
        )
        self.seq = 0

    def read(self):
        line = self.proc.stdout.readline()
        assert line, "worker closed its protocol channel; stderr: " + self.proc.stderr.read()
        return json.loads(line)

    def send(self, obj):
        self.proc.stdin.write(json.dumps(obj) + "\n")
        self.proc.stdin.flush()

    def run(self, path, **params):
        self.seq += 1
        self.send({"op": "run", "seq": self.seq, "test_id": f"t{self.seq}", "file": str(path), "params": params})
        msg = self.read()
        assert msg["event"] == "result" and msg["seq"] == self.seq and msg["test_id"] == f"t{self.seq}", msg
        return msg["result"]

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            f.close()


@pytest.fixture
def worker(tmp_path):
    w = Worker(tmp_path)
    ready = w.read()
    assert ready["event"] == "ready" and ready["pid"] == w.proc.pid and ready["python"].count(".") == 2
    yield w
    w.close()


def write(tmp_path, name, src):
    p = tmp_path / name
    p.write_text(textwrap.dedent(src))
    return p


RESULT_KEYS = {"status", "error_message", "traceback", "samples_ms", "execution_ms", "memory_mb", "wall_ms",
               "output", "model_name", "extra"}  # fmt: skip


def test_run_ping_exit_and_stdout_isolation(worker, tmp_path):
    path = write(tmp_path, "test_ok.py", PASSING)
    r = worker.run(path, batch_size=2)
    assert r["status"] == "pass"
    assert RESULT_KEYS <= set(r)
    assert r["extra"]["params"] == {"batch_size": 2}
    # the first run pays for importing the module, and says so
    assert r["extra"]["import_ms"] >= 200 and r["wall_ms"] >= r["extra"]["import_ms"]
    # the module is imported once and cached by path
    again = worker.run(path)
    assert again["extra"]["imports"] == 1 and "import_ms" not in again["extra"]
    worker.send({"op": "ping", "seq": 99})
    assert worker.read() == {"event": "pong", "seq": 99}
    worker.send({"op": "exit"})
    assert worker.proc.wait(timeout=10) == 0
    # nothing but protocol lines reached stdout; the test's prints went to stderr
    assert worker.proc.stdout.read() == ""
    err = worker.proc.stderr.read()
    assert "hello from python print" in err and "hello from fd 1" in err


def test_stage_module_without_run_test(worker, tmp_path):
    r = worker.run(write(tmp_path, "test_stages.py", STAGES), batch_size=3, iterations=4, warmup=0)
    assert r["status"] == "pass", r["traceback"]
    assert len(r["samples_ms"]) == 4
    assert r["model_name"] == "tiny-random-fake"
    assert r["extra"]["test_id"] == "fake@cpu/fp32/b3/s128"


def test_failures_never_end_the_worker(worker, tmp_path):
    r = worker.run(write(tmp_path, "test_raise.py", RAISING))
    assert r["status"] == "fail"
    assert r["error_message"] == "ValueError: boom"
    assert "Traceback" in r["traceback"] and "second line" in r["traceback"]

    r = worker.run(write(tmp_path, "test_exit.py", EXITING))
    assert r["status"] == "fail" and r["error_message"].startswith("SystemExit")

    r = worker.run(write(tmp_path, "test_import.py", BROKEN_IMPORT))
    assert r["status"] == "fail" and "torch_nope" in r["error_message"]

    r = worker.run(tmp_path / "missing.py")
    assert r["status"] == "fail" and "not found" in r["error_message"]

    r = worker.run(write(tmp_path, "test_nan.py", NAN))
    assert r["status"] == "pass" and r["execution_ms"] is None and r["samples_ms"] == [None, 1.0]

    worker.send({"op": "ping", "seq": 7})
    assert worker.read() == {"event": "pong", "seq": 7}


def test_bad_requests_are_answered(worker):
    worker.proc.stdin.write("this is not json\n")
    worker.proc.stdin.flush()
    msg = worker.read()
    assert msg["event"] == "error" and msg["seq"] is None
    worker.send({"op": "dance", "seq": 4})
    msg = worker.read()
    assert msg == {"event": "error", "seq": 4, "error": "unknown op 'dance'"}


def test_eof_exits_zero(worker):
    worker.proc.stdin.close()
    assert worker.proc.wait(timeout=10) == 0


def test_offline_environment_is_set(worker, tmp_path):
    path = write(tmp_path, "test_env.py", '''
    import os

    def run_test(params=None):
        return {"status": "pass", "extra": {"hub": os.environ.get("HF_HUB_OFFLINE"),
                                            "tf": os.environ.get("TRANSFORMERS_OFFLINE")}}
    ''')
    r = worker.run(path)
    assert r["extra"]["hub"] == "1" and r["extra"]["tf"] == "1"


def test_ready_line_names_missing_modules(tmp_path):
    # json is always there; the other two never are
    w = Worker(tmp_path, require="json, hwcov_no_such_module ,,hwcov_no_such_module,bad..name")
    try:
        ready = w.read()
        assert ready["event"] == "ready"
        assert ready["missing"]["hwcov_no_such_module"] == "No module named 'hwcov_no_such_module'"
        assert set(ready["missing"]) == {"hwcov_no_such_module", "bad..name"}
        # the worker still serves: the runner decides what to do with the tests
        w.send({"op": "ping", "seq": 1})
        assert w.read() == {"event": "pong", "seq": 1}
    finally:
        w.close()


def test_ready_line_without_missing_modules(worker):
    # the fixture's worker has no $HWCOV_REQUIRE, so nothing is missing and the key is absent
    worker.send({"op": "ping", "seq": 1})
    assert worker.read() == {"event": "pong", "seq": 1}


def test_torch_probe_matches_the_interpreter(tmp_path):
    import importlib.util

    w = Worker(tmp_path, require="torch")
    try:
        ready = w.read()
        has_torch = importlib.util.find_spec("torch") is not None
        assert ("torch" in ready.get("missing", {})) == (not has_torch), ready
    finally:
        w.close()
