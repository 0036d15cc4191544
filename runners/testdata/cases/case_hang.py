"""Hangs forever after starting a grandchild process that hangs too.

It writes the grandchild's pid to params["pid_file"] so the test can check
that killing the worker's process group killed it as well.
"""
import subprocess
import sys
import time


def run_test(params):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    pid_file = params.get("pid_file")
    if pid_file:
        with open(pid_file, "w") as f:
            f.write(str(child.pid))
    print("case_hang: sleeping forever", file=sys.stderr, flush=True)
    while True:
        time.sleep(3600)
