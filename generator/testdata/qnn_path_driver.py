"""Runs a rendered qualcomm test file with harness.execute, without and with a stand-in QNNExecutionProvider.

Used by generator/generator_qnn_path_test.go: argv[1] is the generated file.
Without QNN the file must skip and say why. With the stand-in (onnxruntime
reports QNNExecutionProvider; the session it opens is recorded, then run by a
real CPU session with the same session options but CPU fallback allowed) the file's own code runs:
precision, provider options, session config, comparison and the result's extra.
The stand-in proves the wiring only; no QNN arithmetic happens here.
Prints one JSON line per run.
"""
import importlib.util
import json
import sys

import onnxruntime as ort

from hwcov_harness import backends, harness

path = sys.argv[1]
spec = importlib.util.spec_from_file_location("qnn_test", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)


def report(label, rec):
    extra = rec.get("extra") or {}
    print(json.dumps({"run": label, "status": rec["status"], "error": rec.get("error_message") or "",
                      "precision": (extra.get("params") or {}).get("precision"),
                      "onnxruntime": extra.get("onnxruntime"), "validation_atol": (extra.get("validation") or {}).get("atol"),
                      "opened": opened}, sort_keys=True))


opened = []
report("no qnn", harness.execute(module, {"warmup": 0, "iterations": 1}))

RealSession = ort.InferenceSession


class StandInSession:
    """Records what the test asked onnxruntime for; a CPU session computes."""

    def __init__(self, path, sess_options=None, providers=None, provider_options=None):
        keys = sorted(backends.onnxruntime_config("QNNExecutionProvider"))
        opened.append({
            "providers": providers,
            "provider_options": provider_options,
            "session_config": {k: sess_options.get_session_config_entry(k) for k in keys},
        })
        self._options = provider_options[0] if provider_options else {}
        self._sess_options = sess_options
        # the CPU session that computes may not refuse the CPU: same options, fallback allowed
        cpu = ort.SessionOptions()
        cpu.intra_op_num_threads = sess_options.intra_op_num_threads
        cpu.graph_optimization_level = sess_options.graph_optimization_level
        for k in keys:
            if k != "session.disable_cpu_ep_fallback":
                cpu.add_session_config_entry(k, sess_options.get_session_config_entry(k))
        self._real = RealSession(path, sess_options=cpu, providers=["CPUExecutionProvider"])

    def get_providers(self):
        return ["QNNExecutionProvider"]

    def get_provider_options(self):
        return {"QNNExecutionProvider": dict(self._options)}

    def get_session_options(self):
        return self._sess_options

    def get_inputs(self):
        return self._real.get_inputs()

    def run(self, names, feeds):
        return self._real.run(names, feeds)


ort.InferenceSession = StandInSession
real_providers = ort.get_available_providers
ort.get_available_providers = lambda: list(real_providers()) + ["QNNExecutionProvider"]
backends.clear_caches()
report("stand-in qnn default precision", harness.execute(module, {"warmup": 0, "iterations": 1}))
opened.clear()
report("stand-in qnn fp32", harness.execute(module, {"warmup": 0, "iterations": 1, "precision": "fp32"}))
opened.clear()
report("stand-in qnn int8", harness.execute(module, {"warmup": 0, "iterations": 1, "precision": "int8"}))
