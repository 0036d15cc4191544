"""Probe what this machine can run, as JSON, for `hwcov hardware detect`.

Each probe imports at most one library and never touches the network.
"""

import importlib
import json
import platform
import sys


def _try(fn):
    try:
        return fn()
    except Exception as exc:  # a missing or broken library is a "no"
        return {"available": False, "reason": f"{type(exc).__name__}: {exc}".splitlines()[0][:200]}


def _torch():
    import torch

    out = {"available": True, "version": torch.__version__}
    cuda = bool(torch.cuda.is_available())
    hip = getattr(torch.version, "hip", None)
    out["cuda"] = cuda and not hip
    out["rocm"] = cuda and bool(hip)
    if cuda:
        out["devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    out["mps"] = bool(mps and mps.is_available())
    return out


def _module(name, extra=None):
    def probe():
        m = importlib.import_module(name)
        out = {"available": True, "version": getattr(m, "__version__", "")}
        if extra:
            out.update(extra(m))
        return out

    return probe


def _ort_providers(m):
    providers = m.get_available_providers()
    return {"providers": providers, "qnn": "QNNExecutionProvider" in providers}


def _ov_devices(m):
    return {"devices": list(m.Core().available_devices)}


def main():
    json.dump(
        {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "system": platform.system(),
            "torch": _try(_torch),
            "openvino": _try(_module("openvino", _ov_devices)),
            "onnxruntime": _try(_module("onnxruntime", _ort_providers)),
        },
        sys.stdout,
        sort_keys=True,
    )


if __name__ == "__main__":
    main()
