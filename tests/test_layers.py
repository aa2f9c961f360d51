"""The package's layers (ARCHITECTURE.md): which part may import which, checked from the AST.

Every module of the package belongs to one layer; a module may import its own layer and
the layers ``MAY_IMPORT`` lists for it, nothing else. The graph counts imports at module
level and inside functions, not those under ``if TYPE_CHECKING:`` (never run), and an
import of a name that a package re-exports (``from tickets_contract.cassettes import
Recorder``) counts as an import of the submodule that defines it, eager or lazy.
Built with ``ast``: nothing is imported to check it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import tickets_contract

PACKAGE = "tickets_contract"
SRC = Path(tickets_contract.__file__).resolve().parent.parent

# Layer -> the modules in it: "name" is that module (or package __init__) alone,
# "name.*" everything below the package. The most specific entry wins.
LAYERS: dict[str, tuple[str, ...]] = {
    # What every layer may use: errors, atomic file writes, the one secret detector,
    # the known records of a target; the API's constants, the defaults and the JSON
    # Schema reader of the project's files (hubspot, defaults, validation).
    "base": (
        "tickets_contract",
        "errors",
        "files",
        "redaction",
        "records",
        "hubspot",
        "defaults",
        "validation",
    ),
    # The cassette format, a leaf: reading, writing, scrubbing and comparing recordings.
    # The package __init__ only names the corpus and re-exports lazily.
    "cassette format": (
        "cassettes",
        "cassettes.format",
        "cassettes.volatile",
        "cassettes.diff",
        "cassettes.scrub",
    ),
    "twin": ("twin", "twin.*"),
    "spec": ("spec", "spec.*"),
    "judging": ("judging", "judging.*"),
    "network": ("network", "network.*"),
    "drift": ("drift", "drift.*"),
    # Recording, replaying, judging and probing with cassettes: brings a target's guards,
    # the twin and the judges together.
    "cassettes": ("cassettes.*",),
    # Entry points and the wiring they share.
    "top": (
        "cli", "plugin", "hypothesis_storage", "testing", "gate", "settings", "targets",
        "suite", "suite.*",
    ),  # fmt: skip
}
_LOWER = ("base", "cassette format")
MAY_IMPORT: dict[str, frozenset[str]] = {
    "base": frozenset(),
    "cassette format": frozenset({"base"}),
    "twin": frozenset({"base"}),
    "spec": frozenset(_LOWER),
    "judging": frozenset({*_LOWER, "spec"}),
    "network": frozenset({*_LOWER, "spec"}),
    "drift": frozenset({*_LOWER, "spec"}),
    "cassettes": frozenset({*_LOWER, "spec", "judging", "network", "twin"}),
    "top": frozenset(LAYERS),
}


def layer_of(module: str) -> str | None:
    """The layer ``module`` (dotted, with the package prefix) belongs to, or None."""
    name = module.removeprefix(PACKAGE).removeprefix(".") or PACKAGE
    best: tuple[int, str] | None = None
    for layer, patterns in LAYERS.items():
        for pattern in patterns:
            if pattern == name:
                return layer
            if pattern.endswith(".*") and name.startswith(pattern[:-1]):
                if best is None or len(pattern) > best[0]:
                    best = (len(pattern), layer)
    return best[1] if best else None


def _modules(src: Path) -> dict[str, tuple[Path, bool]]:
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _origin(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _reexports(
    modules: dict[str, tuple[Path, bool]], trees: dict[str, ast.AST]
) -> dict[str, dict[str, str]]:
    """package -> {name: submodule defining it}, from every ``from`` import in its __init__
    (TYPE_CHECKING ones included: a lazy __getattr__ loads exactly those)."""
    found: dict[str, dict[str, str]] = {}
    for module, (_, is_package) in modules.items():
        if not is_package:
            continue
        for node in ast.walk(trees[module]):
            if isinstance(node, ast.ImportFrom):
                origin = _origin(module, True, node)
                if origin.startswith(module + ".") and origin in modules:
                    for alias in node.names:
                        found.setdefault(module, {})[alias.asname or alias.name] = origin
    return found


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """module -> the package modules it imports at run time (functions included)."""
    modules = _modules(src)
    trees = {m: ast.parse(p.read_text(encoding="utf-8")) for m, (p, _) in modules.items()}
    reexports = _reexports(modules, trees)
    graph: dict[str, set[str]] = {}
    for module, (_, is_package) in modules.items():
        edges: set[str] = set()
        for node in _runtime_imports(trees[module]):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                origin = _origin(module, is_package, node)
                names = [origin]
                for alias in node.names:
                    full = f"{origin}.{alias.name}"
                    if full in modules:
                        names.append(full)
                    elif alias.name in reexports.get(origin, {}):
                        names.append(reexports[origin][alias.name])
            for name in names:
                while name not in modules and "." in name:
                    name = name.rsplit(".", 1)[0]
                if name in modules and name != module:
                    edges.add(name)
        graph[module] = edges
    return graph


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import that crosses the layers the wrong way, and every unplaced module."""
    found: list[str] = []
    for module, imported in sorted(graph.items()):
        layer = layer_of(module)
        if layer is None:
            found.append(f"{module}: in no layer; fix: add it to LAYERS (and ARCHITECTURE.md)")
            continue
        for other in sorted(imported):
            other_layer = layer_of(other)
            if other_layer is None or other_layer == layer:
                continue
            if other_layer not in MAY_IMPORT[layer]:
                found.append(f"{module} ({layer}) imports {other} ({other_layer})")
    return found


