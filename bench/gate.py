"""Question 3: how fast is the gate? Examples per second in-process and over HTTP, and
the wall time of the default test run.

    python bench/gate.py [--repeat 1] [--runner cli|pytest] [--skip-default-run] [--profile]

Runs, each in a fresh child process from the repository root:

* ``in-process``   the gate against the twin through its ASGI app (the default target):
                   ``tickets-contract run --profile ci`` (as ``python -m
                   tickets_contract.cli``);
* ``http``         the same against a twin served on 127.0.0.1 by ``bench/_servers.py
                   twin`` (uvicorn, 1 worker, TCP_NODELAY), with ``--target
                   http://127.0.0.1:PORT --unique-property external_ticket_ref`` and
                   HUBSPOT_ACCESS_TOKEN set to the demo token;
* ``http, no budget``  the same with the client's rate budget lifted (a settings file
                   with ``rate_limit = "1000000/1s"`` passed as ``--config``): the budget,
                   80 requests per 10 s by default for HubSpot's sake, also holds for
                   loopback targets and is what limits the row above;
* ``http-serve, no budget``  the same against the twin served by the project's own
                   ``run_server`` (what ``tickets-contract serve`` does);
* ``default run``  ``pytest -p no:cacheprovider``: the whole test suite as a developer
                   runs it (Hypothesis profile "ci" when CI is set, else "dev"), with its
                   slowest tests.

``--runner pytest`` runs the gate as ``pytest tests/contract/test_conformance.py``
instead (the same test, collected from the repository).

Examples per second = exchanges judged (the suite's own tally line "N exchanges judged")
divided by the time pytest reports for the suite's test calls (generation + sending +
judging),
and, more conservatively, by the wall time of the whole process (interpreter start,
imports, building the contract). The "ci" profile is derandomized, so every repeat sends
the same examples. Judging is whatever the suite's judge runs (schemathesis' built-in
checks, plus the invariants and sampled relations where the package has them; the banner
says which).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as c

TALLY = re.compile(r"tickets-contract: (\d+) exchanges judged")
DURATION = re.compile(r"^([0-9.]+)s call\s+(\S.*)$", re.MULTILINE)
# Where a gate run spends its time: shares of py-spy samples whose stack holds the frame.
GATE_BUCKETS = {
    "whole test call (pytest runtest)": ("pytest_runtest_call (",),
    "hypothesis engine (generation, shrinking; includes the rows below)": ("hypothesis/core.py",),
    "Case.call (sending; includes the twin)": ("call (", "generation/case.py"),
    "Twin.handle (the twin's own work)": ("handle (", "twin/twin.py"),
    "Case.validate_response (judging)": ("validate_response (",),
    "fixture setup (contract, schemathesis schema, target)": ("pytest_fixture_setup (",),
    "requests + urllib3 (HTTP client)": ("urllib3/",),
    "imports": ("_find_and_load (",),
}
SUMMARY = re.compile(r"^=+ (.*\bin [0-9.]+s.*) =+$", re.MULTILINE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each configuration and of the default test run; the median is "
        "reported (the budget-bound http row runs once: the budget sets its pace)",
    )
    parser.add_argument(
        "--runner",
        choices=["cli", "pytest"],
        default="cli",
        help="tickets-contract run (default) or pytest on tests/contract/test_conformance.py",
    )
    parser.add_argument(
        "--hypothesis-profile",
        default="ci",
        help="profile for the gate runs (default ci: deterministic)",
    )
    parser.add_argument(
        "--skip-default-run", action="store_true", help="do not time the whole default test run"
    )
    parser.add_argument(
        "--skip-http-serve",
        action="store_true",
        help="do not run the gate against the project's run_server",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one in-process gate run with py-spy"
    )
    args = parser.parse_args(argv)

    from tickets_contract.twin import DEMO_TOKEN, UNIQUE_PROPERTY

    c.banner(
        "gate: conformance examples per second, and the default test run",
        ("schemathesis", "hypothesis", "pytest", "starlette", "uvicorn", "requests"),
    )
    ci = bool(os.environ.get("CI"))
    no_pyc = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    print(
        f"   PYTHONDONTWRITEBYTECODE {'set' if no_pyc else 'unset'} (pytest's rewritten-"
        f"assertion cache is {'not ' if no_pyc else ''}written)"
    )
    print(
        f"   runner: {args.runner}; gate profile: {args.hypothesis_profile}; "
        f"default run's profile: {'ci' if ci else 'dev'} (CI {'set' if ci else 'unset'}); "
        f"judging: {_judging()}"
    )

    tmp = Path(tempfile.mkdtemp(prefix="bench-gate-"))
    rows: list[dict[str, Any]] = []
    try:
        rows.append(
            _median(
                "in-process",
                [_gate(_gate_argv(args, None, UNIQUE_PROPERTY), None) for _ in range(args.repeat)],
            )
        )
        env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": DEMO_TOKEN}
        # The client's rate budget (80 requests/10 s by default, for HubSpot) also holds
        # for loopback targets; a settings file lifts it to measure the machinery.
        unlimited = tmp / "no-budget.toml"
        unlimited.write_text('[tool.tickets-contract]\nrate_limit = "1000000/1s"\n')
        runs = [("http", "twin", None), ("http, no budget", "twin", unlimited)]
        if not args.skip_http_serve:
            runs.append(("http-serve, no budget", "twin-serve", unlimited))
        for label, kind, config in runs:
            log = tmp / f"{kind}.log"
            with c.child_server(label, c.server_argv(kind), log=log) as server:
                argv = _gate_argv(args, server.base_url, UNIQUE_PROPERTY, config)
                repeat = 1 if config is None else args.repeat
                rows.append(_median(label, [_gate(argv, env) for _ in range(repeat)]))
                if args.profile and label == "http":
                    _profile(label, argv, env, tmp)
        if args.profile:
            _profile("in-process", _gate_argv(args, None, UNIQUE_PROPERTY), None, tmp)
        default = None
        if not args.skip_default_run:
            runs = [_default_run() for _ in range(args.repeat)]
            default = sorted(runs, key=lambda run: run["wall_s"])[(len(runs) - 1) // 2]
    finally:
        with contextlib.suppress(OSError):
            for path in tmp.iterdir():
                path.unlink()
            tmp.rmdir()

    print(f"\nthe gate (median of {args.repeat} runs; the budget-bound http row: 1 run):")
    print(
        f"   {'target':<21} {'exchanges':>9} {'call s':>7} {'wall s':>7} "
        f"{'examples/s (call)':>18} {'examples/s (wall)':>18}  outcome"
    )
    for row in rows:
        print(
            f"   {row['label']:<21} {row['exchanges'] or '?':>9} {row['call_s']:>7.2f} "
            f"{row['wall_s']:>7.2f} {row['per_call_s']:>18.1f} {row['per_wall_s']:>18.1f}  "
            f"{row['outcome']}"
        )
    base = rows[0]
    if base["per_call_s"]:
        print("\nratios (examples/s, call time):")
        for row in rows[1:]:
            print(f"   {row['label']:<21} {row['per_call_s'] / base['per_call_s']:.2f}x in-process")
    if any(row["returncode"] != 0 for row in rows):
        print(
            "\nnote: a gate run did not pass (outcome above). A failing run stops at its "
            "first deviation, so it sends fewer examples than a passing one; its rate is "
            "still a rate, its count is not the gate's."
        )
    if default is not None:
        print(
            f"\ndefault test run (pytest -p no:cacheprovider): {default['wall_s']:.1f} s wall; "
            f"{default['summary']}"
        )
        print("   slowest (pytest --durations=8):")
        for line in default["slowest"]:
            print(f"     {line}")
    c.reproduce()
    return 0


def _judging() -> str:
    """What the suite's judge runs, as far as the installed package shows."""
    import importlib.util

    parts = ["schemathesis' built-in checks"]
    if importlib.util.find_spec("tickets_contract.judging.invariants") is not None:
        parts.append("the invariants")
    if importlib.util.find_spec("tickets_contract.judging.relations") is not None:
        parts.append("sampled relations (follow-up reads)")
    return " + ".join(parts)


