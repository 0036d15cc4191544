"""Fails on its first call and passes afterwards; the count lives in
params["state_file"] so it survives a worker restart."""


def run_test(params):
    path = params["state_file"]
    try:
        with open(path) as f:
            calls = int(f.read() or 0)
    except FileNotFoundError:
        calls = 0
    with open(path, "w") as f:
        f.write(str(calls + 1))
    if calls == 0:
        raise RuntimeError("flaky: first call fails")
    return {"status": "pass", "samples_ms": [1.0]}
