"""backends (OpenVINO / ONNX Runtime on CPU, comparison), reference (stored outputs) and profile."""

import json
import os

import pytest

torch = pytest.importorskip("torch")

from hwcov_harness import backends, harness, profile, reference  # noqa: E402


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(8, 4)
        self.norm = torch.nn.LayerNorm(4)

    def forward(self, x, mask=None):
        return {"last_hidden_state": self.norm(self.proj(x)), "pooled": self.proj(x).mean(1)}


def _model_inputs():
    torch.manual_seed(0)
    return Tiny().eval(), {"x": torch.randn(2, 3, 8)}


def test_compare_reports_max_abs_and_rel_diff():
    ref = {"a": torch.tensor([1.0, 2.0, 0.0])}
    report, failures = backends.compare(ref, {"a": torch.tensor([1.0, 2.1, 0.0])}, 1e-4, 1e-4)
    assert failures == ["a by 0.1"]
    assert report["a"]["max_abs_diff"] == pytest.approx(0.1, rel=1e-5)
    assert report["a"]["max_rel_diff"] == pytest.approx(0.05, rel=1e-4)
    rec = backends.validation_record(report, 1e-4, 1e-4)
    assert rec["within_tolerance"] is False and rec["max_abs_diff"] == pytest.approx(0.1, rel=1e-5)
    _, failures = backends.compare(ref, {"b": torch.zeros(3)}, 1e-4, 1e-4)
    assert "missing" in failures[0]
    _, failures = backends.compare(ref, {"a": torch.zeros(4)}, 1e-4, 1e-4)
    assert "shape" in failures[0]


def test_environment_names_the_cpu():
    env = backends.environment()
    assert env["cpu_model"] and env["torch_threads"] >= 1 and "torch" in env


def _reference(model, inputs):
    with torch.no_grad():
        return dict(harness.tensor_items(model(**inputs)))


def test_openvino_runs_and_caches():
    pytest.importorskip("openvino")
    model, inputs = _model_inputs()
    backends.clear_caches()
    conv = backends.openvino_compiled(model, inputs)
    assert conv.frontend == "pytorch" and not conv.cache_hit
    assert conv.output_names == ["last_hidden_state", "pooled"]
    out = backends.openvino_run(conv, inputs)
    _, failures = backends.compare(_reference(model, inputs), out, 1e-4, 1e-4)
    assert not failures
    assert backends.openvino_compiled(model, inputs).cache_hit
    bigger = {"x": torch.randn(4, 3, 8)}
    assert not backends.openvino_compiled(model, bigger).cache_hit  # a new shape is a new conversion
    assert not backends.openvino_compiled(model, inputs, precision="fp16").cache_hit  # another precision, another compile


def test_openvino_config_names_every_precision():
    assert backends.openvino_config("fp32")["INFERENCE_PRECISION_HINT"] == "f32"
    assert backends.openvino_config("fp32")["EXECUTION_MODE_HINT"] == "ACCURACY"
    assert backends.openvino_config("fp16")["INFERENCE_PRECISION_HINT"] == "f16"
    bf16 = backends.openvino_config("bf16")
    assert bf16["INFERENCE_PRECISION_HINT"] == "bf16" and bf16["KV_CACHE_PRECISION"] == "bf16"
    assert backends.openvino_config("fp32")["DYNAMIC_QUANTIZATION_GROUP_SIZE"] == 0
    assert "KV_CACHE_PRECISION" not in backends.openvino_config("fp32", device="GPU")
    with pytest.raises(ValueError, match="int8"):
        backends.openvino_config("int8")


def test_openvino_fp32_reads_back_f32_and_matches_tightly():
    """fp32 is f32 on every CPU, bf16-capable or not (the CPU plugin's default there is bf16)."""
    pytest.importorskip("openvino")
    model, inputs = _model_inputs()
    conv = backends.openvino_compiled(model, inputs, precision="fp32")
    assert backends.openvino_precision(conv) == "f32"
    compiled = conv.settings["compiled"]
    assert compiled["EXECUTION_MODE_HINT"] == "ACCURACY" and compiled["DYNAMIC_QUANTIZATION_GROUP_SIZE"] == 0
    assert conv.settings["requested"]["INFERENCE_PRECISION_HINT"] == "f32"
    report, failures = backends.compare(_reference(model, inputs), backends.openvino_run(conv, inputs), 1e-5, 1e-5)
    assert not failures, report
    assert max(r["max_abs_diff"] for r in report.values()) < 1e-5


def test_openvino_bf16_reads_back_bf16():
    """precision bf16 asks for bf16 and the compiled model says bf16, on a CPU plugin that can do it."""
    pytest.importorskip("openvino")
    caps = backends.openvino_capabilities("CPU")
    if "BF16" not in caps:
        pytest.skip(f"the OpenVINO CPU plugin lacks bf16 on this CPU (OPTIMIZATION_CAPABILITIES {caps})")
    model, inputs = _model_inputs()
    conv = backends.openvino_compiled(model, inputs, precision="bf16")
    assert conv.settings["requested"]["INFERENCE_PRECISION_HINT"] == "bf16"
    assert backends.openvino_precision(conv) == "bf16"
    report, failures = backends.compare(_reference(model, inputs), backends.openvino_run(conv, inputs), 5e-2, 5e-2)
    assert not failures, report
    assert max(r["max_abs_diff"] for r in report.values()) > 0  # bf16 arithmetic, not f32 under another name


