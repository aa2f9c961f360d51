"""What installing tickets-contract costs a pytest session that never uses it.

The package registers its pytest plugin through the ``pytest11`` entry point, so every
pytest session of the environment loads it. This runs one trivial test file with the
plugin and with ``-p no:tickets_contract`` (what not having it installed gives), in
alternation, and reports the medians of the wall times, their difference, and the modules
the plugin adds to the session (the budget: 50 ms, docs/PERFORMANCE.md).

    python bench/plugin_overhead.py [--runs 21]
"""

from __future__ import annotations

import argparse
import json
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


def _run(directory: Path, extra: list[str], modules_out: Path | None = None) -> float:
    env = {"PATH": "/usr/bin:/bin"}
    if modules_out is not None:
        env["MODULES_OUT"] = str(modules_out)
    started = time.perf_counter()
    subprocess.run(
        [*BASE, *extra], cwd=directory, env=env, check=True, capture_output=True, text=True
    )
    return time.perf_counter() - started


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
    with_ms = statistics.median(loaded) * 1000
    without_ms = statistics.median(absent) * 1000
    print(f"python {sys.version.split()[0]}, {args.runs} runs each, medians of wall time:")
    print(f"  pytest, plugin loaded:           {with_ms:7.1f} ms")
    print(f"  pytest, -p no:tickets_contract:  {without_ms:7.1f} ms")
    print(f"  overhead:                        {with_ms - without_ms:7.1f} ms (budget 50 ms)")
    print(f"  modules the plugin adds ({len(added)}): {', '.join(added)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
