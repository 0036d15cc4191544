"""Takes the worker down with SIGSEGV."""
import ctypes
import sys


def run_test(params):
    print("case_segfault: about to read address 0", file=sys.stderr, flush=True)
    ctypes.string_at(0)