def test_every_import_follows_the_layers() -> None:
    found = violations(import_graph())
    assert not found, "imports against the layers of ARCHITECTURE.md:\n" + "\n".join(found)


def test_the_twin_and_the_judges_never_import_each_other() -> None:
    # The design rule the layers exist for, stated on its own.
    graph = import_graph()
    for module, imported in graph.items():
        if layer_of(module) == "twin":
            assert not {m for m in imported if layer_of(m) == "judging"}, module
        if layer_of(module) == "judging":
            assert not {m for m in imported if layer_of(m) == "twin"}, module


def test_the_rules_fail_on_a_wrong_import(tmp_path: Path) -> None:
    # A copy of the package with one judge importing the twin, one ledger module
    # importing a target through a function-level import, and the cassette format
    # importing the recorder through the package's lazy re-export: all three are named.
    copy = tmp_path / PACKAGE
    for path in (SRC / PACKAGE).rglob("*.py"):
        target = copy / path.relative_to(SRC / PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    judges = copy / "judging" / "judges.py"
    judges.write_text(judges.read_text(encoding="utf-8") + "\nimport tickets_contract.twin\n")
    ledger = copy / "spec" / "ledger.py"
    ledger.write_text(
        ledger.read_text(encoding="utf-8")
        + "\n\ndef _late() -> None:\n    from tickets_contract import targets\n"
    )
    format_ = copy / "cassettes" / "format.py"
    format_.write_text(
        format_.read_text(encoding="utf-8")
        + "\n\ndef _late() -> None:\n    from . import Recorder\n"
    )
    found = "\n".join(violations(import_graph(tmp_path)))
    assert "tickets_contract.judging.judges (judging) imports tickets_contract.twin (twin)" in found
    assert "tickets_contract.spec.ledger (spec) imports tickets_contract.targets (top)" in found
    assert (
        "tickets_contract.cassettes.format (cassette format) imports "
        "tickets_contract.cassettes.recorder (cassettes)" in found
    )
    assert len(found.splitlines()) == 3, found


def test_the_cassettes_package_reexports_every_name_it_lists() -> None:
    # Lazily: each name of __all__ resolves, to the object its submodule defines.
    import tickets_contract.cassettes as cassettes
    from tickets_contract.cassettes import format as cassette_format

    assert all(getattr(cassettes, name) is not None for name in cassettes.__all__)
    assert cassettes.Cassette is cassette_format.Cassette
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = cassettes.Nothing


def test_a_module_in_no_layer_is_named(tmp_path: Path) -> None:
    (tmp_path / PACKAGE / "newcomer").mkdir(parents=True)
    (tmp_path / PACKAGE / "__init__.py").write_text("")
    (tmp_path / PACKAGE / "newcomer" / "__init__.py").write_text("")
    assert violations(import_graph(tmp_path)) == [
        "tickets_contract.newcomer: in no layer; fix: add it to LAYERS (and ARCHITECTURE.md)"
    ]


@pytest.mark.parametrize(
    "module",
    ["tickets_contract.cassettes.format", "tickets_contract.spec.ledger"],
)
def test_a_leaf_loads_no_target_recorder_or_http_client(module: str) -> None:
    # Importing the cassette format (or the ledger, or the judges) must not load the
    # recorder, a target, the network guards, the twin or an HTTP client.
    code = (
        f"import sys, {module}\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    heavy = {
        name
        for name in loaded
        if name in {"httpx", "requests", "respx", "starlette", "uvicorn"}
        or name.startswith(
            (
                "tickets_contract.cassettes.recorder",
                "tickets_contract.cassettes.transport",
                "tickets_contract.targets",
                "tickets_contract.network",
                "tickets_contract.twin",
            )
        )
    }
    assert module in loaded
    assert heavy == set(), f"importing {module} loads {sorted(heavy)}"