def _gate_argv(
    args: Any, base_url: str | None, unique_property: str, config: Path | None = None
) -> list[str]:
    if args.runner == "cli":
        argv = [
            sys.executable,
            "-m",
            "tickets_contract.cli",
            "run",
            "--profile",
            args.hypothesis_profile,
        ]
        if base_url:
            argv += ["--target", base_url, "--unique-property", unique_property]
        if config:
            argv += ["--config", str(config)]
        return [*argv, "--durations=0", "--durations-min=0"]
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "tests/contract/test_conformance.py",
        "-p",
        "no:cacheprovider",
        "--hypothesis-profile",
        args.hypothesis_profile,
        "--durations=0",
        "--durations-min=0",
    ]
    if base_url:
        argv += ["--tc-target", base_url, "--tc-unique-property", unique_property]
    if config:
        argv += ["--tc-config", str(config)]
    return argv


def _gate(argv: list[str], env: dict[str, str] | None) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=c.REPO, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - started
    output = done.stdout + done.stderr
    tally = TALLY.search(output)
    exchanges = int(tally.group(1)) if tally else 0
    calls = [(float(m.group(1)), m.group(2)) for m in DURATION.finditer(output)]
    # Every test of the suite that ran; "node[...]" lines are subtests inside their test.
    parents = [seconds for seconds, node in calls if "[" not in node]
    call = sum(parents) if parents else max((seconds for seconds, _ in calls), default=0.0)
    summary = SUMMARY.findall(output)
    outcome = summary[-1] if summary else f"exit {done.returncode}"
    if done.returncode not in (0, 1):
        tail = "\n".join(output.strip().splitlines()[-8:])
        print(f"   ! {' '.join(argv[2:])} exited {done.returncode}:\n{tail}", file=sys.stderr)
    return {
        "exchanges": exchanges,
        "call_s": call,
        "wall_s": wall,
        "per_call_s": exchanges / call if call else 0.0,
        "per_wall_s": exchanges / wall if wall else 0.0,
        "outcome": outcome,
        "returncode": done.returncode,
    }


