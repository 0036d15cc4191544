"""Fails with an ordinary exception."""


def helper():
    raise ValueError("shape mismatch: expected (1, 128), got (1, 64)\nsecond line of the message")


def run_test(params):
    helper()
