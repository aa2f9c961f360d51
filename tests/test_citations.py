"""Citations that resolve: code, tests and docs cite what ships or is public.

Issue 12, "Citations that resolve": comments, docstrings and docs cite quirk ids
(specs/quirks.yaml entries), ledger source ids (its ``sources`` table: S1, U2, ...) or
public URLs, never research notes outside the repository, which a reader of the
package or of a checkout does not have.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tickets_contract.spec.contract import specs_dir

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("src", "tests", "docs", "bench", "specs")
ROOT_FILES = ("README.md", "ARCHITECTURE.md", "conftest.py", "pyproject.toml", "tox.ini")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".ini", ".txt", ".lua", ".sh", ".cfg"}

# A citation of a file outside the repository: the research notes and design notes that
# sit beside the checkout, section signs pointing into them ("facts §6.3"), and paths.
UNSHIPPED = re.compile(
    r"facts\s+§|hubspot-facts|tools\.md|style-anchors|DESIGN\.md|\.\./shared|"
    r"shared/research|shared/reference|(?<!RFC \d{4} )§\s*\d",
    re.IGNORECASE,
)

# (file, text on the line): not citations, each with its reason.
ALLOWED = {
    (
        "tests/test_contract.py",
        '"shared/reference/hubspot-tickets-batch-read.published.json"',
    ): "a data path: the test reads HubSpot's published spec when it is beside the "
    "checkout (as in CI), and skips otherwise",
    (
        "tests/test_drift.py",
        '"shared/reference/hubspot-tickets-batch-read.published.json"',
    ): "a data path: the drift tests read the published spec when it is beside the checkout",
    (
        "tests/test_rules_page.py",
        'assert "../shared" not in',
    ): "the check that the rules page cites no unshipped path",
}


# Source ids cited on purpose although the ledger lacks them.
DELIBERATELY_UNKNOWN = {"S99": "tests/test_ledger.py: the ledger must refuse an unknown id"}


def _files() -> list[Path]:
    found = [ROOT / name for name in ROOT_FILES if (ROOT / name).is_file()]
    for top in SCANNED:
        found += [
            path
            for path in sorted((ROOT / top).rglob("*"))
            if path.is_file() and path.suffix in SUFFIXES and ".venv" not in path.parts
        ]
    return [path for path in found if path != Path(__file__).resolve()]


def unresolvable_citations(files: list[Path]) -> list[str]:
    """``file:line: text`` for every line that cites a file outside the repository."""
    found: list[str] = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not UNSHIPPED.search(line):
                continue
            if any(rel == file and text in line for file, text in ALLOWED):
                continue
            found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_no_citation_of_a_file_outside_the_repository() -> None:
    found = unresolvable_citations(_files())
    assert not found, (
        "cite a quirk id, a ledger source id (specs/quirks.yaml sources) or a public URL "
        "instead of a file outside the repository:\n" + "\n".join(found)
    )


def test_the_scan_finds_each_kind_of_unshipped_citation(tmp_path: Path) -> None:
    # The check above can fail: each form the repository used before is caught, by line.
    lines = [
        "ok: quirk non-numeric-ids-not-found (S21), RFC 9110 §11.1",
        "# Facts §6.3: all missing",
        "see hubspot-facts.md",
        "(tools.md §1.3 gotcha)",
        "DESIGN.md says so",
        "../shared/research/notes",
        "(S1 §3.3)",
    ]
    sample = ROOT / "tests" / "_citation_sample.txt"
    try:
        sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
        found = unresolvable_citations([sample])
    finally:
        sample.unlink()
    assert [entry.split(":")[1] for entry in found] == ["2", "3", "4", "5", "6", "7"]


def test_allowed_lines_still_exist() -> None:
    # An allow-list entry whose line is gone would silently allow nothing useful.
    for file, text in ALLOWED:
        assert text in (ROOT / file).read_text(encoding="utf-8"), (file, text)


def test_source_ids_cited_in_the_code_are_in_the_ledger() -> None:
    # A cited S<n>/U<n> must resolve: the ledger's sources table names it.
    # The ledger as the package reads it (specs/ in a checkout, packaged in a wheel).
    ledger = specs_dir() / "quirks.yaml"
    sources = set(yaml.safe_load(ledger.read_text(encoding="utf-8"))["sources"])
    cited: dict[str, str] = {}
    for path in _files():
        if path.suffix not in {".py", ".md"} or path.name == "QUIRKS.md":
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"(?<![\w-])([SU]\d{1,2})(?![\w-])", text):
            line = text.count("\n", 0, match.start()) + 1
            cited.setdefault(match.group(1), f"{path.relative_to(ROOT).as_posix()}:{line}")
    missing = {
        sid: where
        for sid, where in cited.items()
        if sid not in sources and sid not in DELIBERATELY_UNKNOWN
    }
    assert not missing, f"source ids not in specs/quirks.yaml sources: {missing}"
