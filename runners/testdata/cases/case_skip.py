"""Reports a skip and a non-finite number (which must not break the protocol)."""


def run_test(params):
    return {"status": "skip", "error_message": "no runner for this platform", "memory_mb": float("nan")}
