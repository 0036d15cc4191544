"""Allocates until it runs out of address space.

RLIMIT_AS is lowered (soft limit only) to the current size plus 256 MiB, so
this ends quickly with MemoryError, or with the worker being killed if
something allocates outside Python's control. The soft limit is restored
before returning, so the worker stays usable.
"""
import resource
import sys


def _vm_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def run_test(params):
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _vm_bytes() + (256 << 20)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    print("case_memory: RLIMIT_AS soft limit", limit, file=sys.stderr, flush=True)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    hog = []
    try:
        while True:
            hog.append(bytearray(16 << 20))
    finally:
        hog = None
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
