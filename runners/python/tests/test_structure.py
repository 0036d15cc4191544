"""The shape of the harness package: no import circle, small modules, harness.py keeps the templates' names."""

import ast
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "hwcov_harness"
PACKAGE_DIR = os.path.join(ROOT, PACKAGE)
TEMPLATES = os.path.join(ROOT, "..", "..", "generator", "templates")
MAX_LINES = 600

MODULES = sorted(f[:-3] for f in os.listdir(PACKAGE_DIR) if f.endswith(".py") and f != "__init__.py")


def imported_modules(source):
    """The package's modules a source imports anywhere: at the top or inside a function (a lazy import)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 1 or base == PACKAGE or base.startswith(PACKAGE + "."):
                base = base[len(PACKAGE) + 1 :] if base.startswith(PACKAGE) else base
                if base:
                    found.add(base.split(".")[0])
                else:  # from . import a, b
                    found.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith(PACKAGE + "."):
                    found.add(a.name.split(".")[1])
    return found


def import_graph():
    graph = {}
    for name in MODULES:
        with open(os.path.join(PACKAGE_DIR, name + ".py"), encoding="utf-8") as f:
            graph[name] = imported_modules(f.read()) & set(MODULES)
    return graph


def find_cycle(graph):
    """One import circle as [a, b, ..., a], or None."""
    state = {}  # 1: on the current path, 2: done
    path = []

    def visit(n):
        state[n] = 1
        path.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return path[path.index(m) :] + [m]
            if m not in state:
                cycle = visit(m)
                if cycle:
                    return cycle
        path.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            cycle = visit(n)
            if cycle:
                return cycle
    return None


@pytest.mark.parametrize(
    "source, want",
    [
        ("from . import harness, onnx_export\n", {"harness", "onnx_export"}),
        ("from .record import Skip\n", {"record"}),
        ("def f():\n    from . import profile\n", {"profile"}),  # a lazy import is still an edge
        ("from hwcov_harness import harness\nimport hwcov_harness.worker\n", {"harness", "worker"}),
        ("from hwcov_harness.tensors import tensor_items\n", {"tensors"}),
        ("import json\nfrom transformers import AutoConfig\n", set()),
    ],
)
def test_imported_modules(source, want):
    assert imported_modules(source) == want


@pytest.mark.parametrize(
    "graph, want",
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
        ({"a": {"a"}}, ["a", "a"]),
    ],
)
def test_find_cycle(graph, want):
    assert find_cycle(graph) == want


def test_no_import_circle():
    graph = import_graph()
    assert "record" in graph["stages"] and "stages" in graph["harness"], graph  # the graph is read at all
    assert find_cycle(graph) is None, f"import circle: {' -> '.join(find_cycle(graph))}"


def test_no_module_imports_the_facade():
    """harness.py re-exports for the generated tests; a module of the package importing it would close a circle."""
    users = sorted(n for n, deps in import_graph().items() if "harness" in deps)
    assert users == []


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_alone_with_the_standard_library(name):
    """Each module imports in a fresh interpreter on its own, and pulls in no torch, numpy or transformers."""
    code = (
        "import importlib, sys\n"
        f"importlib.import_module('{PACKAGE}.{name}')\n"
        "heavy = sorted(m for m in ('torch', 'numpy', 'transformers', 'openvino', 'onnxruntime') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("name", MODULES)
def test_module_is_small(name):
    with open(os.path.join(PACKAGE_DIR, name + ".py"), encoding="utf-8") as f:
        lines = sum(1 for _ in f)
    assert lines <= MAX_LINES, f"{name}.py has {lines} lines (at most {MAX_LINES}): split it by concern"


def test_harness_keeps_the_names_the_templates_call():
    from hwcov_harness import harness

    names = set()
    for directory, _, files in os.walk(TEMPLATES):
        for f in files:
            if f.endswith(".tmpl"):
                with open(os.path.join(directory, f), encoding="utf-8") as fh:
                    names.update(re.findall(r"\bharness\.([A-Za-z_]\w*)", fh.read()))
    assert {"execute", "shrink_config", "complete_inputs", "Skip"} <= names, "templates not found at " + TEMPLATES
    assert sorted(n for n in names if not hasattr(harness, n)) == []
