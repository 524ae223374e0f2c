"""The package's layers, checked on its import graph (every import, top-level or inside a
function): no module imports a layer above its own, and no two modules import each other,
directly or round a longer loop. ruff's per-layer `banned-api` rules (kubesvc/*/ruff.toml) say
the first in the editor; this test also sees the cycles, which no lint rule does."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kubesvc"

# lowest first; a module may import its own layer and the layers below it
LAYERS = [("api",), ("input", "store"), ("apiserver",), ("controllers",), ("bootstrap",),
          ("resolver",), ("printers",), ("kubectl",), ("serve",), ("cli",)]
RANK = {name: rank for rank, group in enumerate(LAYERS) for name in group}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(tree: ast.AST, known: dict[str, Path]) -> set[str]:
    """The kubesvc modules a module imports (`from pkg import module` names the module)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kubesvc"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("kubesvc"))
    return {_owning_module(name, known) for name in out}


def _owning_module(name: str, known: dict[str, Path]) -> str:
    while name not in known and "." in name:
        name = name.rpartition(".")[0]
    return name


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(ast.parse(path.read_text(encoding="utf-8")), known) - {name}
            for name, path in known.items()}


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in RANK) else None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in graph.items():
        low = layer(module)
        for target in targets:
            high = layer(target)
            if low in RANK and high in RANK and RANK[high] > RANK[low]:
                found.append(f"{module} -> {target}")
    return sorted(found)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in graph:
                continue
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_every_top_level_package_has_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages - {"data"} <= set(RANK)


def test_no_module_imports_a_higher_layer():
    assert upward_imports(import_graph()) == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize(("graph", "expected"), [
    pytest.param({"a": {"b"}, "b": set()}, [], id="chain"),
    pytest.param({"a": {"b"}, "b": {"a"}}, [["a", "b"]], id="two-modules"),
    pytest.param({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]],
                 id="three-module-loop"),
])
def test_cycle_finder(graph, expected):
    assert cycles(graph) == expected


@pytest.mark.parametrize(("graph", "expected"), [
    pytest.param({"kubesvc.api.objects": {"kubesvc.printers.table"}},
                 ["kubesvc.api.objects -> kubesvc.printers.table"], id="api-to-printers"),
    pytest.param({"kubesvc.cli.get": {"kubesvc.store.db"}}, [], id="cli-to-store"),
    pytest.param({"kubesvc.input.load": {"kubesvc.store.db"}}, [], id="same-rank"),
])
def test_upward_import_finder(graph, expected):
    assert upward_imports(graph) == expected
