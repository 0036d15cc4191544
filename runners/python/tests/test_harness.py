"""harness.execute, the result record, and the pure helpers (no torch needed)."""

import json
import math
import sys
import types

import pytest

from hwcov_harness import harness


def module(**stages):
    m = types.ModuleType("fake_test")
    m.MODEL_TYPE = "fake"
    m.HARDWARE = "cpu"
    m.BATCH_SIZE = 1
    m.SEQ_LEN = 8
    m.PRECISION = "fp32"
    m.OPTIMIZATIONS = ["memory_management"]
    m.build_model = lambda ctx: (lambda xs: {"logits": FakeTensor([len(xs), 3], 0.5)})
    m.build_inputs = lambda ctx: {"xs": list(range(ctx.batch_size))}
    m.run_model = lambda ctx: ctx.model(**ctx.inputs)
    for k, v in stages.items():
        setattr(m, k, v)
    return m


class FakeTensor:
    """Just enough of a tensor for summarize_outputs (numpy path): shape, dtype, __array__."""

    def __init__(self, shape, value):
        self.shape = shape
        self.dtype = "float32"
        self.value = value

    def __array__(self, dtype=None, copy=None):
        np = pytest.importorskip("numpy")
        return np.full(self.shape, self.value, dtype="float32")


def test_result_shape_on_pass():
    r = harness.execute(module(), {"batch_size": 2, "iterations": 3, "warmup": 1})
    assert set(r) == {"status", "error_message", "traceback", "samples_ms", "execution_ms", "memory_mb",
                      "wall_ms", "output", "model_name", "extra"}  # fmt: skip
    assert r["status"] == "pass", r["traceback"]
    assert len(r["samples_ms"]) == 3 and all(s >= 0 for s in r["samples_ms"])
    assert math.isclose(r["execution_ms"], sum(r["samples_ms"]) / 3)
    assert r["wall_ms"] >= sum(r["samples_ms"])
    assert r["model_name"] == "tiny-random-fake"
    assert r["extra"]["test_id"] == "fake@cpu/fp32/b2/s8"
    assert r["extra"]["optimizations"] == ["memory_management"]
    assert r["extra"]["environment"]["python"].count(".") == 2
    assert set(r["extra"]["stats_ms"]) == {"min", "median", "p90", "max", "stdev", "mean", "cv"}
    t = r["output"]["tensors"]["logits"]
    assert t["shape"] == [2, 3] and t["finite"] is True and math.isclose(t["sum"], 3.0)
    assert r["output"]["repeatable"] is True
    json.dumps(r, allow_nan=False)  # plain JSON, as the Go runner reads it


def test_statuses():
    def skip(ctx):
        raise harness.Skip("no runner for this platform: webnn")

    def not_buildable(ctx):
        raise harness.NotBuildable("no auto class builds 'rag' from a config")

    def boom(ctx):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (7x32 and 64x32)\nmore")

    r = harness.execute(module(setup_device=skip))
    assert (r["status"], r["error_message"]) == ("skip", "no runner for this platform: webnn")
    r = harness.execute(module(build_model=not_buildable))
    assert (r["status"], r["error_message"]) == ("not_buildable", "no auto class builds 'rag' from a config")
    r = harness.execute(module(run_model=boom))
    assert r["status"] == "fail"
    assert r["error_message"] == "RuntimeError: mat1 and mat2 shapes cannot be multiplied (7x32 and 64x32)"
    assert "Traceback" in r["traceback"] and r["samples_ms"] == []


def test_validation_failure_and_teardown_always_runs():
    seen = []

    def validate(ctx, outputs, summary):
        assert summary["all_finite"] is False, "wanted non-finite"

    def teardown(ctx):
        seen.append("teardown")

    m = module(validate_outputs=validate, teardown=teardown)
    r = harness.execute(m)
    assert r["status"] == "fail" and r["error_message"] == "AssertionError: wanted non-finite"
    assert seen == ["teardown"]


def test_system_exit_in_a_stage_is_a_failure():
    r = harness.execute(module(build_inputs=lambda ctx: sys.exit(2)))
    assert r["status"] == "fail" and r["error_message"] == "SystemExit: 2"


def test_missing_run_model():
    m = module()
    del m.run_model
    r = harness.execute(m)
    assert r["status"] == "fail" and "run_model" in r["error_message"]


def test_jsonable():
    out = harness.jsonable({1: float("nan"), "t": (1, float("inf")), "s": {3, 1}, "o": object})
    assert out["1"] is None and out["t"] == [1, None] and out["s"] == [1, 3] and isinstance(out["o"], str)


