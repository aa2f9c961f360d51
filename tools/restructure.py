#!/usr/bin/env python3
"""Move the package's modules into role subpackages, and every reference to them along.

Issue 12, "The tree shows the design". One table, ``MOVES`` (old module -> new module,
relative to ``tickets_contract``), drives everything:

1. ``git mv`` each old module file to its new place (creating the new subpackage with its
   ``__init__.py``, whose docstring comes from ``PACKAGES``);
2. rewrite every reference, in every file git tracks (code, tests, bench, docs, CI, tox,
   pyproject): imports (``import tickets_contract.x``, ``from tickets_contract.x import``,
   ``from tickets_contract import x``, relative ``from .x import``/``from . import x``),
   dotted names in strings and prose (monkeypatch targets, ``python -m
   tickets_contract.x``, entry points, logger names) and file paths
   (``src/tickets_contract/x.py``);
3. sort the rewritten import blocks (``ruff check --select I --fix``) so ruff stays clean.

It is idempotent: a module already moved is not moved again, and a reference is rewritten
only while it names an old module, so running it on a tree that has moved on (new code
written against the old names, merged in after the move) fixes just the new references.
Modules missing from ``MOVES`` stay where they are: add new ones to the table.

    python tools/restructure.py            apply (needs a clean enough tree: git mv)
    python tools/restructure.py --check    exit 1 and list what would change; change nothing

It warns about moved modules that locate files from ``__file__`` or ``__package__``: their
depth in the package changed, so paths computed from them may need a look.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "tickets_contract"
ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / PACKAGE

# The new subpackages and what their __init__.py says (written only when it is missing).
PACKAGES: dict[str, str] = {
    "spec": (
        "The contract and its ledger: what the API promises, and where it is known to differ.\n"
        "\n"
        "    contract     the published fragment and the effective contract derived from the\n"
        "                 ledger; schemathesis schemas of either\n"
        "    ledger       the quirks ledger (specs/quirks.yaml): format and validation\n"
        "    evidence     how strong each entry's evidence is, and its derived confidence\n"
        "    witness      what one answer confirms or refutes in the ledger\n"
        "    observed     marking entries observed from live cassettes\n"
        "    ledger_page  docs/QUIRKS.md, rendered from the ledger\n"
        "\n"
        "May import: the base modules (errors, files, redaction, records) and the cassette\n"
        "format (``cassettes.format``). Never a target, the twin or a judge: see\n"
        "ARCHITECTURE.md.\n"
    ),
    "judging": (
        "Judging: target-independent verdicts on exchanges, and the report of a run.\n"
        "\n"
        "    judges      the checks of one exchange, and attribution of deviations to quirks\n"
        "    invariants  what every batch-read answer must satisfy\n"
        "    relations   what several batch reads of one target must agree on\n"
        "    report      the run's tally: per check and per quirk, what each was evaluated on\n"
        "\n"
        "May import: the base modules, the cassette format and ``spec``. Never the twin, a\n"
        "target or the network: the same judges condemn the twin, a cassette or the live API.\n"
    ),
    "network": (
        "The network: everything that leaves the process, and the guards it passes.\n"
        "\n"
        "    guards     the one way out: allowed hosts for the token, reads only, 429s\n"
        "    budget     the client-side rate budget shared by every process of a run\n"
        "    discovery  known records of a target, found by listing it, read-only\n"
        "    har        the HAR 1.2 file of every exchange of a run, secrets filtered\n"
        "\n"
        "May import: the base modules, the cassette format and ``spec``. Never the twin or a\n"
        "judge.\n"
    ),
}

# Old module -> new module, both relative to the package. The lead adds new modules here.
MOVES: dict[str, str] = {
    # the contract and its ledger
    "contract": "spec.contract",
    "ledger": "spec.ledger",
    "evidence": "spec.evidence",
    "witness": "spec.witness",
    "observed": "spec.observed",
    "ledger_page": "spec.ledger_page",
    # judging
    "judges": "judging.judges",
    "invariants": "judging.invariants",
    "relations": "judging.relations",
    "report": "judging.report",
    # the network and its guards
    "guards": "network.guards",
    "budget": "network.budget",
    "discovery": "network.discovery",
    "har": "network.har",
    # the quirk probe sends the corpus's scenarios and judges the answers as cassettes
    "probe": "cassettes.probe",
}

# References no rule above can see (a module name built at run time), as exact text:
# (file, old, new), applied while the old text is there.
SPECIAL: list[tuple[str, str, str]] = [
    (
        "tests/test_invariants.py",
        'importlib.import_module(f"tickets_contract.{module}")',
        'importlib.import_module(f"tickets_contract.judging.{module}")',
    ),
    # The README's map names two modules in one cell: the second one's folder too.
    ("README.md", "settings.py`, `discovery.py`", "settings.py`, `network/discovery.py`"),
]

# Files never rewritten: this script (its table names the old modules) and the page that
# lists the moves for readers of old branches.
SKIP = {"tools/restructure.py", "ARCHITECTURE.md"}
# The recorded corpus is data; verdicts.json names mutants, not modules.
SKIP_PREFIXES = ("tests/cassettes/",)
# A moved module that finds files from its own location (``tickets_contract.__file__``,
# the package root, is safe at any depth).
WARN_PATTERN = re.compile(r"(?<!tickets_contract\.)__file__|__package__|importlib\.resources")


def full(name: str) -> str:
    return f"{PACKAGE}.{name}" if name else PACKAGE


def module_path(name: str, *, package: bool = False) -> Path:
    parts = name.split(".")
    if package:
        return SRC.joinpath(*parts, "__init__.py")
    return SRC.joinpath(*parts[:-1], f"{parts[-1]}.py")


OLD_TO_NEW = {full(old): full(new) for old, new in MOVES.items()}


def new_name(dotted: str) -> str:
    """``dotted`` with a moved module (or anything inside it) renamed; else unchanged."""
    for old, new in OLD_TO_NEW.items():
        if dotted == old or dotted.startswith(old + "."):
            return new + dotted[len(old) :]
    return dotted


# --- 1. moving files ---------------------------------------------------------------------


@dataclass
class Plan:
    moves: list[tuple[Path, Path]]
    created: list[Path]
    edits: dict[Path, str]
    warnings: list[str]


def plan_moves(plan: Plan) -> None:
    for package, doc in PACKAGES.items():
        init = module_path(package, package=True)
        if not init.exists() and any(new.split(".")[0] == package for new in MOVES.values()):
            plan.created.append(init)
            plan.edits[init] = f'"""{doc.rstrip()}\n"""\n'
    for old, new in MOVES.items():
        source, target = module_path(old), module_path(new)
        if source.exists() and not target.exists():
            plan.moves.append((source, target))
            text = source.read_text(encoding="utf-8")
            if old.count(".") != new.count("."):
                hits = sorted(set(WARN_PATTERN.findall(text)))
                if hits:
                    plan.warnings.append(
                        f"{rel(target)} (was {rel(source)}) uses {', '.join(hits)}: its depth in "
                        "the package changed; check the paths it computes"
                    )
        elif source.exists() and target.exists():
            plan.warnings.append(f"{rel(source)} and {rel(target)} both exist: merge them by hand")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- 2. rewriting references -------------------------------------------------------------


def _module_of(path: Path) -> tuple[str, bool] | None:
    """The dotted module a file under src/ is (after the moves), and whether it is a package."""
    try:
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    except ValueError:
        return None
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, *([name] if name else [])])


def _relative(module: str, is_package: bool, target: str) -> tuple[int, str] | None:
    """``target`` as a relative import from ``module`` when it lies in the same package."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    there = target.split(".")
    if there[: len(here)] == here:
        return 1, ".".join(there[len(here) :])
    return None


