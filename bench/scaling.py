"""Question 2: does a 100-input read cost the same with 1k, 100k and 1M stored tickets?

    python bench/scaling.py [--sizes 1000,100000,1000000] [--iterations 300] [--profile]

For each store size, in a fresh child process (so that memory figures do not mix):

* setup: time and memory (tracemalloc, and the process' RSS) to stand up
  ``Twin(config=TwinConfig(seed=0, size=N))`` and so its ``TicketStore.generate``;
* latency: ``twin.handle(TwinRequest(...))`` in-process, timed with
  ``time.perf_counter_ns`` over ``--iterations`` calls after a warm-up, for a 100-input
  read by id and by ``idProperty`` (the unique property), in two access patterns:

  - ``spread``: every call reads 100 different tickets drawn at random from the whole
    store (a client that reads what it likes). This is the pattern the target is about.
  - ``hot``: every call reads the same 100 tickets (the best case for any cache);

* memory per built ticket: tracemalloc over building 2,000 tickets, and the RSS after
  the reads.

Target: p50 latency at 1M within 1.2x of that at 1k. The script prints the ratios.
``--profile`` adds a pyinstrument profile of spread by-id reads at the largest size
(needs ``pip install pyinstrument``).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import _common as c

SIZES = (1_000, 100_000, 1_000_000)
BATCH = 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="store sizes, comma separated (default 1000,100000,1000000)",
    )
    parser.add_argument("--iterations", type=int, default=300, help="timed calls per case")
    parser.add_argument("--warmup", type=int, default=30, help="untimed calls per case first")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="pyinstrument profile of spread by-id reads at the largest size",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: one size
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)

    if args.one is not None:
        result = measure(args.one, args.iterations, args.warmup, profile=args.profile)
        print("SCALING_JSON " + json.dumps(result))
        return 0

    sizes = [int(part) for part in args.sizes.split(",") if part]
    c.banner("scaling: 100-input batch reads in-process vs stored tickets")
    print(
        f"   twin.handle in-process; {args.iterations} timed calls per case after "
        f"{args.warmup} warm-up calls; each size in a fresh process"
    )
    results = []
    for size in sizes:
        argv_child = [
            sys.executable,
            __file__,
            "--one",
            str(size),
            "--iterations",
            str(args.iterations),
            "--warmup",
            str(args.warmup),
        ]
        if args.profile and size == max(sizes):
            argv_child.append("--profile")
        started = time.perf_counter()
        done = subprocess.run(argv_child, capture_output=True, text=True)
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("SCALING_JSON ")), None)
        if done.returncode != 0 or line is None:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        for extra in done.stdout.splitlines():
            if not extra.startswith("SCALING_JSON "):
                print(extra)
        result = json.loads(line.removeprefix("SCALING_JSON "))
        results.append(result)
        print(f"   size {size:>9,}: done in {time.perf_counter() - started:.1f} s")

    _report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    c.reproduce()
    return 0


def measure(size: int, iterations: int, warmup: int, *, profile: bool) -> dict[str, Any]:
    from tickets_contract.twin import DEMO_TOKEN, UNIQUE_PROPERTY, Twin, TwinConfig, TwinRequest
    from tickets_contract.twin.generator import is_archived, record_id, unique_ref

    config = TwinConfig(seed=0, size=size)
    result: dict[str, Any] = {"size": size}

    # Setup: time (untraced), then memory (traced, in a second twin).
    gc.collect()
    rss_before = _rss()
    started = time.perf_counter_ns()
    twin = Twin(config=config)
    result["setup_ms"] = (time.perf_counter_ns() - started) / 1e6
    result["setup_rss_delta_bytes"] = _rss() - rss_before
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    traced_twin = Twin(config=config)
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced_twin
    result["setup_traced_bytes"] = after - before
    result["setup_bytes_per_ticket"] = (after - before) / size

    # Which tickets a read may name: unarchived ones (archived tickets are "not found"
    # unless ?archived=true), drawn with the twin's own pure functions, nothing built.
    seed, fraction = config.seed, config.archived_fraction
    rng = random.Random(20240601)

    def draw(count: int, *, unique: bool) -> list[str]:
        chosen: dict[int, str] = {}
        while len(chosen) < count:
            index = rng.randrange(size)
            if index in chosen or is_archived(seed, index, fraction):
                continue
            value = unique_ref(seed, index) if unique else str(record_id(seed, index))
            if value is not None:
                chosen[index] = value
        return list(chosen.values())

    headers = {"authorization": f"Bearer {DEMO_TOKEN}", "content-type": "application/json"}

    def request(values: list[str], unique: bool) -> Any:
        body = c.batch_body(values, id_property=UNIQUE_PROPERTY if unique else None)
        return TwinRequest(
            method="POST", path=c.BATCH_READ_PATH, query=(), headers=headers, body=body
        )

    # Check once that such a read is a full 200 with 100 results.
    for unique in (False, True):
        answer = twin.handle(request(draw(BATCH, unique=unique), unique))
        found = len(json.loads(answer.body).get("results", []))
        if answer.status != 200 or found != BATCH:
            raise SystemExit(
                f"size {size}: a 100-input read gave {answer.status} with "
                f"{found} results: {answer.body[:300]!r}"
            )

    cases: dict[str, dict[str, float]] = {}
    for pattern in ("spread", "hot"):
        for unique in (False, True):
            name = f"{'idProperty' if unique else 'id'}/{pattern}"
            hot = request(draw(BATCH, unique=unique), unique)
            # Requests are built before timing: only handle() is measured.
            calls = [
                hot if pattern == "hot" else request(draw(BATCH, unique=unique), unique)
                for _ in range(warmup + iterations)
            ]
            gc.collect()
            times = []
            pauses = _GcPauses()
            for number, call in enumerate(calls):
                if number == warmup:
                    pauses.start()
                started = time.perf_counter_ns()
                twin.handle(call)
                elapsed = time.perf_counter_ns() - started
                if number >= warmup:
                    times.append(elapsed / 1e6)
            pauses.stop()
            cases[name] = {
                "p50_ms": c.median(times),
                "p90_ms": c.percentile(times, 90),
                "p99_ms": c.percentile(times, 99),
                "mean_ms": sum(times) / len(times),
                "gc_full_collections": pauses.full_count,
                "gc_full_max_ms": pauses.full_max_ms,
                "gc_max_ms": pauses.max_ms,
                "gc_total_ms": pauses.total_ms,
            }
    result["cases"] = cases
    result["rss_after_reads_bytes"] = _rss()

    # Memory of a built (cached) ticket: build 2,000 in a fresh store, traced.
    from tickets_contract.twin import TicketStore

    store = TicketStore.generate(seed=seed, size=size)
    count = min(2_000, size)
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    for index in range(count):
        store.ticket_at(index)
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result["built_ticket_bytes"] = (after - before) / count

    # Generation of one ticket, uncached (what a cache miss costs).
    from tickets_contract.twin.generator import generate_ticket

    started = time.perf_counter_ns()
    for index in range(count):
        generate_ticket(seed, index, fraction)
    result["generate_ticket_us"] = (time.perf_counter_ns() - started) / count / 1e3

    if profile:
        _profile(twin, [request(draw(BATCH, unique=False), False) for _ in range(100)], size)
    return result


class _GcPauses:
    """Time spent in the cyclic garbage collector while timing (gc.callbacks)."""

    def __init__(self) -> None:
        self.total_ms = 0.0
        self.full_count = 0
        self.full_max_ms = 0.0
        self.max_ms = 0.0
        self._began = 0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter_ns()
            return
        elapsed = (time.perf_counter_ns() - self._began) / 1e6
        self.total_ms += elapsed
        self.max_ms = max(self.max_ms, elapsed)
        if info.get("generation") == 2:
            self.full_count += 1
            self.full_max_ms = max(self.full_max_ms, elapsed)

    def start(self) -> None:
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)


def _profile(twin: Any, calls: list[Any], size: int) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("--profile needs pyinstrument: pip install pyinstrument", file=sys.stderr)
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for call in calls:
        twin.handle(call)
    profiler.stop()
    print(f"\nprofile: {len(calls)} spread 100-input reads by id, {size:,} tickets (pyinstrument)")
    for line in c.pyinstrument_summary(profiler):
        print(f"   {line}")
    c.OUT.mkdir(parents=True, exist_ok=True)
    html = c.OUT / f"scaling-{size}.html"
    html.write_text(profiler.output_html(), encoding="utf-8")
    print(f"   (full profile: {html.relative_to(c.REPO)})")


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    import resource

    return pages * resource.getpagesize()


def _report(results: list[dict[str, Any]]) -> None:
    print("\nsetup and memory:")
    print(
        f"   {'tickets':>9} {'setup ms':>9} {'setup B/ticket':>15} {'RSS after reads':>16} "
        f"{'B/built ticket':>15} {'generate µs':>12}"
    )
    for r in results:
        print(
            f"   {r['size']:>9,} {r['setup_ms']:>9.2f} {r['setup_bytes_per_ticket']:>15.3f} "
            f"{r['rss_after_reads_bytes'] / 2**20:>13.1f} MB "
            f"{r['built_ticket_bytes']:>15,.0f} {r['generate_ticket_us']:>12.1f}"
        )
    names = list(results[0]["cases"])
    print("\n100-input read latency, twin.handle in-process (p50 / p99, ms):")
    print(f"   {'tickets':>9} " + " ".join(f"{name:>22}" for name in names))
    for r in results:
        cells = [
            f"{r['cases'][n]['p50_ms']:>9.2f} / {r['cases'][n]['p99_ms']:>9.2f}" for n in names
        ]
        print(f"   {r['size']:>9,} " + " ".join(f"{cell:>22}" for cell in cells))
    print("\ngarbage collector while timing (full collections, longest pause ms, total ms):")
    print(f"   {'tickets':>9} " + " ".join(f"{name:>22}" for name in names))
    for r in results:
        cells = [
            f"{r['cases'][n]['gc_full_collections']} / {r['cases'][n]['gc_max_ms']:.0f}"
            f" / {r['cases'][n]['gc_total_ms']:.0f}"
            for n in names
        ]
        print(f"   {r['size']:>9,} " + " ".join(f"{cell:>22}" for cell in cells))
    first, last = results[0], results[-1]
    print(f"\nratios of p50, {last['size']:,} vs {first['size']:,} tickets (target <= 1.2x):")
    for name in names:
        ratio = last["cases"][name]["p50_ms"] / first["cases"][name]["p50_ms"]
        verdict = "MET" if ratio <= 1.2 else "MISSED"
        print(f"   {name:<18} {ratio:5.2f}x  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
