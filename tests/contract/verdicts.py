"""The gate's verdicts on its corpora, written down so that a refactor can prove it changed none.

Two corpora, each item reduced to what a verdict is, nothing that varies between runs:

* **mutants**: the unmutated proxy and each broken API of ``mutants.CORPUS``, judged as
  ``test_broken_apis.py`` judges them (``tickets-contract run --target URL``, the token
  only, in an empty directory) with a fixed ``--seed``: the exit code and the rules the
  summary names among the regressions, sorted.
* **cassettes**: each cassette of the recorded corpus through ``CassetteJudge``: per
  interaction, the checks the effective contract rejects and each deviation from the
  published contract with the quirks that explain it, sorted.

The gate runs with ``CI`` and every ``HYPOTHESIS*``/``PYTEST*`` variable removed from its
environment and with an explicit ``--seed``: generation is then seeded, not derandomized,
whether or not this runs under CI, so the same cases are sent everywhere and the verdicts
must match exactly (exit codes and rule names; no tolerance).

    python tests/contract/verdicts.py --check             compare with verdicts.json
    python tests/contract/verdicts.py --write             record verdicts.json
    python tests/contract/verdicts.py --check --only cassettes
    python tests/contract/verdicts.py --jobs 2            gates run side by side (default 2)

``test_verdicts.py`` runs the same comparison in the slow tier (``pytest -m slow -n 2``).
The committed ``verdicts.json`` was recorded at commit f1076c9, before issue 12 moved any
module.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from mutants import CORPUS, Mutant, named_rules, run_gate, serve  # noqa: E402

BASELINE = HERE / "verdicts.json"
SEED = "20260401"
UNMUTATED = "unmutated"


def mutant_names() -> list[str]:
    return [UNMUTATED, *(m.name for m in CORPUS)]


def _mutant(name: str) -> Mutant | None:
    return None if name == UNMUTATED else next(m for m in CORPUS if m.name == name)


def mutant_verdict(name: str) -> dict[str, Any]:
    """The gate's verdict on one item of the broken-API corpus: exit code, named rules."""
    with tempfile.TemporaryDirectory() as workdir, serve(_mutant(name)) as url:
        code, output = run_gate(url, Path(workdir), "--seed", SEED, keep_ci=False)
    return {"exit": code, "rules": sorted(named_rules(output))}


def cassette_verdicts() -> dict[str, Any]:
    """Every cassette of the corpus through the cassette judge."""
    from tickets_contract.cassettes import corpus_dir, load_cassette
    from tickets_contract.cassettes.judging import CassetteJudge

    judge = CassetteJudge()
    found: dict[str, Any] = {}
    for path in sorted(corpus_dir().glob("*.yaml")):
        verdict = judge.judge(load_cassette(path))
        found[path.stem] = {
            "ok": verdict.ok,
            "shown": sorted(verdict.shown),
            "interactions": [
                {
                    "regressions": sorted({d.check for d in i.regressions}),
                    "deviations": sorted(
                        {f"{d.check}: {','.join(d.quirks)}" for d in i.deviations}
                    ),
                }
                for i in verdict.interactions
            ],
        }
    return found


def collect(parts: Iterable[str], jobs: int, names: list[str] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if "cassettes" in parts:
        found["cassettes"] = cassette_verdicts()
    if "mutants" in parts:
        chosen = names or mutant_names()
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            found["mutants"] = dict(zip(chosen, pool.map(mutant_verdict, chosen), strict=True))
    return found


def load_baseline() -> dict[str, Any]:
    return dict(json.loads(BASELINE.read_text(encoding="utf-8")))


def differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """Every item whose verdict differs, one line each (items only one side has, too)."""
    lines: list[str] = []
    for part, items in sorted(found.items()):
        before = expected.get(part, {})
        for name in sorted(set(items) | set(before)):
            if name not in items:
                continue  # not run this time (--only, a single test)
            if name not in before:
                lines.append(f"{part}/{name}: no baseline verdict; now {json.dumps(items[name])}")
            elif items[name] != before[name]:
                lines.append(
                    f"{part}/{name}: was {json.dumps(before[name])}\n"
                    f"{' ' * len(part + name)}    now {json.dumps(items[name])}"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="compare with verdicts.json")
    action.add_argument("--write", action="store_true", help="record verdicts.json")
    parser.add_argument("--only", choices=("mutants", "cassettes"), help="one corpus only")
    parser.add_argument("--jobs", type=int, default=2, help="gates run side by side")
    args = parser.parse_args(argv)
    parts = [args.only] if args.only else ["cassettes", "mutants"]
    found = collect(parts, args.jobs)
    if args.write:
        merged = {**(load_baseline() if BASELINE.exists() else {}), **found}
        temporary = BASELINE.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n", "utf-8")
        temporary.replace(BASELINE)
        sys.stdout.write(f"wrote {BASELINE}\n")
        return 0
    lines = differences(load_baseline(), found)
    same = f"verdicts identical to {BASELINE.name}"
    sys.stdout.write(("\n".join(lines) if lines else same) + "\n")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
