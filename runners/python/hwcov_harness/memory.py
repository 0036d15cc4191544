"""Memory of this process during a test: MemorySampler (peak above the start) and settle_garbage().

Standard library only: torch's CPU allocator takes its memory from the C heap,
which glibc's mallinfo2 reports; elsewhere resident memory (RSS) stands in.
"""

import atexit
import gc
import os
import sys
import threading

_mallinfo2 = None


def _heap_bytes():
    """Bytes in use in the C heap (glibc mallinfo2), where torch's CPU allocator takes its memory; None elsewhere."""
    global _mallinfo2
    if _mallinfo2 is None:
        _mallinfo2 = False
        try:
            import ctypes

            class _Info(ctypes.Structure):
                _fields_ = [(n, ctypes.c_size_t) for n in (
                    "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                    "keepcost")]  # fmt: skip

            libc = ctypes.CDLL(None)
            fn = libc.mallinfo2
            fn.restype = _Info
            fn.argtypes = []
            _mallinfo2 = fn
        except (OSError, AttributeError):
            _mallinfo2 = False
    if not _mallinfo2:
        return None
    info = _mallinfo2()
    return info.uordblks + info.hblkhd


def _rss_bytes():
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except Exception:
        return 0


class MemorySampler:
    """Samples this process's memory on a thread; peak_mb() is the peak above the start.

    CPU tensors come from torch's C++ allocator, which tracemalloc cannot see.
    Where glibc is there, the sampler reads the bytes in use in the C heap
    (mallinfo2): freed tensors count as freed even when the allocator keeps
    the pages. Elsewhere it reads resident memory (RSS), which only grows.
    kind says which ("heap" or "rss").
    """

    def __init__(self, interval_s=0.005):
        self.interval_s = interval_s
        self.kind = "heap" if _heap_bytes() is not None else "rss"
        self._read = _heap_bytes if self.kind == "heap" else _rss_bytes
        self.baseline = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self.baseline = self.peak = self._read()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="hwcov-memory", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.interval_s):
            self.sample()

    def sample(self):
        now = self._read()
        if now > self.peak:
            self.peak = now
        return now

    def peak_mb(self):
        self.sample()
        return max(0, self.peak - self.baseline) / (1024 * 1024)

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None


def settle_garbage():
    """Collect garbage, then freeze what survives (gc.freeze), so later collections only scan new objects.

    The worker keeps torch, transformers and every imported test module alive:
    a full collection over them costs ~150 ms. Frozen objects are never
    collected again, which is right for modules and caches that live as long as
    the process.
    """
    global _unfreeze_registered
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()
        if not _unfreeze_registered:
            # let the interpreter's last collection see everything (extensions check for leaks at exit)
            atexit.register(gc.unfreeze)
            _unfreeze_registered = True


_unfreeze_registered = False
