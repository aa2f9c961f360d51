"""Question 1: the twin over HTTP, beside the floor and Prism, driven by wrk.

    python bench/http_throughput.py [--duration 5] [--connections 16] [--rounds 1]
                                    [--no-prism] [--prism-mode dynamic] [--profile]

Starts three servers on 127.0.0.1 ephemeral ports and drives each with wrk (a Lua script
POSTs a fixed batch-read body and reports latency percentiles):

* twin   the twin (``create_app(Twin(TwinConfig(seed=0, size=1000)))``) under uvicorn;
* floor  a minimal Starlette app on the same route under uvicorn with the *same*
         settings (1 worker, no access log, same loop and HTTP implementation) that reads
         the body and returns a fixed answer: the twin's own answer to the read being
         measured, its body and its header lines (Content-Type, the correlation id, the
         rate-limit headers), so both put the same bytes on the wire (one floor per batch
         size; ``--bare-floor``: the body with Content-Type only, as before 2026-12-06);
* prism  ``prism mock -d`` (dynamic: json-schema-faker builds each answer from the
         schema) serving the effective contract, written to a temp file.

For batches of 1, 10 and 100 inputs (ids of unarchived tickets, so the twin answers
200), each server gets a warm-up run, then a measured run of ``--duration`` seconds with
``--connections`` connections. Everything is in one run so the ratios compare like with
like: the servers' order alternates between rounds, each round's twin/floor ratio is
printed, and the verdict is the median of those paired ratios; beside it, each
server's CPU per request (user + system from ``/proc`` while wrk drove it), which moves
less with other load on the machine. Targets: twin >= 0.6x the floor's requests/s for
1-input reads and >= 0.3x for 100-input reads (issue 13), and >= 10x Prism's for
1-input reads (issue 6).

Needs wrk (``apt-get install -y wrk``) and Prism (``npm install --prefix bench/.node
@stoplight/prism-cli``; installed there automatically when npm is present). ``--profile``
adds, after the measurements, a py-spy run on the twin (needs py-spy in this Python's
environment: ``pip install py-spy``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as c

PRISM_PACKAGE = "@stoplight/prism-cli"
NODE_PREFIX = c.BENCH / ".node"
PRISM_BIN = NODE_PREFIX / "node_modules" / ".bin" / "prism"
LUA = c.BENCH / "wrk_post.lua"
SIZES = (1, 10, 100)
# Shares of the served twin's py-spy samples whose stack holds a matching frame.
TWIN_BUCKETS = {
    "Twin.handle (the twin itself)": ("handle (", "tickets_contract/twin/twin.py"),
    "  format_instant (timestamps of each result)": ("format_instant (",),
    "  json encoding of the answer": ("encode_json (",),
    "  reading the input (parse_json + read_batch_input)": ("_batch_read (", "twin.py"),
    "  building snapshots (generator replay)": ("snapshot (", "generator.py"),
    "  render (results)": ("render (", "projection.py"),
    "starlette (routing, middleware)": ("starlette/",),
    "uvicorn (protocol, httptools or h11)": ("uvicorn/protocols",),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--threads", type=int, default=1, help="wrk threads (default 1: the other core serves)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="repeat the whole matrix; the median round is reported",
    )
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="batch sizes, comma separated (default 1,10,100)",
    )
    parser.add_argument("--store-size", type=int, default=1000, help="tickets in the twin")
    parser.add_argument("--no-prism", action="store_true", help="skip Prism")
    parser.add_argument(
        "--bare-floor",
        action="store_true",
        help="the floor answers the body with Content-Type only, not the twin's header lines "
        "(the method before 2026-12-06)",
    )
    parser.add_argument(
        "--no-twin-serve",
        action="store_true",
        help="skip the twin served by the project's own run_server",
    )
    parser.add_argument(
        "--prism-mode",
        choices=["dynamic", "static", "both"],
        default="dynamic",
        help="prism mock -d (dynamic, default) or without -d (static examples)",
    )
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="do not npm-install Prism into bench/.node when it is missing",
    )
    parser.add_argument(
        "--loop", default="auto", help="uvicorn loop for twin and floor (auto: uvloop)"
    )
    parser.add_argument(
        "--http", default="auto", help="uvicorn HTTP implementation for both (auto: httptools)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="afterwards, profile the twin with py-spy under the same load",
    )
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    sizes = [int(part) for part in args.sizes.split(",") if part]

    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed. Install it with:  apt-get install -y wrk", file=sys.stderr)
        return 2
    prism_modes = (
        []
        if args.no_prism
        else (["dynamic", "static"] if args.prism_mode == "both" else [args.prism_mode])
    )
    if prism_modes and not _ensure_prism(install=not args.no_install):
        return 2

    from tickets_contract.spec.contract import ContractKind, Portal, build_contract
    from tickets_contract.twin import (
        DEMO_TOKEN,
        UNIQUE_PROPERTY,
        TicketStore,
        Twin,
        TwinConfig,
        TwinRequest,
    )

    c.banner(
        "http_throughput: twin vs floor vs Prism over HTTP, driven by wrk",
        ("starlette", "uvicorn", "h11", "httptools", "uvloop", "orjson"),
    )
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout
    print(f"   {wrk_version.splitlines()[0] if wrk_version else 'wrk ?'}")
    if prism_modes:
        prism_version = subprocess.run(
            [str(PRISM_BIN), "--version"], capture_output=True, text=True
        ).stdout.strip()
        node_version = subprocess.run(
            ["node", "--version"], capture_output=True, text=True
        ).stdout.strip()
        print(f"   prism {prism_version}, node {node_version}")
    print(
        f"   wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
        f"(+{args.warmup}s warm-up), {args.rounds} round(s); uvicorn: 1 worker, "
        f"no access log, loop={args.loop}, http={args.http}"
    )

    tmp = Path(tempfile.mkdtemp(prefix="bench-http-"))
    try:
        store = TicketStore.generate(seed=0, size=args.store_size)
        ids = c.readable_ids(store, max(sizes))
        bodies: dict[int, Path] = {}
        for size in sizes:
            bodies[size] = tmp / f"body-{size}.json"
            bodies[size].write_bytes(c.batch_body(ids[:size]))

        # Each floor returns the twin's own answer to the read it gets: same bytes out.
        twin = Twin(config=TwinConfig(seed=0, size=args.store_size))
        floor_bodies: dict[int, Path] = {}
        floor_headers: dict[int, Path] = {}
        for size in sizes:
            answer = twin.handle(
                TwinRequest(
                    method="POST",
                    path=c.BATCH_READ_PATH,
                    query=(),
                    headers={
                        "authorization": f"Bearer {DEMO_TOKEN}",
                        "content-type": "application/json",
                    },
                    body=bodies[size].read_bytes(),
                )
            )
            floor_bodies[size] = tmp / f"floor-answer-{size}.json"
            floor_bodies[size].write_bytes(answer.body)
            # Content-Length is the floor's framework's to write, as it is the twin's.
            lines = [[k, v] for k, v in answer.headers if k.lower() != "content-length"]
            floor_headers[size] = tmp / f"floor-headers-{size}.json"
            floor_headers[size].write_text(json.dumps(lines))

        spec = tmp / "effective.openapi.yaml"
        contract = build_contract(
            ContractKind.EFFECTIVE,
            portal=Portal(unique_properties=("hs_object_id", UNIQUE_PROPERTY)),
        )
        spec.write_text(contract.to_yaml(), encoding="utf-8")

        with contextlib.ExitStack() as stack:
            servers: dict[str, c.Server] = {}
            floors: dict[int, c.Server] = {}

            def floor_options(size: int) -> dict[str, str]:
                options = {"body": str(floor_bodies[size]), "loop": args.loop, "http": args.http}
                if not args.bare_floor:
                    options["headers"] = str(floor_headers[size])
                return options

            for size in sizes:
                floors[size] = stack.enter_context(
                    c.child_server(
                        f"floor-{size}",
                        c.server_argv("floor", **floor_options(size)),
                        log=tmp / f"floor-{size}.log",
                    )
                )
            servers["floor"] = floors[min(sizes)]
            servers["twin"] = stack.enter_context(
                c.child_server(
                    "twin",
                    c.server_argv("twin", size=args.store_size, loop=args.loop, http=args.http),
                    log=tmp / "twin.log",
                )
            )
            if not args.no_twin_serve:
                servers["twin-serve"] = stack.enter_context(
                    c.child_server(
                        "twin-serve",
                        c.server_argv("twin-serve", size=args.store_size),
                        log=tmp / "twin-serve.log",
                    )
                )
            for mode in prism_modes:
                name = "prism" if mode == "dynamic" and len(prism_modes) == 1 else f"prism-{mode}"
                port = c.free_port()
                argv = [
                    str(PRISM_BIN),
                    "mock",
                    *(["-d"] if mode == "dynamic" else []),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-v",
                    "error",
                    str(spec),
                ]
                print(f"   {name}: {' '.join(['prism', *argv[1:-1], '<effective.yaml>'])}")
                servers[name] = stack.enter_context(
                    c.child_server(
                        name,
                        argv,
                        log=tmp / f"{name}.log",
                        port=port,
                        timeout=90,
                    )
                )

            headers = {"Authorization": f"Bearer {DEMO_TOKEN}", "Content-Type": "application/json"}
            print("\nsanity check (one request each):")
            for name, server in servers.items():
                for size in sizes:
                    base_url = floors[size].base_url if name == "floor" else server.base_url
                    status, body = c.post(
                        base_url + c.BATCH_READ_PATH, bodies[size].read_bytes(), headers
                    )
                    results = _result_count(body)
                    print(
                        f"   {name:<13} {size:>3} inputs -> {status}, {len(body):>6} bytes, "
                        f"{results} results"
                    )
                    if not 200 <= status < 300:
                        print(f"   {name} answered {status}: {body[:300]!r}", file=sys.stderr)
                        return 1

            rounds: list[dict[tuple[str, int], dict[str, Any]]] = []
            for number in range(1, args.rounds + 1):
                print(f"\nround {number}/{args.rounds}:")
                results: dict[tuple[str, int], dict[str, Any]] = {}
                # Alternated: the floor first in odd rounds, last in even ones, so that
                # neither side always runs while the machine's load rises or falls.
                order = list(servers.items())
                if number % 2 == 0:
                    order.reverse()
                for size in sizes:
                    for name, server in order:
                        target = floors[size] if name == "floor" else server
                        url = target.base_url + c.BATCH_READ_PATH
                        if args.warmup:
                            _wrk(wrk, url, bodies[size], DEMO_TOKEN, args, args.warmup)
                        cpu_before = c.process_cpu_seconds(target.pid)
                        result = _wrk(wrk, url, bodies[size], DEMO_TOKEN, args, args.duration)
                        cpu_after = c.process_cpu_seconds(target.pid)
                        result["cpu_ms_per_request"] = (
                            None
                            if cpu_before is None or cpu_after is None
                            else (cpu_after - cpu_before) * 1000 / max(1, result["requests"])
                        )
                        results[(name, size)] = result
                        cpu = result["cpu_ms_per_request"]
                        print(
                            f"   {name:<13} {size:>3} inputs: {result['rps']:>9.1f} req/s  "
                            f"p50 {result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms"
                            f"  errors {result['errors_total']}"
                            + ("" if cpu is None else f"  server CPU {cpu:.3f} ms/req")
                        )
                rounds.append(results)

            final = _median_round(rounds)
            _report(final, list(servers), sizes, args)
            _paired_ratios(rounds, sizes, bare_floor=args.bare_floor)

            if args.profile:
                _profile(servers["twin"], wrk, bodies, sizes, DEMO_TOKEN, args, tmp)

        if args.json:
            args.json.write_text(
                json.dumps(
                    {f"{name}/{size}": value for (name, size), value in final.items()}, indent=2
                )
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.reproduce()
    return 0


def _ensure_prism(*, install: bool) -> bool:
    if PRISM_BIN.exists():
        return True
    command = f"npm install --prefix {NODE_PREFIX.relative_to(c.REPO)} {PRISM_PACKAGE}"
    if install and shutil.which("npm"):
        print(f"Prism is missing; installing it: {command}")
        done = subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(NODE_PREFIX),
                PRISM_PACKAGE,
            ],
            check=False,
        )
        if done.returncode == 0 and PRISM_BIN.exists():
            return True
    print(
        f"Prism is not installed. Install it with:  {command}\n"
        "(or pass --no-prism to measure the twin and the floor only)",
        file=sys.stderr,
    )
    return False


def _wrk(wrk: str, url: str, body: Path, token: str, args: Any, seconds: int) -> dict[str, Any]:
    argv = [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        str(body),
        token,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds_run = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "seconds": seconds_run,
        "rps": raw["requests"] / seconds_run,
        "p50_ms": latency["p50"] / 1000,
        "p90_ms": latency["p90"] / 1000,
        "p99_ms": latency["p99"] / 1000,
        "max_ms": latency["max"] / 1000,
        "errors": raw["errors"],
        "errors_total": sum(raw["errors"].values()),
        "bytes_per_response": raw["bytes"] / max(1, raw["requests"]),
    }


def _median_round(
    rounds: list[dict[tuple[str, int], dict[str, Any]]],
) -> dict[tuple[str, int], dict[str, Any]]:
    """Per (server, size), the round with the median requests/s."""
    final = {}
    for key in rounds[0]:
        ordered = sorted((r[key] for r in rounds), key=lambda result: result["rps"])
        final[key] = ordered[(len(ordered) - 1) // 2]
    return final


def _paired_ratios(
    rounds: list[dict[tuple[str, int], dict[str, Any]]], sizes: list[int], *, bare_floor: bool
) -> None:
    """Twin over floor within each round (measured minutes apart at most), and by CPU.

    requests/s ratio: the target's measure; the two servers of one round ran back to
    back, in alternated order. CPU ratio: the floor's server CPU per request over the
    twin's (user + system of the server process while wrk drove it): what each request
    costs the server whatever else runs, so it moves less with the machine's load.
    """
    print("\ntwin/floor per round (requests/s; server CPU per request, floor/twin):")
    for size in sizes:
        by_rps = [r[("twin", size)]["rps"] / r[("floor", size)]["rps"] for r in rounds]
        cpu = [
            r[("floor", size)]["cpu_ms_per_request"] / r[("twin", size)]["cpu_ms_per_request"]
            for r in rounds
            if r[("floor", size)]["cpu_ms_per_request"] and r[("twin", size)]["cpu_ms_per_request"]
        ]
        text = ", ".join(f"{ratio:.2f}x" for ratio in by_rps)
        line = f"   {size:>3} inputs: req/s {text} (median {statistics.median(by_rps):.2f}x)"
        if cpu:
            each = ", ".join(f"{ratio:.2f}x" for ratio in cpu)
            line += f"; CPU {each} (median {statistics.median(cpu):.2f}x)"
        print(line)
    if bare_floor:
        # Fewer header lines than the twin's answer: not the "same bytes".
        print("\nagainst the bare floor (--bare-floor; not the same bytes, not the targets):")
    else:
        print("\ntargets (median of the per-round twin/floor requests/s, the same bytes):")
    # Issue 13's targets are for 1-input (0.6x) and 100-input (0.3x) reads; a run without
    # either size prints no verdict for it.
    for size, target in ((1, 0.6), (100, 0.3)):
        if size not in sizes:
            continue
        ratio = statistics.median(
            r[("twin", size)]["rps"] / r[("floor", size)]["rps"] for r in rounds
        )
        verdict = "MET" if ratio >= target else "MISSED"
        print(f"   {size}-input reads: twin/floor {ratio:.2f}x (target >= {target}) -> {verdict}")


def _report(
    results: dict[tuple[str, int], dict[str, Any]], names: list[str], sizes: list[int], args: Any
) -> None:
    print(
        f"\nresults ({args.connections} connections, {args.duration} s per run"
        f"{', median of ' + str(args.rounds) + ' rounds' if args.rounds > 1 else ''}):"
    )
    print(
        f"   {'server':<13} {'inputs':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'bytes/resp':>10} {'errors':>6}"
    )
    for size in sizes:
        for name in names:
            r = results[(name, size)]
            print(
                f"   {name:<13} {size:>6} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} "
                f"{r['p99_ms']:>8.2f} {r['bytes_per_response']:>10.0f} {r['errors_total']:>6}"
            )
    print("\nratios of the median rounds (requests/s):")
    twins = [name for name in names if name.startswith("twin")]
    prisms = [name for name in names if name.startswith("prism")]
    for size in sizes:
        parts = []
        for twin_name in twins:
            twin = results[(twin_name, size)]["rps"]
            parts.append(f"{twin_name}/floor {twin / results[('floor', size)]['rps']:.2f}x")
            parts += [
                f"{twin_name}/{name} {twin / results[(name, size)]['rps']:.1f}x" for name in prisms
            ]
        print(f"   {size:>3} inputs: " + ", ".join(parts))
    smallest, largest = min(sizes), max(sizes)
    twin = results[("twin", smallest)]["rps"]
    prism_name = next((n for n in names if n in ("prism", "prism-dynamic")), None)
    if prism_name:
        prism_ratio = twin / results[(prism_name, smallest)]["rps"]
        print(
            f"   twin >= 10x Prism (dynamic), {smallest}-input reads: {prism_ratio:.1f}x -> "
            f"{'MET' if prism_ratio >= 10 else 'MISSED'}"
        )
    if "twin-serve" in names:
        shares = {
            size: results[("twin-serve", size)]["rps"] / results[("floor", size)]["rps"]
            for size in (smallest, largest)
        }
        text = ", ".join(f"{size} inputs {share:.2f}x" for size, share in shares.items())
        print(f"   (twin-serve, the project's run_server, over the floor: {text})")


def _profile(
    twin: c.Server,
    wrk: str,
    bodies: dict[int, Path],
    sizes: list[int],
    token: str,
    args: Any,
    tmp: Path,
) -> None:
    py_spy = c.tool_path("py-spy")
    if py_spy is None:
        print("\n--profile needs py-spy: pip install py-spy", file=sys.stderr)
        return
    for size in (min(sizes), max(sizes)):
        out = tmp / f"twin-{size}.collapsed"
        spy = subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(twin.pid),
                "--duration",
                str(args.duration),
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                str(out),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            time.sleep(0.5)
            _wrk(wrk, twin.base_url + c.BATCH_READ_PATH, bodies[size], token, args, args.duration)
            spy.wait(timeout=args.duration + 30)
        finally:
            if spy.poll() is None:
                spy.kill()
                spy.wait()
        print(f"\nprofile of the twin under wrk, {size}-input reads (py-spy, 200 Hz):")
        if out.exists():
            for line in c.collapsed_shares(out, TWIN_BUCKETS):
                print(f"   {line}")
            for line in c.summarize_collapsed(out):
                print(f"   {line}")
            keep = c.OUT
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(out, keep / out.name)
            print(f"   (collapsed stacks kept in {(keep / out.name).relative_to(c.REPO)})")
        else:
            print(f"   py-spy wrote nothing: {spy.stderr.read() if spy.stderr else ''}")


def _result_count(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return "?"
    results = data.get("results") if isinstance(data, dict) else None
    return str(len(results)) if isinstance(results, list) else "?"


if __name__ == "__main__":
    sys.exit(main())