def _median(label: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda run: run["wall_s"])
    row = dict(ordered[(len(ordered) - 1) // 2])
    row["label"] = label
    print(
        f"   {label}: {row['exchanges']} exchanges, {row['call_s']:.2f} s in the test call, "
        f"{row['wall_s']:.2f} s wall ({row['outcome']})"
    )
    return row


def _default_run() -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--durations=8"],
        cwd=c.REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    wall = time.perf_counter() - started
    output = done.stdout + done.stderr
    summary = SUMMARY.findall(output)
    slowest = re.findall(r"^([0-9.]+s (?:setup|call|teardown)\s+\S.*)$", output, re.MULTILINE)
    return {
        "wall_s": wall,
        "summary": summary[-1] if summary else f"exit {done.returncode}",
        "slowest": slowest[:8],
    }


def _profile(label: str, argv: list[str], env: dict[str, str] | None, tmp: Path) -> None:
    py_spy = c.tool_path("py-spy")
    if py_spy is None:
        print("--profile needs py-spy: pip install py-spy", file=sys.stderr)
        return
    out = tmp / f"gate-{label}.collapsed"
    record = [py_spy, "record", "--idle", "--rate", "250", "--format", "raw"]
    record += ["--output", str(out), "--", *argv]
    subprocess.run(record, cwd=c.REPO, env=env, capture_output=True, text=True, timeout=1800)
    print(f"\nprofile of one {label} gate run (py-spy --idle, 250 Hz, whole process, wall time):")
    if not out.exists():
        print("   py-spy wrote nothing")
        return
    for line in c.collapsed_shares(out, GATE_BUCKETS):
        print(f"   {line}")
    for line in c.summarize_collapsed(out, top=20):
        print(f"   {line}")
    c.OUT.mkdir(parents=True, exist_ok=True)
    kept = c.OUT / out.name
    kept.write_bytes(out.read_bytes())
    print(f"   (collapsed stacks kept in {kept.relative_to(c.REPO)})")


if __name__ == "__main__":
    sys.exit(main())
