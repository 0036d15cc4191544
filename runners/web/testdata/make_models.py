"""Writes the tiny ONNX models the runners/web Go tests run in the browsers.

    .venv/bin/python runners/web/testdata/make_models.py    (needs the onnx package)

mlp.onnx          x[2,4] -> MatMul -> Add -> Relu -> y[2,3]: every node placeable on webgpu and webnn.
unplaceable.onnx  x[2,3,3] -> MatMul -> Det -> Relu -> z[2]: neither the webgpu (JSEP) nor the
                  webnn provider has Det, so onnxruntime-web puts it on wasm (CPUExecutionProvider).
models.json       their inputs and expected outputs (computed with numpy here).
The files are committed; a Python test checks that this script still writes the same bytes.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def model(nodes, inputs, outputs, initializers):
    graph = helper.make_graph(nodes, "hwcov_web_test", inputs, outputs, initializers)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="hwcov")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def mlp():
    w = (np.arange(12, dtype=np.float32).reshape(4, 3) / 10.0 - 0.5).astype(np.float32)
    b = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    x = (np.arange(8, dtype=np.float32).reshape(2, 4) / 4.0 - 1.0).astype(np.float32)
    m = model(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="matmul"),
         helper.make_node("Add", ["h", "b"], ["a"], name="add"),
         helper.make_node("Relu", ["a"], ["y"], name="relu")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")],
    )
    return m, {"x": x}, {"y": np.maximum(x @ w + b, 0)}


def unplaceable():
    w = np.array([[2, 0, 0], [0, 1, 0], [1, 0, 1]], dtype=np.float32)
    x = np.stack([np.eye(3, dtype=np.float32), np.diag([1.0, 2.0, 3.0]).astype(np.float32)])
    m = model(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="matmul"),
         helper.make_node("Det", ["h"], ["d"], name="determinant"),
         helper.make_node("Relu", ["d"], ["z"], name="relu")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 3])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2])],
        [numpy_helper.from_array(w, "w")],
    )
    return m, {"x": x}, {"z": np.maximum(np.linalg.det(x @ w), 0).astype(np.float32)}


def tensors(d):
    return [{"name": k, "dtype": str(v.dtype), "shape": list(v.shape), "values": v.reshape(-1).tolist()} for k, v in d.items()]


def main(out=HERE):
    spec = {}
    for name, build in (("mlp", mlp), ("unplaceable", unplaceable)):
        m, inputs, outputs = build()
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString(deterministic=True))
        spec[name] = {"inputs": tensors(inputs), "outputs": tensors(outputs)}
    with open(os.path.join(out, "models.json"), "w") as f:
        json.dump(spec, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else HERE)
