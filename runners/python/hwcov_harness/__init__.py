"""hwcov's Python harness: what every generated test shares.

The generated test files (written by `hwcov generate` from the template
hierarchy) hold what differs per modality, family and platform. This package
holds what is the same everywhere: the stage runner and timing loop
(`harness.execute`), generic config shrinking (`harness.shrink_config`), input
geometry helpers, memory sampling, the result record, and the JSON-lines worker
(`python -m hwcov_harness.worker`) that the Go runner drives.

Only the standard library is imported here; torch and transformers are imported
by the generated modules themselves.
"""

__version__ = "0.1.0"
