"""Stored reference outputs: the fp32 CPU outputs of a test, saved once and compared with on any platform.

`hwcov reference generate` runs the cpu tests with params {"reference_out": DIR}:
save() writes each test's outputs to DIR/<model>_b<batch>_s<seq>.npz and returns
what the manifest lists (file, sha256, output names, shapes, dtypes); hwcov
writes DIR/manifest.json from those records. `hwcov reference validate` runs a
platform with params {"reference_dir": DIR}: load() checks the file against the
manifest's sha256 and hands the stored tensors to the test as its reference.
Inputs and weights are seeded (SEED), so the same test id builds the same model
and inputs on every platform.
"""

import hashlib
import json
import os

from .record import Skip
from .tensors import describe_inputs, tensor_items

MANIFEST = "manifest.json"
FORMAT = 1


def key(ctx):
    """What a reference is stored under: model, batch size and sequence length (the platform and precision vary)."""
    return f"{ctx.model_type}/b{ctx.batch_size}/s{ctx.seq_len}"


def file_name(ctx):
    return f"{ctx.model_type}_b{ctx.batch_size}_s{ctx.seq_len}.npz"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save(directory, ctx, outputs):
    """Write outputs (fp32) to directory; return the manifest record of this test."""
    import numpy as np
    import torch

    os.makedirs(directory, exist_ok=True)
    arrays, described = {}, {}
    for name, t in tensor_items(outputs):
        a = t.detach().to("cpu", torch.float32).numpy()
        arrays[name] = a
        described[name] = {"shape": list(a.shape), "dtype": str(a.dtype), "source_dtype": str(t.dtype).replace("torch.", "")}
    path = os.path.join(directory, file_name(ctx))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)
    return {
        "key": key(ctx),
        "test_id": ctx.test_id,
        "file": os.path.basename(path),
        "sha256": sha256(path),
        "seed": ctx.seed,
        "outputs": described,
        "inputs": describe_inputs(ctx.inputs) if ctx.inputs is not None else {},
    }


def load(directory, ctx):
    """The stored reference of this test as {name: fp32 tensor}; raises Skip when there is none."""
    import numpy as np
    import torch

    manifest_path = os.path.join(directory, MANIFEST)
    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise Skip(f"no reference manifest at {manifest_path}: run `hwcov reference generate --out {directory}`") from None
    entry = next((e for e in manifest.get("tests", []) if e.get("key") == key(ctx)), None)
    if entry is None:
        raise Skip(f"no stored reference for {key(ctx)} in {manifest_path}: "
                           f"run `hwcov reference generate --models {ctx.model_type} --out {directory}`")
    path = os.path.join(directory, entry["file"])
    got = sha256(path)
    if got != entry.get("sha256"):
        raise AssertionError(f"reference file {path} has sha256 {got[:12]}, the manifest says {str(entry.get('sha256'))[:12]}: regenerate it")
    with np.load(path) as data:
        tensors = {name: torch.from_numpy(data[name].copy()) for name in data.files}
    ctx.extra["reference_source"] = f"stored {entry['file']} ({entry.get('test_id', '')})"
    ctx.extra["reference"] = {"file": entry["file"], "sha256": entry["sha256"], "test_id": entry.get("test_id", "")}
    return tensors