def rewrite_imports(text: str, module: str | None, is_package: bool, old_module: str | None) -> str:
    """``from`` imports that name a moved module, or that a move broke, rewritten.

    ``module`` is the file's dotted name after the moves, ``old_module`` before this run
    (relative imports are resolved from where the file was). Plain ``import`` statements and
    absolute ``from tickets_contract.x import`` are left to the dotted-name rewrite.
    """
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, int, int, list[str]]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            if module is None:
                continue
            old_origin = _resolve(old_module or module, is_package, node.level, node.module)
            written = _resolve(module, is_package, node.level, node.module)
        else:
            old_origin = written = node.module or ""
        if old_origin != PACKAGE and not old_origin.startswith(PACKAGE + "."):
            continue
        origin = new_name(old_origin)
        # Group the names by where each comes from now: a name that is a moved module
        # (``from tickets_contract import judges``) comes from its new parent package.
        groups: dict[str, list[str]] = {}
        for alias in node.names:
            moved = new_name(f"{old_origin}.{alias.name}")
            parent = origin if moved == f"{origin}.{alias.name}" else moved.rsplit(".", 1)[0]
            shown = alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
            groups.setdefault(parent, []).append(shown)
        if list(groups) == [written]:
            continue
        statements = []
        for parent, shown in groups.items():
            where = parent
            if node.level and module is not None:
                relative = _relative(module, is_package, parent)
                if relative is not None:
                    where = "." + relative[1]
            statements.append(f"from {where} import {', '.join(shown)}")
        end_line = (node.end_lineno or node.lineno) - 1
        end_col = node.end_col_offset if node.end_col_offset is not None else len(lines[end_line])
        edits.append((node.lineno - 1, node.col_offset, end_line, end_col, statements))
    for start, col, end_line, end_col, statements in sorted(edits, reverse=True):
        head, tail = lines[start][:col], lines[end_line][end_col:]
        # One statement a line at the original indentation (or "; " after ``if x:``).
        joined = ("\n" + head if not head.strip() else "; ").join(statements)
        lines[start : end_line + 1] = [head + joined + tail]
    return "".join(lines)


