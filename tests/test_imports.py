"""The package's import graph: no cycle, hidden or not, and every late import says why.

Issue 12, "No cycles, few late imports". The graph counts imports at module level *and*
inside functions (an import in a function body still makes the modules depend on each
other; it only hides the cycle until the function runs). Built with ``ast``, so nothing
is imported to check it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import tickets_contract

PACKAGE = "tickets_contract"
# The package as imported: src/ in a checkout, site-packages for an installed wheel
# (.ci/wheel-check runs these tests with no src/ beside them).
SRC = Path(tickets_contract.__file__).resolve().parent.parent

REASON_MARK = "# why:"


def _modules() -> dict[str, tuple[Path, bool]]:
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The package modules ``node`` makes ``module`` load (submodule if named, else the
    package or module the names come from)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            origin = ".".join([*base, *([node.module] if node.module else [])])
        else:
            origin = node.module or ""
        names = [
            f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in MODULES else origin
            for alias in node.names
        ]
    for name in names:
        while name not in MODULES and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in MODULES and name != module:
            yield name


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in MODULES.items():
        graph[module] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[module].update(_targets(module, is_package, node))
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)) is not None:
            return cycle
    return None


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle (counting imports inside functions): " + " -> ".join(
        cycle or []
    )


def test_the_cycle_finder_finds_cycles() -> None:
    # The check above can fail: a hidden two-step cycle and a longer one are both named.
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_imports_inside_functions() -> None:
    # targets imports cassettes only inside methods; the graph must still see the edge.
    graph = import_graph()
    assert "tickets_contract.cassettes" in graph["tickets_contract.targets"]
    assert "tickets_contract.network.guards" in graph["tickets_contract.cassettes.recorder"]


def late_imports_without_reason() -> list[str]:
    missing: list[str] = []
    for path, _ in MODULES.values():
        rel = path.relative_to(SRC).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        seen: set[int] = set()
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if not isinstance(node, (ast.Import, ast.ImportFrom)) or node.lineno in seen:
                    continue
                seen.add(node.lineno)
                if not _has_reason(lines, node.lineno):
                    missing.append(f"{rel}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return missing


def _has_reason(lines: list[str], lineno: int) -> bool:
    """A ``# why:`` on the import's line, or on the line above its block of imports."""
    if REASON_MARK in lines[lineno - 1]:
        return True
    index = lineno - 2
    while index >= 0:
        text = lines[index].strip()
        if REASON_MARK in text:
            return True
        # Continue over the rest of a block of imports (and their wrapped names).
        if text.startswith(("from ", "import ", ")")) or (
            text and text[0].isalnum() and text.endswith(",")
        ):
            index -= 1
            continue
        if text.startswith("#"):
            index -= 1
            continue
        return False
    return False


def test_every_late_import_says_why() -> None:
    missing = late_imports_without_reason()
    assert not missing, (
        "imports inside functions need a one-line '# why:' reason on the line or above "
        "the block:\n" + "\n".join(missing)
    )