def test_sample_stats():
    s = harness.sample_stats([4.0, 1.0, 3.0, 2.0])
    assert s["min"] == 1.0 and s["max"] == 4.0 and s["median"] == 2.5 and s["p90"] == 4.0
    assert math.isclose(s["stdev"], math.sqrt(5 / 3))
    assert harness.sample_stats([]) == {}


def test_token_ids_are_deterministic_and_avoid_specials():
    a = harness.token_ids(2, 50, 10, exclude={0, 1, 2, 9}, seed=3)
    assert a == harness.token_ids(2, 50, 10, exclude={0, 1, 2, 9}, seed=3)
    assert len(a) == 2 and all(len(r) == 50 for r in a)
    assert {x for r in a for x in r} <= set(range(3, 9))


def test_memory_sampler():
    m = harness.MemorySampler().start()
    block = bytearray(32 * 1024 * 1024)
    m.sample()
    peak = m.peak_mb()
    m.stop()
    del block
    assert m.kind in ("heap", "rss")
    assert peak >= 16


def llama_like():
    return {
        "model_type": "llama",
        "hidden_size": 4096,
        "intermediate_size": 11008,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "num_hidden_layers": 32,
        "head_dim": 128,
        "vocab_size": 32000,
        "max_position_embeddings": 131072,
        "bos_token_id": 1,
        "eos_token_id": 31999,
        "layer_types": ["sliding_attention"] * 31 + ["full_attention"],
        "rope_parameters": {"rope_type": "default", "mrope_section": [16, 24, 24]},
        "tie_word_embeddings": False,
    }


def test_shrink_dict_llama_like():
    d = harness.shrink_dict(llama_like(), seq_len=128)
    assert d["hidden_size"] == 32 and d["intermediate_size"] == 64
    assert d["num_attention_heads"] == 4 and d["num_key_value_heads"] == 2 and d["head_dim"] == 8
    assert d["num_hidden_layers"] == 2 and d["vocab_size"] == 1024
    assert d["max_position_embeddings"] == 2048
    assert d["layer_types"] == ["sliding_attention", "full_attention"]  # both kinds survive
    assert sum(d["rope_parameters"]["mrope_section"]) == 4
    assert d["bos_token_id"] == 1 and d["eos_token_id"] == 1023  # moved inside the vocabulary
    assert d["tie_word_embeddings"] is False


def test_shrink_dict_overrides_win_and_sub_configs_shrink():
    d = {
        "model_type": "llava",
        "image_token_index": 32000,
        "vision_feature_layer": [-2, -5, -8, -11],
        "text_config": llama_like(),
        "vision_config": {"model_type": "clip_vision_model", "hidden_size": 1024, "num_hidden_layers": 24,
                          "num_attention_heads": 16, "intermediate_size": 4096, "image_size": 336},  # fmt: skip
    }
    out = harness.shrink_dict(d, overrides={"text_config": {"num_attention_heads": 2, "vocab_size": 99}})
    tc, vc = out["text_config"], out["vision_config"]
    assert tc["num_attention_heads"] == 2 and tc["vocab_size"] == 99 and tc["head_dim"] == 16
    assert tc["num_key_value_heads"] == 2
    assert vc["hidden_size"] == 32 and vc["num_hidden_layers"] == 2 and vc["image_size"] == 336
    assert out["image_token_index"] < 99 and out["image_token_index"] != tc["bos_token_id"]
    assert out["vision_feature_layer"] == [-1, -2, -2, -2]  # indices into a 2-layer tower


def test_shrink_dict_swaps_timm_backbone_and_keeps_ssm_consistent():
    d = {"model_type": "detr", "d_model": 256, "backbone_config": {"model_type": "timm_backbone", "out_indices": [2, 3, 4]}}
    out = harness.shrink_dict(d)
    assert out["backbone_config"]["model_type"] == "resnet"
    assert out["backbone_config"]["out_features"] == ["stage2", "stage3", "stage4"]
    m = harness.shrink_dict({"model_type": "mamba2", "hidden_size": 4096, "expand": 2, "num_heads": 128,
                             "head_dim": 64, "n_groups": 8, "state_size": 128, "num_hidden_layers": 64})  # fmt: skip
    assert m["num_heads"] * m["head_dim"] == m["expand"] * m["hidden_size"]
    assert m["num_heads"] % m["n_groups"] == 0


def test_deep_merge_replaces_other_model_types():
    base = {"a": 1, "sub": {"model_type": "timm_backbone", "x": 1}}
    out = harness.deep_merge(base, {"sub": {"model_type": "resnet", "depths": [1]}, "b": 2})
    assert out == {"a": 1, "b": 2, "sub": {"model_type": "resnet", "depths": [1]}}
    assert base["sub"]["model_type"] == "timm_backbone"


class Cfg(types.SimpleNamespace):
    def to_dict(self):
        return {k: (v.to_dict() if isinstance(v, Cfg) else v) for k, v in vars(self).items()}