def _dotted_pattern() -> re.Pattern[str]:
    olds = sorted(OLD_TO_NEW, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(o) for o in olds) + r")(?![\w])")


def _path_pattern() -> re.Pattern[str]:
    olds = sorted(MOVES, key=len, reverse=True)
    alternatives = "|".join(re.escape(old.replace(".", "/")) for old in olds)
    return re.compile(rf"(?<![\w.-]){PACKAGE}/({alternatives})\.py(?![\w])")


DOTTED = _dotted_pattern()
PATHS = _path_pattern()


def rewrite_text(text: str) -> str:
    text = DOTTED.sub(lambda m: OLD_TO_NEW[m.group(1)], text)
    return PATHS.sub(
        lambda m: f"{PACKAGE}/{MOVES[m.group(1).replace('/', '.')].replace('.', '/')}.py", text
    )


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name]


def plan_edits(plan: Plan) -> None:
    moved_to = {source: target for source, target in plan.moves}
    for path in tracked_files():
        name = rel(path)
        if name in SKIP or name.startswith(SKIP_PREFIXES) or not path.is_file():
            continue
        try:
            text = plan.edits.get(path) or path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        new = text
        if path.suffix == ".py":
            final = moved_to.get(path, path)
            here = _module_of(final)
            before = _module_of(path)
            new = rewrite_imports(
                new,
                here[0] if here else None,
                here[1] if here else False,
                before[0] if before else None,
            )
        new = rewrite_text(new)
        for special, old_text, new_text in SPECIAL:
            if name == special:
                new = new.replace(old_text, new_text)
        if new != text:
            plan.edits[moved_to.get(path, path)] = new


# --- 3. applying -------------------------------------------------------------------------


def apply(plan: Plan) -> None:
    for source, target in plan.moves:
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "mv", str(source), str(target)], cwd=ROOT, check=True)
    for path, text in plan.edits.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".restructure-tmp")
        temporary.write_text(text, encoding="utf-8")
        if path.exists():
            shutil.copymode(path, temporary)  # .ci/ scripts stay executable
        temporary.replace(path)
    for path in plan.created:
        subprocess.run(["git", "add", str(path)], cwd=ROOT, check=True)
    changed_python = [str(p) for p in plan.edits if p.suffix == ".py"]
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if changed_python and Path(ruff).exists():
        subprocess.run(
            [ruff, "check", "--quiet", "--select", "I", "--fix", *changed_python],
            cwd=ROOT,
            check=False,
        )
    elif changed_python:
        print("ruff not found: sort the rewritten imports with `ruff check --select I --fix`")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--check", action="store_true", help="list what would change; change nothing"
    )
    args = parser.parse_args(argv)
    plan = Plan(moves=[], created=[], edits={}, warnings=[])
    plan_moves(plan)
    plan_edits(plan)
    for source, target in plan.moves:
        print(f"move     {rel(source)} -> {rel(target)}")
    for path in plan.created:
        print(f"create   {rel(path)}")
    for path in sorted(plan.edits):
        if path not in plan.created:
            print(f"rewrite  {rel(path)}")
    for warning in plan.warnings:
        print(f"warning  {warning}")
    if not (plan.moves or plan.edits):
        print("nothing to do: every mapped module is in place and no reference names an old one")
        return 0
    if args.check:
        return 1
    apply(plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
