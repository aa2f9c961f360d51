"""CPU time of each test of the suite: its own process and the child processes it waited for.

Wall time on a shared machine says little; CPU time (user + system) says what a test
costs. Load it as a pytest plugin; each process (the main one, every xdist worker)
writes one tab-separated file ``OUT.<worker>``: own CPU, children's CPU, wall, test id.
Run the file as a script to sum them up.

    PYTHONPATH=bench SUITE_CPU_OUT=/tmp/suite-cpu .venv/bin/pytest -p suite_cpu -p no:cacheprovider
    .venv/bin/python bench/suite_cpu.py /tmp/suite-cpu          # totals, per worker, top 25
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_ROWS: list[tuple[float, float, float, str]] = []


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    before, started = _cpu(), time.perf_counter()
    yield
    after = _cpu()
    wall = time.perf_counter() - started
    _ROWS.append((after[0] - before[0], after[1] - before[1], wall, item.nodeid))


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get("SUITE_CPU_OUT")
    if not out or not _ROWS:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    lines = [f"{own:.3f}\t{kids:.3f}\t{wall:.3f}\t{node}\n" for own, kids, wall, node in _ROWS]
    Path(f"{out}.{worker}").write_text("".join(lines), encoding="utf-8")


def main(prefix: str, top: int = 25) -> None:
    rows = []
    for path in sorted(Path(prefix).parent.glob(Path(prefix).name + ".*")):
        worker_rows = [line.split("\t") for line in path.read_text().splitlines() if line]
        own = sum(float(r[0]) for r in worker_rows)
        kids = sum(float(r[1]) for r in worker_rows)
        print(
            f"{path.suffix[1:]:>6}: {len(worker_rows)} tests, CPU {own + kids:.1f} s "
            f"(own {own:.1f}, children {kids:.1f})"
        )
        rows += worker_rows
    print(f" total: {len(rows)} tests, CPU {sum(float(r[0]) + float(r[1]) for r in rows):.1f} s")
    for r in sorted(rows, key=lambda r: -(float(r[0]) + float(r[1])))[:top]:
        print(f"  {float(r[0]) + float(r[1]):6.2f}  {r[3].strip()}")


if __name__ == "__main__":
    main(sys.argv[1])