def test_onnxruntime_config_is_explicit_and_refuses_cpu_fallback_off_the_cpu():
    cpu = backends.onnxruntime_config("CPUExecutionProvider")
    assert cpu["session.disable_cpu_ep_fallback"] == "0"
    assert cpu["optimization.enable_gelu_approximation"] == "0" and cpu["session.set_denormal_as_zero"] == "0"
    assert cpu["mlas.enable_gemm_fastmath_arm64_bfloat16"] == "0"
    assert backends.onnxruntime_config("QNNExecutionProvider")["session.disable_cpu_ep_fallback"] == "1"
    assert backends.qnn_provider_options("fp16") == {"backend_path": "libQnnHtp.so", "enable_htp_fp16_precision": "1"}
    assert backends.qnn_provider_options("fp32", "libQnnCpu.so") == {"backend_path": "libQnnCpu.so",
                                                                      "enable_htp_fp16_precision": "0"}
    with pytest.raises(ValueError, match="int8"):
        backends.qnn_provider_options("int8")


def test_onnxruntime_runs_caches_and_refuses_a_missing_provider():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    model, inputs = _model_inputs()
    backends.clear_caches()
    sess = backends.onnxruntime_session(model, inputs)
    out = backends.onnxruntime_run(sess, inputs)
    report, failures = backends.compare(_reference(model, inputs), out, 1e-5, 1e-5)
    assert not failures, report
    # the session reports the entries it was given
    assert sess.settings["providers"] == ["CPUExecutionProvider"]
    assert sess.settings["session_config"] == backends.onnxruntime_config("CPUExecutionProvider")
    assert backends.onnxruntime_session(model, inputs).cache_hit
    assert not backends.onnxruntime_session(model, inputs, graph_optimization=False).cache_hit
    assert "CPUExecutionProvider" in backends.onnxruntime_providers()
    if "QNNExecutionProvider" not in backends.onnxruntime_providers():
        with pytest.raises(Exception):
            backends.onnxruntime_session(model, inputs, provider="QNNExecutionProvider",
                                         provider_options=backends.qnn_provider_options("fp16"))


def test_environment_records_torch_fp32_settings():
    """torch's fp32 CPU reference is full fp32 by default, on a CPU with avx512_bf16 or AMX too, and the record says so."""
    env = backends.environment()
    assert env["torch_float32_matmul_precision"] == "highest"
    for name in ("matmul", "conv"):
        assert env.get(f"torch_mkldnn_{name}_fp32_precision", "none") in ("none", "ieee")


def _ctx(tmp_path, model, inputs):
    return harness.Context(test_id="tiny@cpu/fp32/b2/s3", model_type="tiny", batch_size=2, seq_len=3, seed=0,
                           model=model, inputs=inputs, params={})


def test_reference_round_trip_and_checksum(tmp_path):
    model, inputs = _model_inputs()
    ctx = _ctx(tmp_path, model, inputs)
    with torch.no_grad():
        out = model(**inputs)
    entry = reference.save(str(tmp_path), ctx, out)
    assert entry["key"] == "tiny/b2/s3" and entry["outputs"]["pooled"]["shape"] == [2, 4]
    with pytest.raises(harness.Skip, match="no reference manifest"):
        reference.load(str(tmp_path), ctx)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 1, "tests": [entry]}))
    loaded = reference.load(str(tmp_path), ctx)
    assert torch.equal(loaded["pooled"], out["pooled"])
    with open(tmp_path / entry["file"], "ab") as f:
        f.write(b"tampered")
    with pytest.raises(AssertionError, match="sha256"):
        reference.load(str(tmp_path), ctx)


class _Module:
    """A stand-in for a generated test module: what profile.run calls."""

    BACKEND = "torch"

    @staticmethod
    def forward(model, inputs):
        return model(**inputs)

    @staticmethod
    def run_model(ctx):
        with torch.inference_mode():
            return ctx.model(**ctx.inputs)


def test_profiles(tmp_path):
    model, inputs = _model_inputs()
    ctx = _ctx(tmp_path, model, inputs)
    layers = profile.run(_Module, ctx, "layers")
    assert {m["module"] for m in layers["modules"]} == {"proj", "norm"}
    assert layers["modules"][0]["calls"] >= 1 and layers["ops"]
    mem = profile.run(_Module, ctx, "memory")
    assert len(mem["iterations"]) == profile.MEMORY_ITERATIONS and "growth_mb_per_iteration" in mem
    with pytest.raises(ValueError):
        profile.run(_Module, ctx, "gpu")


def test_sample_stats_has_cv():
    s = harness.sample_stats([1.0, 2.0, 3.0, 4.0])
    assert s["mean"] == 2.5 and s["cv"] == pytest.approx((5 / 3) ** 0.5 / 2.5)



class _Input:
    def __init__(self, name):
        self.name = name


class _Session:
    def __init__(self, *names):
        self._inputs = [_Input(n) for n in names]

    def get_inputs(self):
        return self._inputs


@pytest.mark.parametrize("graph,exported,want", [
    (("pixel_values", "grid_thw"), ["pixel_values", "grid_thw"], ["pixel_values", "grid_thw"]),
    (("pixel_values",), ["pixel_values", "grid_thw"], ["pixel_values"]),  # grid_thw folded by the exporter
    (("grid_thw", "pixel_values"), ["pixel_values", "grid_thw"], ["pixel_values", "grid_thw"]),
    ((), ["x"], []),
])
def test_declared_inputs_feeds_what_the_graph_declares(graph, exported, want):
    assert backends.declared_inputs(_Session(*graph), exported) == want
