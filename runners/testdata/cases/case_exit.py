"""Ends the worker with os._exit(3), skipping every cleanup."""
import os
import sys


def run_test(params):
    print("case_exit: calling os._exit(3)", file=sys.stderr, flush=True)
    os._exit(3)
