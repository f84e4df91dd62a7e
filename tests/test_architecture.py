"""The floors hold by construction: no import cycle among Homeward's modules, no import hidden in
a function to dodge one, no private name borrowed from another module, and benchmarks that
share a harness rather than each other. The layer contracts themselves are in pyproject.toml
(`lint-imports`, run by `make lint`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "homeward"
BENCH = ROOT / "bench"

# (importing module, imported module): why it is imported inside a function, on purpose.
LAZY_IMPORTS = {
    (
        "homeward.cli.main",
        "homeward.migrations",
    ): "Alembic only for init and demo",
    ("homeward.cli.main", "homeward.web.app"): "the web app (FastAPI, templates) only to serve",
    ("homeward.cli.main", "homeward.cli.demo"): "demo data only for demo and demo-logins",
}


def module_name(path: Path, root: Path, package: str) -> str:
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(node: ast.Import | ast.ImportFrom, known: set[str]) -> Iterator[str]:
    """The modules an import statement loads: `from a import b` is a.b when b is a module."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif node.module and node.level == 0:
        for alias in node.names:
            full = f"{node.module}.{alias.name}"
            yield full if full in known else node.module


def function_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    yield node


def strongly_connected(graph: grimp.ImportGraph, modules: set[str]) -> list[set[str]]:
    """Tarjan's components of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(start: str) -> None:
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start) & modules)))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    imported = graph.find_modules_directly_imported_by(successor) & modules
                    work.append((successor, iter(sorted(imported))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1 or graph.direct_import_exists(
                        importer=node, imported=node
                    ):
                        found.append(component)

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_among_homeward_modules() -> None:
    graph = grimp.build_graph("homeward")  # imports inside functions count too
    modules = {module for module in graph.modules if module.startswith("homeward")}
    assert len(modules) > 100
    assert strongly_connected(graph, modules) == []


def test_identity_imports_nothing_of_cases() -> None:
    """Cases sit above identity: what crosses between them goes through cases/flows.py."""
    graph = grimp.build_graph("homeward")
    reached = [
        (importer, imported)
        for importer in graph.find_descendants("homeward.identity")
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported == "homeward.cases" or imported.startswith("homeward.cases.")
    ]
    assert reached == []


def test_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in (("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")):
        graph.add_import(importer=importer, imported=imported)
    assert strongly_connected(graph, {"a", "b", "c", "d"}) == [{"a", "b", "c"}]


def test_no_function_level_import_of_homeward_but_the_listed_ones() -> None:
    paths = sorted(SRC.rglob("*.py"))
    known = {module_name(path, SRC, "homeward") for path in paths}
    hidden = set()
    for path in paths:
        importer = module_name(path, SRC, "homeward")
        for node in function_imports(ast.parse(path.read_text("utf-8"))):
            for imported in imported_modules(node, known):
                if imported == "homeward" or imported.startswith("homeward."):
                    hidden.add((importer, imported))
    assert hidden == set(LAZY_IMPORTS)


def test_no_private_name_imported_from_another_module() -> None:
    borrowed = []
    for path in sorted([*SRC.rglob("*.py"), *BENCH.rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                ("homeward", "bench")
            ):
                names = [
                    a.name
                    for a in node.names
                    if a.name.startswith("_") and not a.name.endswith("__")
                ]
                borrowed += [f"{path.relative_to(ROOT)}: {node.module}.{name}" for name in names]
    assert borrowed == []


def test_benchmarks_import_only_the_harness_and_themselves() -> None:
    crossing = []
    for path in sorted(BENCH.rglob("*.py")):
        parts = path.relative_to(BENCH).parts
        own = parts[0] if len(parts) > 1 else None
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = (
                    [node.module]
                    if node.module != "bench"
                    else [f"bench.{alias.name}" for alias in node.names]
                )
            for module in modules:
                if module.startswith("bench."):
                    target = module.split(".")[1]
                    if target not in {"harness", own}:
                        crossing.append(f"{path.relative_to(ROOT)} imports {module}")
                    if own == "harness" and target != "harness":
                        crossing.append(f"{path.relative_to(ROOT)} imports {module}")
    assert crossing == []
