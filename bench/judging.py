"""Question 4: how long does judging one 100-result response take?

    python bench/judging.py [--iterations 200] [--profile]

Records one answer of the twin to a 100-input read by id (status 200, 100 results,
~50 kB), through the twin's ASGI app exactly as the suite sends it (``Case.call``), then
times, in-process with ``time.perf_counter_ns``, on a fresh copy of the recorded
response each call (schemathesis caches the parsed body on a response):

* ``built-in checks``  ``judges.check_exchange(case, response, excluded_checks=...)`` with the
  suite's exclusions (``judges.excluded_check_functions()``): the schema checks;
* ``built-in + invariants``  the same with ``additional_checks=INVARIANTS``: what
  ``Judge.judge`` runs for each exchange (when ``tickets_contract.judging.invariants`` exists;
  without it, schema checks only);
* each check alone (``checks=[check]``), built-in and invariant, to see which ones cost.
  ``ignored_auth`` sends the request again without credentials (here to the in-process
  twin, through schemathesis' ASGI transport); a case built by hand carries no
  generation metadata, so ``negative_data_rejection`` and the like have nothing to do;
* for scale: ``json.loads`` of the body, and a pure-Python ``OAS30Validator``
  (openapi-schema-validator, what judges.py uses for request bodies) over the parsed
  body against the response schema. schemathesis itself validates with jsonschema_rs.

Cases are timed round-robin (one call of each in turn), so that other work on the
machine weighs on all of them alike. The relations (follow-up reads a judge may send)
are not timed here; bench/gate.py measures them inside whole gate runs. ``--profile``
adds a pyinstrument profile of the whole judging (needs ``pip install pyinstrument``).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import _common as c


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=200, help="timed calls per case")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls per case first")
    parser.add_argument("--inputs", type=int, default=100, help="results in the response")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="pyinstrument profile of the full judging of the response",
    )
    args = parser.parse_args(argv)

    from schemathesis.checks import CHECKS, load_all_checks

    from tickets_contract.judging.judges import check_exchange, excluded_check_functions
    from tickets_contract.spec.contract import BATCH_READ_PATH, ContractKind, build_contract
    from tickets_contract.targets import parse_target

    c.banner(
        "judging: time to judge one recorded 100-result response",
        ("schemathesis", "jsonschema", "openapi-schema-validator"),
    )

    # The suite's own objects: target, contract and schema as the plugin builds them.
    target = parse_target("twin")
    contract = build_contract(ContractKind.EFFECTIVE, portal=target.portal)
    schema = target.bind(contract.schemathesis_schema())
    operation = schema[BATCH_READ_PATH]["POST"]
    store = target.app.state.twin.store
    ids = c.readable_ids(store, args.inputs)
    case = operation.Case(
        body=json.loads(c.batch_body(ids)),
        headers={"Authorization": f"Bearer {target.token}"},
        media_type="application/json",
    )
    response = case.call()
    results = len(response.json().get("results", []))
    print(
        f"   recorded: status {response.status_code}, {len(response.content):,} bytes, "
        f"{results} results"
    )
    if response.status_code != 200 or results != args.inputs:
        print("   the recorded response is not a full 200; stopping", file=sys.stderr)
        return 1

    excluded = excluded_check_functions()
    load_all_checks()
    invariants = _invariants()
    failures: dict[str, str] = {}

    def judge(
        label: str, checks: list[Any] | None, additional: list[Any] | None = None
    ) -> Callable[[], None]:
        def run() -> None:
            # A fresh Response each time: schemathesis caches the parsed body on it.
            group = check_exchange(
                case,
                _fresh(response),
                checks=checks,
                additional_checks=additional or (),
                excluded_checks=excluded,
            )
            if group is not None:
                failures.setdefault(label, type(group).__name__)

        return run

    n, w = args.iterations, args.warmup
    cases: dict[str, Callable[[], Any]] = {}
    builtin = "built-in checks (schema checks)"
    cases[builtin] = judge(builtin, None)
    full = builtin
    if invariants:
        full = "built-in + invariants (as Judge.judge)"
        cases[full] = judge(full, None, invariants)
        label = "invariants alone"
        cases[label] = judge(label, invariants)
    body = response.content
    cases["json.loads of the body"] = lambda: json.loads(body)
    validator = _response_validator(contract.document)
    parsed = json.loads(body)
    cases["OAS30Validator over the parsed body"] = lambda: validator.validate(parsed)
    timings = _time_interleaved(cases, n, w)

    each = max(20, n // 4)
    singles: dict[str, Callable[[], Any]] = {}
    for check in [*CHECKS.get_all(), *invariants]:
        if not callable(check) or isinstance(check, type) or check in excluded:
            continue
        label = check.__name__ + (" (invariant)" if check in invariants else "")
        singles[label] = judge(label, [check])
    per_check = _time_interleaved(singles, each, 3)

    print(f"\ntimings ({n} timed calls after {w} warm-up; ms):")
    print(f"   {'what':<44} {'p50':>8} {'p90':>8} {'mean':>8}")
    for label, t in timings.items():
        print(f"   {label:<44} {t['p50_ms']:>8.3f} {t['p90_ms']:>8.3f} {t['mean_ms']:>8.3f}")
    print(f"\neach check alone ({each} calls each; ms; validate_response with checks=[check]):")
    for label, t in sorted(per_check.items(), key=lambda kv: -kv[1]["p50_ms"]):
        print(f"   {label:<44} {t['p50_ms']:>8.3f} {t['p90_ms']:>8.3f} {t['mean_ms']:>8.3f}")
    if failures:
        print(f"\nnote: these raised (the recorded exchange is judged non-conforming): {failures}")
    if not invariants:
        print("\nnote: tickets_contract.judging.invariants is not there: schema checks only")

    whole = timings[full]["p50_ms"]
    parse = timings["json.loads of the body"]["p50_ms"]
    bare = timings["OAS30Validator over the parsed body"]["p50_ms"]
    schema_check = per_check.get("response_schema_conformance", {}).get("p50_ms", 0.0)
    probe = per_check.get("ignored_auth", {}).get("p50_ms", 0.0)
    print(f"\nratios (p50 of {full!r}):")
    print(f"   / json.loads of the body: {whole / parse:.1f}x")
    print(
        f"   share of ignored_auth (re-sends the request without credentials): {probe / whole:.0%}"
    )
    print(f"   share of response_schema_conformance: {schema_check / whole:.0%}")
    if invariants:
        added = whole - timings[builtin]["p50_ms"]
        print(f"   added by the invariants: {added:.3f} ms ({added / whole:.0%} of the judging)")
    print(
        f"   pure-Python OAS30Validator over the body / the whole judging: {bare / whole:.1f}x "
        "(schemathesis validates with jsonschema_rs)"
    )
    print(
        f"   judging throughput: {1000 / whole:.0f} responses/s, "
        f"{1000 * args.inputs / whole:,.0f} results/s"
    )

    if args.profile:
        _profile(judge(full, None, invariants or None), full)
    c.reproduce()
    return 0


def _invariants() -> list[Any]:
    """The semantic invariants, when the package has them (tickets_contract.judging.invariants)."""
    try:
        from tickets_contract.judging.invariants import INVARIANTS
    except ImportError:
        return []
    return list(INVARIANTS)


def _fresh(response: Any) -> Any:
    """A copy of ``response`` with nothing parsed or cached yet."""
    return type(response)(
        status_code=response.status_code,
        headers={key: list(values) for key, values in response.headers.items()},
        content=bytes(response.content),
        request=response.request,
        elapsed=response.elapsed,
        verify=response.verify,
        message=response.message,
        http_version=response.http_version,
        encoding=response.encoding,
    )


def _response_validator(document: Any) -> Any:
    from openapi_schema_validator import OAS30Validator

    from tickets_contract.spec.contract import BATCH_READ_METHOD, BATCH_READ_PATH

    operation = document["paths"][BATCH_READ_PATH][BATCH_READ_METHOD.lower()]
    content = operation["responses"]["200"]["content"]
    media = next(iter(content.values()))
    schema = {**media["schema"], "components": document["components"]}
    return OAS30Validator(schema)


def _time_interleaved(
    cases: dict[str, Callable[[], Any]], iterations: int, warmup: int
) -> dict[str, dict[str, float]]:
    """Time every case ``iterations`` times, round-robin, so that whatever else the
    machine does at a moment weighs on all cases alike."""
    for _ in range(warmup):
        for function in cases.values():
            function()
    gc.collect()
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(iterations):
        for label, function in cases.items():
            started = time.perf_counter_ns()
            function()
            times[label].append((time.perf_counter_ns() - started) / 1e6)
    return {
        label: {
            "p50_ms": c.median(values),
            "p90_ms": c.percentile(values, 90),
            "mean_ms": sum(values) / len(values),
        }
        for label, values in times.items()
    }


def _profile(function: Callable[[], None], label: str) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("--profile needs pyinstrument: pip install pyinstrument", file=sys.stderr)
        return
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(50):
        function()
    profiler.stop()
    print(f"\nprofile: 50 judgings ({label}) of the recorded response (pyinstrument)")
    for line in c.pyinstrument_summary(profiler):
        print(f"   {line}")
    c.OUT.mkdir(parents=True, exist_ok=True)
    html = c.OUT / "judging.html"
    html.write_text(profiler.output_html(), encoding="utf-8")
    print(f"   (full profile: {html.relative_to(c.REPO)})")


if __name__ == "__main__":
    sys.exit(main())
