"""Profiles of a test, after its timed iterations: `hwcov run --profile layers|memory`.

layers: one more forward pass with a pre/post hook on every submodule (inclusive
wall time per module, summed over calls) inside torch.profiler (the top operators
by self CPU time). It needs a model that runs in torch (cpu, cuda, rocm, mps);
for converted models (openvino, onnxruntime) the torch model is profiled on the
CPU and the record says so.

memory: ITERATIONS more iterations, each with its own peak (MemorySampler, or the
device allocator through the test's memory_peak_mb) and the growth of memory in
use from one iteration to the next (a leak shows as steady growth).

run() returns a JSON-able dict stored in the result's extra.profile.
"""

import gc
import time

from .memory import MemorySampler

TOP = 15
MEMORY_ITERATIONS = 5


def run(module, ctx, kind):
    if kind == "layers":
        return layers(module, ctx)
    if kind == "memory":
        return memory(module, ctx)
    raise ValueError(f"unknown profile {kind!r}: want layers or memory")


def _torch_model(module, ctx):
    """The torch module whose forward is timed, and where it runs."""
    import torch

    model = ctx.model
    if isinstance(model, torch.nn.Module):
        return model
    return None


def layers(module, ctx, top=TOP):
    import torch

    model = _torch_model(module, ctx)
    if model is None:
        return {"kind": "layers", "error": "the model under test is not a torch module"}
    forward = getattr(module, "forward")
    sync = getattr(module, "synchronize", None) or (lambda c: None)
    inputs = ctx.inputs
    note = ""
    if getattr(module, "BACKEND", "torch") not in ("torch",):
        # converted models run outside torch: profile the torch model on the CPU with the test's inputs
        note = f"{getattr(module, 'BACKEND', '')} runs a converted graph; these are the torch model's layers on the CPU"
    starts, totals, calls = {}, {}, {}
    handles = []
    names = {}
    for name, sub in model.named_modules():
        if not name:
            continue
        names[id(sub)] = name

        def pre(mod, args, _name=name):
            sync(ctx)
            starts.setdefault(_name, []).append(time.perf_counter())

        def post(mod, args, out, _name=name):
            sync(ctx)
            t0 = starts[_name].pop()
            totals[_name] = totals.get(_name, 0.0) + (time.perf_counter() - t0) * 1000.0
            calls[_name] = calls.get(_name, 0) + 1

        handles.append(sub.register_forward_pre_hook(pre))
        handles.append(sub.register_forward_hook(post))
    activities = [torch.profiler.ProfilerActivity.CPU]
    if ctx.device is not None and getattr(ctx.device, "type", "cpu") == "cuda":
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    try:
        t0 = time.perf_counter()
        with torch.profiler.profile(activities=activities) as prof, torch.inference_mode():
            forward(model, inputs)
            sync(ctx)
        total_ms = (time.perf_counter() - t0) * 1000.0
    finally:
        for h in handles:
            h.remove()
    rows = sorted(totals.items(), key=lambda kv: -kv[1])
    depth = lambda n: n.count(".")  # noqa: E731
    modules = [
        {"module": n, "type": type(model.get_submodule(n)).__name__, "ms": ms, "calls": calls.get(n, 0),
         "percent": 100.0 * ms / total_ms if total_ms else 0.0, "depth": depth(n)}
        for n, ms in rows[:top]
    ]
    ops = []
    for ev in sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:top]:
        ops.append({"op": ev.key, "self_cpu_ms": ev.self_cpu_time_total / 1000.0, "cpu_total_ms": ev.cpu_time_total / 1000.0,
                    "calls": ev.count})
    out = {"kind": "layers", "total_ms": total_ms, "modules": modules, "ops": ops, "module_count": len(totals)}
    if note:
        out["note"] = note
    return out


def memory(module, ctx, iterations=MEMORY_ITERATIONS):
    run_model = getattr(module, "run_model")
    sync = getattr(module, "synchronize", None) or (lambda c: None)
    peak_fn = getattr(module, "memory_peak_mb", None)
    sampler = MemorySampler()
    own = isinstance(ctx.memory, MemorySampler)
    rows = []
    gc.collect()
    base = sampler._read() or 0
    previous = base
    for i in range(iterations):
        s = MemorySampler().start()
        out = run_model(ctx)
        sync(ctx)
        peak = s.peak_mb()
        s.stop()
        device_peak = None
        if not own and peak_fn is not None:
            try:
                device_peak = float(peak_fn(ctx))
            except Exception:
                device_peak = None
        out = None  # noqa: F841
        gc.collect()
        now = sampler._read() or 0
        rows.append({"iteration": i + 1, "peak_mb": peak, "device_peak_mb": device_peak,
                     "in_use_mb": (now - base) / 2**20, "growth_mb": (now - previous) / 2**20})
        previous = now
    return {
        "kind": "memory",
        "source": sampler.kind,
        "iterations": rows,
        "peak_mb": max((r["peak_mb"] for r in rows), default=0.0),
        "growth_mb_per_iteration": (sum(r["growth_mb"] for r in rows[1:]) / (len(rows) - 1)) if len(rows) > 1 else 0.0,
    }
