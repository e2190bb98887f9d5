"""The package's shape: every module imports on its own, and the import graph has no cycle.

The graph is read from the source (every ``import symnet...`` / ``from symnet... import`` /
relative import, at any depth, including imports inside functions, since a lazy import is the
usual way to hide a cycle); only imports under ``if TYPE_CHECKING:`` are left out.
"""

from __future__ import annotations

import ast
import multiprocessing
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2] / "symnet"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(target: str) -> str | None:
    """The module of ``symnet`` an imported dotted name refers to (a module, or the module holding a name)."""
    while target:
        if target in MODULES:
            return target
        target = target.rpartition(".")[0]
    return None


def _imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("symnet"):
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.startswith("symnet"):
                for alias in node.names:
                    sub = f"{module}.{alias.name}"
                    found.add(sub if sub in MODULES else module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    resolved = {_resolve(t) for t in found}
    return {m for m in resolved if m is not None and m != name}


def import_graph() -> nx.DiGraph:
    """Directed graph: module -> every symnet module it imports."""
    graph = nx.DiGraph()
    for name, path in MODULES.items():
        graph.add_node(name)
        for target in _imports(name, path):
            graph.add_edge(name, target)
    return graph


def test_graph_reads_imports() -> None:
    graph = import_graph()
    assert graph.has_edge("symnet.cli", "symnet.errors")
    assert len(graph) == len(MODULES) > 20


def test_import_graph_is_acyclic() -> None:
    graph = import_graph()
    cycles = sorted(sorted(c) for c in nx.simple_cycles(graph))
    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles[:10])


def _import_alone(name: str) -> str | None:
    """Import one symnet module into a process where no other symnet module is loaded."""
    import importlib

    for loaded in [m for m in sys.modules if m == "symnet" or m.startswith("symnet.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except BaseException as exc:  # report every failure (SystemExit too), not only the first
        return f"{name}: {type(exc).__name__}: {exc}"
    return None


def test_every_module_imports_alone() -> None:
    # A forked child per module starts from a parent that has the heavy third-party libraries
    # loaded but no symnet module, so each import runs exactly as if it were the first.
    import geopandas  # noqa: F401
    import pandas  # noqa: F401
    import pulp  # noqa: F401
    import scipy.sparse  # noqa: F401

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2, maxtasksperchild=1) as pool:
        names = sorted(m for m in MODULES if m != "symnet.__main__")  # __main__ runs the CLI by design
        failures = [f for f in pool.map(_import_alone, names, chunksize=1) if f]
    assert failures == []
