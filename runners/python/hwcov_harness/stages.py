"""The stage runner every generated test calls: execute(module, params) -> the result record.

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

This module holds the stage runner (execute), the Context the stages share,
and the command line of a generated test (main).
"""

import argparse
import importlib
import json
import os
import random
import sys
import time
import traceback

from . import profile, reference
from .ladder import shrink_ladder
from .memory import settle_garbage
from .record import (
    STATUS_FAIL,
    STATUS_NOT_BUILDABLE,
    STATUS_PASS,
    STATUS_SKIP,
    NotBuildable,
    Skip,
    backend_skip_reason,
    environment,
    error_line,
    jsonable,
    missing_backend,
    new_result,
    sample_stats,
)
from .tensors import describe_inputs, describe_model, same_checksums, summarize_outputs

DEFAULT_WARMUP = 1
DEFAULT_ITERATIONS = 5


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
            require_forward(ctx.model)
            extra["model"] = describe_model(ctx.model, ctx.config)
            _seed(module, ctx)
            ctx.inputs = stage("build_inputs", ctx) or {}
            extra["inputs"] = describe_inputs(ctx.inputs)
            ctx.reference = stage("reference_outputs", ctx)
            if p.get("reference_dir"):  # hwcov reference validate: the stored CPU outputs are the reference
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
            summary["repeatable"] = same_checksums(first, summary)
        result["output"] = summary
        stage("validate_outputs", ctx, outputs, summary)
        if p.get("profile"):  # hwcov run --profile layers|memory
            extra["profile"] = profile.run(module, ctx, p["profile"])
        if p.get("reference_out"):  # hwcov reference generate
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


def require_forward(model):
    """Skip (stated) when model is a torch module without a forward() of its own: there is no pass to run or time.

    Such classes (BarkModel, the VQ-VAE image tokenizers) only offer generate(),
    encode() or decode(); torch's placeholder forward raises NotImplementedError.
    """
    cls = type(model)
    fwd = getattr(cls, "forward", None)
    if getattr(fwd, "__name__", "") == "_forward_unimplemented":
        methods = [m for m in ("generate", "encode", "decode") if callable(getattr(model, m, None))]
        also = f" (it offers {', '.join(m + '()' for m in methods)})" if methods else ""
        raise Skip(f"{cls.__name__} defines no forward(){also}: there is no forward pass to run")


def _seed(module, ctx):
    fn = getattr(module, "seed_everything", None)
    random.seed(ctx.seed)
    if fn is not None:
        fn(ctx.seed)


def _traceback(exc):
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


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
