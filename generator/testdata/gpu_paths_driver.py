"""Runs the cuda, rocm and mps templates' stage functions on the CPU with a fake torch.cuda / torch.mps.

Used by generator/generator_gpu_paths_test.go: argv are generated test files.
Placement, precision casts, memory accounting, optimizations, validation and
teardown run for real (on CPU tensors); only the device runtime is faked.
Prints one line per file: "<file> ok <json>" or raises.
"""
import importlib.util
import json
import sys

import torch
import transformers

from hwcov_harness import harness

transformers.BertModel  # import the model before torch.cuda is faked (transformers probes the device on import)

calls = []


class Props:
    name = "Fake GPU"
    major, minor = 8, 0
    total_memory = 16 << 30
    gcnArchName = "gfx90a"


for name, fn in dict(
    is_available=lambda: True, current_device=lambda: 0, set_device=lambda d: calls.append("set_device"),
    synchronize=lambda d=None: calls.append("synchronize"), empty_cache=lambda: calls.append("empty_cache"),
    reset_peak_memory_stats=lambda d=None: calls.append("reset_peak"), memory_allocated=lambda d=None: 1 << 20,
    max_memory_allocated=lambda d=None: 5 << 20, get_device_properties=lambda d: Props(),
).items():
    setattr(torch.cuda, name, fn)
torch.version.hip = "6.2"
torch.backends.mps.is_built = lambda: True
torch.backends.mps.is_available = lambda: True
for name, fn in dict(synchronize=lambda: calls.append("mps_sync"), empty_cache=lambda: calls.append("mps_empty"),
                     current_allocated_memory=lambda: 2 << 20, driver_allocated_memory=lambda: 8 << 20).items():
    setattr(torch.mps, name, fn)


def drive(path, precision, mode):
    spec = importlib.util.spec_from_file_location("t", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    ctx = harness.Context(test_id=m.TEST_ID, model_type=m.MODEL_TYPE, hardware=m.HARDWARE, precision=precision,
                          batch_size=1, seq_len=16, warmup=0, iterations=1, seed=0, params={"optimizations": mode})
    device = m.setup_device(ctx)
    assert device.type in ("cuda", "mps"), device
    ctx.device = torch.device("cpu")  # the placement code runs on CPU tensors
    m.seed_everything(0)
    m.memory_start(ctx)
    ctx.config = m.build_config(ctx)
    ctx.model = m.build_model(ctx)
    ctx.inputs = m.build_inputs(ctx)
    ctx.reference = m.reference_outputs(ctx)
    ctx.model = m.prepare_model(ctx)
    ctx.inputs = m.prepare_inputs(ctx)
    dtypes = {p.dtype for p in ctx.model.parameters()}
    assert dtypes == {m.DTYPES[precision]}, dtypes
    out = m.run_model(ctx)
    m.synchronize(ctx)
    peak = m.memory_peak_mb(ctx)
    m.validate_outputs(ctx, out, harness.summarize_outputs(out))
    env = m.describe_device(ctx)
    m.teardown(ctx)
    m.memory_stop(ctx)
    return {"peak_mb": peak, "applied": ctx.extra.get("optimizations_applied"), "max_abs": ctx.extra["validation"]["max_abs_diff"],
            "atol": ctx.extra["validation"]["atol"], "device_name": env.get("device_name", env.get("device"))}


for path in sys.argv[1:]:
    for mode in ("default", "none"):
        rec = drive(path, "fp16", mode)
        print(path, mode, "ok", json.dumps(rec, sort_keys=True))
print("calls", json.dumps(sorted(set(calls))))
