"""What installing tickets-contract costs a pytest session that never uses it.

The package registers its pytest plugin through the ``pytest11`` entry point, so every
pytest session of the environment loads it. This runs one trivial test file with the
plugin and with ``-p no:tickets_contract`` (what not having it installed gives), in
alternation, and reports the medians of the CPU time (user + system) and of the wall time
of each, their differences, the modules the plugin adds to the session, and the time
to import the plugin module once pytest is loaded. The budget: 50 ms
(docs/PERFORMANCE.md). CPU time is the figure to read on a shared machine, where other
processes stretch wall times by seconds.

    python bench/plugin_overhead.py [--runs 21]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRIVIAL = "def test_one():\n    assert 1 + 1 == 2\n"
# Lists the modules a session imported, once it is over.
CONFTEST = """
import json, os, sys

def pytest_unconfigure(config):
    out = os.environ.get("MODULES_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(sorted(sys.modules), f)
"""
BASE = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_trivial.py"]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(directory: Path, extra: list[str], modules_out: Path | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one pytest session."""
    env = {"PATH": "/usr/bin:/bin"}
    if modules_out is not None:
        env["MODULES_OUT"] = str(modules_out)
    cpu, started = _cpu(), time.perf_counter()
    subprocess.run(
        [*BASE, *extra], cwd=directory, env=env, check=True, capture_output=True, text=True
    )
    return _cpu() - cpu, time.perf_counter() - started


def _import_ms() -> float:
    """Time to import the plugin module in a process that has imported pytest already."""
    code = (
        "import time, pytest\n"
        "t = time.perf_counter()\n"
        "import tickets_contract.plugin\n"
        "print((time.perf_counter() - t) * 1000)\n"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(5)
    ]
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of each (default 21)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "test_trivial.py").write_text(TRIVIAL)
        (directory / "conftest.py").write_text(CONFTEST)
        # Warm the file cache and the bytecode of both configurations once.
        with_mods, without_mods = directory / "with.json", directory / "without.json"
        _run(directory, [], with_mods)
        _run(directory, ["-p", "no:tickets_contract"], without_mods)
        added = sorted(
            set(json.loads(with_mods.read_text())) - set(json.loads(without_mods.read_text()))
        )
        loaded, absent = [], []
        for _ in range(args.runs):
            loaded.append(_run(directory, []))
            absent.append(_run(directory, ["-p", "no:tickets_contract"]))
        imports = _import_ms()
    print(f"python {sys.version.split()[0]}, {args.runs} runs each, medians (ms):")
    print("                                      CPU      wall")
    for label, runs in (("plugin loaded", loaded), ("-p no:tickets_contract", absent)):
        cpu = statistics.median(r[0] for r in runs) * 1000
        wall = statistics.median(r[1] for r in runs) * 1000
        print(f"  pytest, {label:24} {cpu:8.1f} {wall:9.1f}")
    cpu_overhead = (
        statistics.median(r[0] for r in loaded) - statistics.median(r[0] for r in absent)
    ) * 1000
    wall_overhead = (
        statistics.median(r[1] for r in loaded) - statistics.median(r[1] for r in absent)
    ) * 1000
    print(
        f"  overhead                         {cpu_overhead:8.1f} {wall_overhead:9.1f}  (budget 50)"
    )
    print(f"  modules the plugin adds ({len(added)}): {', '.join(added)}")
    print(f"  importing the plugin module (pytest loaded, median of 5): {imports:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