def test_geometry_helpers():
    vlm = Cfg(
        image_token_id=5,
        text_config=Cfg(vocab_size=99, max_position_embeddings=77, pad_token_id=0),
        vision_config=Cfg(image_size=[30, 40], num_channels=1, patch_size=14, temporal_patch_size=2, spatial_merge_size=2),
    )
    assert harness.text_length(vlm, 128) == 75 and harness.text_length(vlm, 10) == 10
    assert harness.text_vocab(vlm) == 99
    assert harness.image_geometry(vlm) == (1, 30, 40)
    assert harness.image_token_id(vlm) == 5
    assert harness.special_token_ids(vlm) == {0, 5}
    grid = harness.patch_grid(vlm)
    assert grid == {"grid": [1, 8, 8], "patches": 64, "patch_dim": 1 * 2 * 14 * 14}
    whisper = Cfg(num_mel_bins=80, max_source_positions=30)
    assert harness.audio_features_shape(whisper, 2) == (2, 80, 60)
    conformer = Cfg(encoder_config=Cfg(num_mel_bins=128))
    assert harness.audio_features_shape(conformer, 1) == (1, 400, 128)
    assert harness.audio_frames(conformer, 1) == 400 and harness.audio_frames(whisper, 2) == 60
    assert harness.decoder_start_token_id(Cfg(vocab_size=10, decoder_start_token_id=50, pad_token_id=3)) == 3


def test_image_feature_counts():
    class T:
        def __init__(self, *shape):
            self.shape = shape
            self.dtype = "float32"

    assert harness.image_feature_counts(T(2, 9, 32), 2) == [9, 9]
    assert harness.image_feature_counts(T(18, 32), 2) == [9, 9]
    assert harness.image_feature_counts([T(4, 32), T(6, 32)], 2) == [4, 6]
    assert harness.image_feature_counts(types.SimpleNamespace(pooler_output=[T(1, 5, 32)]), 1) == [5]


def test_accepted_inputs_uses_named_parameters():
    class M:
        def forward(self, input_ids, attention_mask=None, **kwargs):
            pass

    inputs = {"token_type_ids": 1, "attention_mask": 2, "input_ids": 3}
    assert list(harness.accepted_inputs(M(), inputs)) == ["input_ids", "attention_mask"]
    assert harness.required_parameters(M()) == ["input_ids"]


