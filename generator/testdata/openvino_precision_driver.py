"""Runs a rendered openvino test file with harness.execute at fp32 and bf16, and once with a plugin that ignores the hint.

Used by generator/generator_openvino_precision_test.go: argv[1] is the generated
file. Prints one JSON line per run: status, error, the inference precision the
compiled model reported (extra.openvino.inference_precision), the tolerance and
the largest difference from the fp32 CPU reference, and whether the CPU plugin
lists BF16 among its OPTIMIZATION_CAPABILITIES.
"""
import importlib.util
import json
import sys

from hwcov_harness import backends, harness

path = sys.argv[1]
spec = importlib.util.spec_from_file_location("ov_test", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
bf16_capable = "BF16" in backends.openvino_capabilities("CPU")


def report(label, rec):
    extra = rec.get("extra") or {}
    ov = extra.get("openvino") or {}
    val = extra.get("validation") or {}
    print(json.dumps({"run": label, "status": rec["status"], "error": rec.get("error_message") or "",
                      "requested": (ov.get("config") or {}).get("INFERENCE_PRECISION_HINT"),
                      "inference_precision": ov.get("inference_precision"), "atol": val.get("atol"),
                      "max_abs_diff": val.get("max_abs_diff"), "bf16_capable": bf16_capable}, sort_keys=True))


params = {"warmup": 0, "iterations": 1}
report("fp32", harness.execute(module, {**params, "precision": "fp32"}))
report("bf16", harness.execute(module, {**params, "precision": "bf16"}))

# A plugin that compiles in f32 whatever it is asked (a CPU without bf16): the test must not pass as bf16.
real = backends.openvino_settings
backends.openvino_settings = lambda compiled: {**real(compiled), "INFERENCE_PRECISION_HINT": "f32"}
backends.clear_caches()
report("bf16 ignored", harness.execute(module, {**params, "precision": "bf16"}))
