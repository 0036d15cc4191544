"""The shrink ladder: when the tiny model cannot be built or run, a larger one is tried.

shrink_ladder(module, ctx, attempt) runs attempt() at each of the module's
SHRINK_LEVELS until one works, stops at errors no size avoids, and refuses a
level whose estimated parameters are over PARAMETER_BUDGET.
"""

import gc

from .record import LadderExhausted, NotBuildable, Skip, error_line
from .shrink import estimate_parameters
from .sizes import PARAMETER_BUDGET, SHRINK_LEVELS


def shrink_ladder(module, ctx, attempt):
    """Run attempt() at each shrink level until one works; record the level in ctx.extra["shrink_level"].

    The levels are the module's SHRINK_LEVELS (default harness.SHRINK_LEVELS:
    tiny, small, capped). A failure in building the config, model or inputs or
    in the first forward pass moves to the next level; Skip, NotBuildable and
    failures in the platform's own stages (prepare_model, prepare_inputs), the
    platform's own errors (a class with platform_error set: the browser, a
    backend or the ONNX exporter failed; another size would hide that) and
    errors no size avoids (_SIZE_INDEPENDENT_ERRORS: a missing forward or attribute) do not.
    Before a level is built, its parameters are estimated from the config: a
    level over PARAMETER_BUDGET (module constant, else harness's) is not run,
    and the test fails saying so, with the estimate.
    """
    levels = list(getattr(module, "SHRINK_LEVELS", SHRINK_LEVELS) or ["tiny"])
    if getattr(module, "build_config", None) is None:  # nothing to shrink: one attempt
        levels = levels[:1]
    budget = getattr(module, "PARAMETER_BUDGET", PARAMETER_BUDGET)
    attempts = []
    first_exc = None
    for i, level in enumerate(levels):
        ctx.shrink_level = level
        ctx.extra["shrink_level"] = level
        last = i == len(levels) - 1
        try:
            return attempt()
        except (Skip, NotBuildable, KeyboardInterrupt):
            raise
        except Exception as exc:
            failed = _failed_stage(exc)
            attempts.append({"level": level, "stage": failed, "error": error_line(exc)})
            ctx.extra["shrink_attempts"] = attempts
            first_exc = first_exc or exc
            if (last or failed in ("prepare_model", "prepare_inputs") or isinstance(exc, _SIZE_INDEPENDENT_ERRORS)
                    or getattr(exc, "platform_error", False)):
                if len(attempts) == 1:
                    raise
                break
            ctx.model = ctx.inputs = ctx.reference = ctx.config = None
            gc.collect()
            nxt = levels[i + 1]
            estimate = _estimate_level(module, ctx, nxt)
            if estimate is not None and budget and estimate > budget:
                attempts.append({"level": nxt, "stage": "estimate", "parameters": estimate,
                                 "error": f"~{estimate / 1e6:.0f}M parameters over the {budget / 1e6:.0f}M budget"})  # fmt: skip
                break
    tried = "; ".join(f"{a['level']}: {a['error'][:160]}" for a in attempts[1:])
    raise LadderExhausted(f"{error_line(first_exc)} [shrink ladder: {tried}]") from first_exc


# Errors no other size would avoid (a missing forward(), attribute or module): the ladder stops there.
_SIZE_INDEPENDENT_ERRORS = (NotImplementedError, AttributeError, ImportError, NameError)

# Frames of the stage runner itself are not the test's stages.
_RUNNER_MODULES = (__name__, __name__.rpartition(".")[0] + ".stages")

_STAGE_NAMES = ("build_config", "build_model", "build_inputs", "reference_outputs", "prepare_model",
                "prepare_inputs", "run_model", "forward")  # fmt: skip


def _failed_stage(exc):
    """The innermost stage function of the generated module in exc's traceback ("" when none)."""
    found = ""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_name
        if name in _STAGE_NAMES and tb.tb_frame.f_globals.get("__name__") not in _RUNNER_MODULES:
            found = name
        tb = tb.tb_next
    return found


def _estimate_level(module, ctx, level):
    """Parameters of the config module builds at level (None when the config cannot be built)."""
    saved = ctx.shrink_level
    ctx.shrink_level = level
    try:
        config = module.build_config(ctx)
        return estimate_parameters(config.to_dict() if hasattr(config, "to_dict") else dict(config))
    except Exception:
        return None
    finally:
        ctx.shrink_level = saved
