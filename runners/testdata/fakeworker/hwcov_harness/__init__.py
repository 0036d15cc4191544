"""Test stand-in for the hwcov harness package (see worker.py)."""
