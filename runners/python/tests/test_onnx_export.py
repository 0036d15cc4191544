"""hwcov_harness.onnx_export with a small torch module (needs torch, onnx and onnxscript)."""

import filecmp
import os
import runpy

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxscript")

from hwcov_harness import onnx_export  # noqa: E402

WEB_TESTDATA = os.path.join(os.path.dirname(__file__), "..", "..", "web", "testdata")


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(4, 3)

    def forward(self, x, mask=None, scale=1.0):
        y = self.proj(x) * scale
        if mask is not None:
            y = y * mask.unsqueeze(-1)
        return {"y": y, "pair": (y.sum(-1), x)}


def inputs():
    return {"x": torch.randn(2, 5, 4), "mask": torch.ones(2, 5), "scale": 2.0}


def test_export_names_inputs_and_outputs(tmp_path):
    torch.manual_seed(0)
    model, ins = Tiny().eval(), inputs()
    path = str(tmp_path / "tiny.onnx")
    info = {}
    names, outs = onnx_export.export(model, ins, path, constants=["mask"], info=info)
    assert names == ["x"]  # mask is baked in, scale is not a tensor
    assert outs == ["y", "pair.0", "pair.1"]
    m = onnx.load(path)
    assert [i.name for i in m.graph.input] == ["x"]
    assert [o.name for o in m.graph.output] == outs
    assert [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim] == [2, 5, 4]
    assert info["exporter"] in ("dynamo", "torchscript") and info["seconds"] > 0
    assert not os.path.exists(path + ".data")


def test_cached_once_per_model_and_shapes():
    torch.manual_seed(0)
    model, ins = Tiny().eval(), inputs()
    onnx_export.clear_cache()
    first = onnx_export.cached(model, ins)
    again = onnx_export.cached(model, inputs())  # other values, same shapes
    assert not first.cache_hit and again.cache_hit and again.path == first.path
    assert first.input_names == ["x", "mask"]
    other_shape = dict(ins, x=torch.randn(1, 5, 4))
    assert onnx_export.cached(model, other_shape).path != first.path
    with torch.no_grad():
        model.proj.bias.add_(1)
    assert onnx_export.fingerprint(model, ins) != first.key
    onnx_export.clear_cache()
    assert not os.path.exists(first.path)


def test_export_error_names_the_model(tmp_path):
    class Broken(torch.nn.Module):
        def forward(self, x):
            return {"y": torch.tensor(x.numpy().tolist()) + x}  # leaves torch: not exportable

    with pytest.raises(onnx_export.ExportError, match="Broken"):
        onnx_export.export(Broken(), {"x": torch.ones(2)}, str(tmp_path / "b.onnx"), fallback=False)
    with pytest.raises(onnx_export.ExportError, match="no tensor"):
        onnx_export.export(Tiny(), {"scale": 1.0}, str(tmp_path / "c.onnx"))


def test_web_testdata_is_what_the_script_writes(tmp_path):
    """runners/web/testdata/*.onnx are committed; make_models.py must still produce them."""
    script = os.path.join(WEB_TESTDATA, "make_models.py")
    runpy.run_path(script)["main"](str(tmp_path))
    for name in ("mlp.onnx", "unplaceable.onnx", "models.json"):
        assert filecmp.cmp(tmp_path / name, os.path.join(WEB_TESTDATA, name), shallow=False), name


def test_stale_cache_folders_of_dead_workers_are_removed(tmp_path):
    dead = tmp_path / "hwcov-onnx-999999999-abc"
    alive = tmp_path / f"hwcov-onnx-{os.getpid()}-def"
    other = tmp_path / "hwcov-onnx-notapid"
    for d in (dead, alive, other):
        d.mkdir()
    onnx_export._remove_stale(str(tmp_path))
    assert not dead.exists() and alive.exists() and other.exists()