def test_main_prints_json(capsys):
    code = harness.main(module(), ["--batch-size", "2", "--iterations", "2"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["status"] == "pass" and len(out["samples_ms"]) == 2
    assert out["extra"]["params"]["batch_size"] == 2


def test_error_line_names_the_cause_of_a_bare_wrapper():
    class ValidationError(Exception):
        pass

    try:
        try:
            raise ValueError("mamba_n_heads must divide mamba_expand * hidden_size\ndetails")
        except ValueError as inner:
            raise ValidationError("Class validation error for validator 'validate_architecture':") from inner
    except ValidationError as exc:
        line = harness.error_line(exc)
    assert line == (
        "ValidationError: Class validation error for validator 'validate_architecture': "
        "ValueError: mamba_n_heads must divide mamba_expand * hidden_size"
    )


@pytest.mark.parametrize("exc, package", [
    (ImportError("DinatLayer requires the natten library but it was not found in your environment."), "natten"),
    (ImportError("TimmBackbone requires the PIL library but it was not found in your environment."), "pillow"),
    (ModuleNotFoundError("No module named 'timm.layers'", name="timm.layers"), "timm"),
    (ImportError("Foo requires the PyTorch library but it was not found in your environment."), ""),
    (ModuleNotFoundError("No module named 'torch'", name="torch"), ""),
    (ModuleNotFoundError("No module named 'openvino'", name="openvino"), ""),
    (ImportError("cannot import name 'Gone' from 'transformers'", name="transformers"), ""),
    (ValueError("requires the scipy library but it was not found"), ""),
])  # fmt: skip
def test_missing_backend(exc, package):
    assert harness.missing_backend(exc) == package


def test_missing_optional_backend_is_a_stated_skip():
    def build_model(ctx):
        raise ImportError("DinatLayer requires the natten library but it was not found in your environment.")

    r = harness.execute(module(build_model=build_model))
    assert r["status"] == "skip"
    assert r["error_message"].startswith("needs natten (not installable here: ")
    assert r["extra"]["missing_package"] == "natten"

    def build_scipy(ctx):
        raise ModuleNotFoundError("No module named 'scipy'", name="scipy")

    r = harness.execute(module(build_model=build_scipy))
    assert r["status"] == "skip" and r["error_message"].startswith("needs scipy (not installed here")


def test_missing_core_package_is_not_a_skip():
    def build_model(ctx):
        raise ModuleNotFoundError("No module named 'torch'", name="torch")

    r = harness.execute(module(build_model=build_model))
    assert r["status"] == "fail" and "torch" in r["error_message"]


def test_model_class_resolves_a_dotted_path():
    assert harness.model_class("json.decoder.JSONDecoder") is json.decoder.JSONDecoder


def ladder_module(fail_levels, error=RuntimeError("shape '[1, 40, 8, 8]' is invalid for input of size 1280")):
    """A module whose forward fails at the shrink levels in fail_levels."""

    def build_config(ctx):
        return {"hidden_size": {"tiny": 32, "small": 128, "capped": 4096}[ctx.shrink_level], "num_hidden_layers": 2}

    def run_model(ctx):
        if ctx.shrink_level in fail_levels:
            raise error
        return {"logits": FakeTensor([1, 3], 0.5)}

    return module(build_config=build_config, run_model=run_model)


@pytest.mark.parametrize(
    "fail_levels, status, level",
    [
        ((), "pass", "tiny"),
        (("tiny",), "pass", "small"),
        (("tiny", "small"), "fail", "small"),  # capped: ~400M parameters, over the budget: not run
    ],
)
def test_shrink_ladder_tries_larger_levels_and_records_which_ran(fail_levels, status, level):
    r = harness.execute(ladder_module(fail_levels))
    assert r["status"] == status, r["traceback"]
    assert r["extra"]["shrink_level"] == level
    if fail_levels:
        assert [a["level"] for a in r["extra"]["shrink_attempts"]][: len(fail_levels)] == list(fail_levels)
    if status == "fail":
        assert r["error_message"].startswith("RuntimeError: shape '[1, 40, 8, 8]'")  # the tiny level's error first
        assert "capped: ~" in r["error_message"] and "over the 100M budget" in r["error_message"]


def test_shrink_ladder_stops_on_errors_no_size_avoids():
    r = harness.execute(ladder_module(("tiny", "small"), NotImplementedError("missing the required forward")))
    assert r["status"] == "fail" and r["extra"]["shrink_level"] == "tiny"
    assert r["error_message"] == "NotImplementedError: missing the required forward"


@pytest.mark.parametrize("make_error", [
    lambda: __import__("hwcov_harness.browser", fromlist=["x"]).BrowserCrash("webgpu: the browser died during \"run\""),
    lambda: __import__("hwcov_harness.browser", fromlist=["x"]).PlacementError("ran on wasm, not webgpu"),
    lambda: __import__("hwcov_harness.backends", fromlist=["x"]).BackendError("openvino: convert_model failed"),
    lambda: __import__("hwcov_harness.onnx_export", fromlist=["x"]).ExportError("torch.onnx.export failed"),
])  # fmt: skip
def test_shrink_ladder_stops_on_the_platforms_errors(make_error):
    # another size would hide the platform's (or the browser's) failure
    err = make_error()
    r = harness.execute(ladder_module(("tiny",), err))
    assert r["status"] != "pass" and r["extra"]["shrink_level"] == "tiny", r
    assert len(r["extra"].get("shrink_attempts", [])) == 1


def test_estimate_parameters():
    llama7b = {"hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32, "vocab_size": 32000}
    assert 6e9 < harness.estimate_parameters(llama7b) < 7.5e9
    nested = {"text_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "vocab_size": 100}}
    assert harness.estimate_parameters(nested) == 2 * (4 * 32 * 32 + 3 * 32 * 64) + 2 * 3200


@pytest.mark.parametrize(
    "message, repair",
    [
        ("`flow_head_config.condition_dim` (768) must equal the backbone `hidden_size` (32).",
         ("flow_head_config.condition_dim", 32)),
        ("`adaptor_config.intermediate_size` (64) must equal `text_config.hidden_size // 4` (8).",
         ("adaptor_config.intermediate_size", 8)),
        ("vision_config.out_hidden_size (1152) must equal text_config.hidden_size (32)", ("vision_config.out_hidden_size", 32)),
        ("in_channels must be divisible by groups", None),
    ],
)  # fmt: skip
def test_validator_repair_reads_what_the_validator_wants(message, repair):
    wrapped = ValueError("Class validation error for validator 'validate_architecture':")
    wrapped.__cause__ = ValueError(message)
    assert harness._validator_repair(wrapped) == repair


def test_a_model_without_forward_is_a_stated_skip():
    torch = pytest.importorskip("torch")

    class Tokenizer(torch.nn.Module):
        def encode(self, x):
            return x

    r = harness.execute(module(build_model=lambda ctx: Tokenizer()))
    assert r["status"] == "skip"
    assert r["error_message"] == "Tokenizer defines no forward() (it offers encode()): there is no forward pass to run"
