"""Question 5: what share of the broken-API corpus does the gate kill, next to plain `st run`?

    python bench/kill_rate.py [--only NAME ...] [--tool gate|st|both] [--gate-arg ARG ...]

For the unmutated proxy and each mutant of ``tests/contract/mutants.py`` (the twin behind
a mutating ASGI proxy, served by uvicorn on 127.0.0.1), in a fresh child process each:

* ``gate``  ``tickets-contract run --target URL`` with HUBSPOT_ACCESS_TOKEN set to the
            demo token and nothing else: no records, no settings file (the run starts in
            an empty temporary directory). Killed = exit code 1 (deviation found).
* ``st``    plain schemathesis: ``st run effective.yaml --url URL -H "Authorization:
            Bearer <demo token>"`` on ``tickets-contract spec --effective``, every default
            check and phase. Killed = a non-zero exit code.

A run that kills the unmutated proxy is a false alarm, and the script says so; the kill
rate counts mutants only. Prints one row per mutant (killed or not, and what the gate
named), the two kill rates, and the command that reproduces them. ~25 min on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as c

sys.path.insert(0, str(c.REPO / "tests" / "contract"))

from mutants import CORPUS, Mutant, serve  # noqa: E402

from tickets_contract.twin import DEMO_TOKEN  # noqa: E402

# "    <check>: <title>" lines of the summary's regressions section.
NAMED = re.compile(r"^    ([a-z_]+): (?:Invariant violated|Relation violated|\S)", re.MULTILINE)
TIMEOUT = 900


def gate(url: str, workdir: Path, extra: list[str]) -> tuple[int, str]:
    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": DEMO_TOKEN}
    env.pop("CI", None)
    done = subprocess.run(
        [sys.executable, "-m", "tickets_contract.cli", "run", "--target", url, *extra],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def named_rules(output: str) -> list[str]:
    summary = output.split("deviations no quirk explains (regressions):")[-1]
    return sorted(set(NAMED.findall(summary))) if "regressions):" in output else []


def st(url: str, spec: Path, workdir: Path) -> tuple[int, str]:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "run",
            str(spec),
            "--url",
            url,
            "-H",
            f"Authorization: Bearer {DEMO_TOKEN}",
            "--no-color",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    parser.add_argument("--tool", choices=["gate", "st", "both"], default="both")
    parser.add_argument(
        "--gate-arg", action="append", default=[], metavar="ARG", help="passed to `run`"
    )
    args = parser.parse_args()
    c.banner("kill rate of the gate and of plain `st run` on the broken-API corpus")
    chosen: list[Mutant | None] = [
        None,
        *(m for m in CORPUS if not args.only or m.name in args.only),
    ]
    with tempfile.TemporaryDirectory(prefix="kill-rate-") as tmp:
        workdir = Path(tmp)
        spec = workdir / "effective.yaml"
        spec.write_text(
            subprocess.run(
                [sys.executable, "-m", "tickets_contract.cli", "spec", "--effective"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        kills = {"gate": 0, "st": 0}
        print(f"{'mutant':40} {'gate':>6} {'st':>6}  gate named (expected)")
        for mutant in chosen:
            name = mutant.name if mutant else "(unmutated)"
            row = {}
            named: list[str] = []
            started = time.monotonic()
            for tool in ("gate", "st"):
                if args.tool not in (tool, "both"):
                    row[tool] = "-"
                    continue
                with serve(mutant) as url:
                    if tool == "gate":
                        code, output = gate(url, workdir, args.gate_arg)
                        killed = code == 1
                        named = named_rules(output)
                        if code not in (0, 1):
                            print(output[-3000:])
                    else:
                        code, output = st(url, spec, workdir)
                        killed = code != 0
                row[tool] = "KILL" if killed else "lives"
                if mutant is not None and killed:
                    kills[tool] += 1
                if mutant is None and killed:
                    print(f"  false alarm: {tool} fails the unmutated proxy:\n{output[-3000:]}")
            expected = f" ({mutant.rule})" if mutant else ""
            print(
                f"{name:40} {row['gate']:>6} {row['st']:>6}  {', '.join(named)}{expected}"
                f"  [{time.monotonic() - started:.0f} s]",
                flush=True,
            )
        total = len(chosen) - 1
        for tool, killed in kills.items():
            if args.tool in (tool, "both"):
                print(f"kill rate, {tool}: {killed}/{total} = {killed / max(total, 1):.0%}")
    c.reproduce()


if __name__ == "__main__":
    main()
