"""The library's layers as the README's "How it is built" table gives them, against the real imports.

Every import counts: at the top of a module, inside a function, and under `TYPE_CHECKING`.
A module may import its own layer or a lower one; no import may close a cycle; every module
of `src/mailflowlab` is in the table, once.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "mailflowlab"
README = ROOT / "README.md"


def modules() -> dict[str, Path]:
    """Every module by its dotted name inside the package (`lab`, `services.transport`,
    `ui` for ui/__init__.py, `__init__` for the package's own)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports, wherever the import statement stands."""
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    if name == "__init__":
        package = []
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1] + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "mailflowlab":
                base = node.module.split(".")[1:]
            else:
                continue
            target = ".".join(base) or "__init__"
            for alias in node.names:
                child = f"{target}.{alias.name}" if base else alias.name
                found.add(child if child in known else target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "mailflowlab":
                    found.add(".".join(parts[1:]) or "__init__")
    found.discard(name)
    return {m for m in found if m in known}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def readme_layers() -> list[tuple[str, list[str]]]:
    """(layer, entries) from the README's table, top layer first. An entry is a module
    (`lab`) or a package with all its modules (`services/`)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## How it is built"):]
    rows = re.findall(r"^\| (\w+) \| (.+?) \| .+ \|$", section, flags=re.M)
    return [(layer, re.findall(r"`([\w/]+)`", cell)) for layer, cell in rows if layer != "Layer"]


def layer_map(layers: list[tuple[str, list[str]]], names: set[str]) -> dict[str, int]:
    """Each module's height (0 for the bottom layer); a module the table names twice or not at
    all is an error."""
    height: dict[str, int] = {}
    for level, (layer, entries) in enumerate(reversed(layers)):
        for entry in entries:
            members = ({n for n in names if n == entry[:-1] or n.startswith(entry[:-1] + ".")}
                       if entry.endswith("/") else {entry} & names)
            assert members, f"the README's {layer} layer names '{entry}', which is no module"
            for m in members:
                assert m not in height, f"the README puts '{m}' in two layers"
                height[m] = level
    missing = sorted(names - set(height))
    assert not missing, f"modules the README's layer table leaves out: {missing}"
    return height


def upward(graph: dict[str, set[str]], height: dict[str, int]) -> list[str]:
    """Every import of a higher layer, as 'module -> imported'."""
    return sorted(f"{m} -> {d}" for m, deps in graph.items() for d in deps if height[d] > height[m])


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan): each holds a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_module_imports_a_layer_above_its_own() -> None:
    graph = import_graph()
    assert upward(graph, layer_map(readme_layers(), set(graph))) == []


def test_no_import_cycle_even_under_type_checking() -> None:
    assert cycles(import_graph()) == []


def test_the_readme_lists_the_layers_in_order() -> None:
    assert [layer for layer, _ in readme_layers()] == [
        "panels", "course", "facade", "pictures", "services", "scheduler", "seam", "runtime", "model"]


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    """The checkers themselves, on a made-up package: an upward import found under
    TYPE_CHECKING and inside a function, and a cycle."""
    (tmp_path / "low.py").write_text("from typing import TYPE_CHECKING\n"
                                     "if TYPE_CHECKING:\n    from .high import H\n")
    (tmp_path / "high.py").write_text("def f():\n    from . import low\n")
    known = {"low", "high"}
    graph = {name: imports(name, tmp_path / f"{name}.py", known) for name in known}
    assert graph == {"low": {"high"}, "high": {"low"}}
    assert upward(graph, {"low": 0, "high": 1}) == ["low -> high"]
    assert cycles(graph) == [["high", "low"]]
