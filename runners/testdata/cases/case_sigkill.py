"""Dies the way the kernel's OOM killer kills: SIGKILL."""
import os
import signal
import sys


def run_test(params):
    print("case_sigkill: sending SIGKILL to myself", file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
