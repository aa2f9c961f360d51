"""The ``tickets-contract`` command.

    tickets-contract run      run the conformance gate (pytest + schemathesis)
    tickets-contract serve    serve the twin over HTTP on loopback
    tickets-contract spec     print the published or the effective contract
    tickets-contract discover find known records on a target (read-only)
    tickets-contract record   record the scenario corpus into cassettes (scrubbed)
    tickets-contract quirks   render the quirks page (docs/QUIRKS.md) from the ledger
    tickets-contract diff     classify the changes between two versions of the spec

Exit codes: 0 success; 1 the gate found a failure or deviation; 2 a usage error on the
command line; 3 a safety guard refused a request; 4 a malformed input (spec, ledger,
configuration). Errors print one message naming the file, the place and the fix, never
a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tickets_contract.errors import ConfigError, ContractError, InputError, SafetyError
from tickets_contract.files import write_atomically

__all__ = ["EXIT_DEVIATION", "EXIT_INPUT", "EXIT_OK", "EXIT_SAFETY", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_DEVIATION = 1
EXIT_USAGE = 2
EXIT_SAFETY = 3
EXIT_INPUT = 4


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "run":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        code: int = args.handler(args, extra)
    except SafetyError as exc:
        print(f"tickets-contract: refused: {exc}", file=sys.stderr)
        return EXIT_SAFETY
    except InputError as exc:
        print(f"tickets-contract: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except ContractError as exc:  # pragma: no cover - every subclass is handled above
        print(f"tickets-contract: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tickets-contract",
        description="Contract tests, a local twin and a quirks ledger for HubSpot's "
        "POST /crm/v3/objects/tickets/batch/read.",
        epilog="Exit codes: 0 ok, 1 deviation found, 2 usage, 3 refused for safety, "
        "4 malformed input.",
    )
    parser.add_argument(
        "--version", action="version", version=f"tickets-contract {_version()}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the conformance gate",
        description="Generate requests from the contract with schemathesis, send them to "
        "the target and judge every answer. Arguments after the options go to pytest.",
    )
    run.add_argument(
        "--target",
        default="twin",
        help="twin (in-process, default), live (api.hubapi.com, token in "
        "HUBSPOT_ACCESS_TOKEN) or an http(s) base URL",
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="judge against the published contract alone and list every quirk as a deviation",
    )
    run.add_argument(
        "--profile",
        choices=["dev", "ci", "thorough"],
        help="Hypothesis profile (default: ci when CI is set, else dev)",
    )
    run.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="a host besides api.hubapi.com and loopback that may get the token",
    )
    run.add_argument(
        "--unique-property",
        action="append",
        default=[],
        metavar="NAME",
        help="a unique-value property of the target portal (usable as idProperty)",
    )
    # Named as schemathesis' `st run` names them: --seed is the generation seed,
    # --max-examples the example count. `-n` is not st's example count: arguments this
    # command does not know go to pytest, where -n is pytest-xdist's worker count
    # (--workers says so explicitly).
    run.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="generation seed: the summary prints the one a run used; passing it replays "
        "that run's requests (default: a new one, or derandomized under CI)",
    )
    run.add_argument(
        "--max-examples",
        type=int,
        metavar="N",
        help="examples per test in the fuzzing phase (default: the profile's)",
    )
    run.add_argument(
        "--checks",
        metavar="LIST",
        help="run only these checks, comma-separated (schemathesis' built-in checks and the "
        "invariants and relations by name; default: all)",
    )
    run.add_argument("--exclude-checks", metavar="LIST", help="skip these checks, comma-separated")
    run.add_argument(
        "--workers",
        metavar="N",
        help="pytest-xdist worker processes, a number or auto (the same as pytest's -n); "
        "verdicts and the summary are those of a serial run",
    )
    run.add_argument(
        "--cassette-dir",
        type=Path,
        metavar="DIR",
        help="the cassettes whose scenarios the quirk probe sends (default: the corpus "
        "shipped with the package; `tickets-contract record` writes tests/cassettes)",
    )
    run.add_argument(
        "--twin-seed", type=int, default=0, help="seed of the twin's store of tickets (default 0)"
    )
    run.add_argument(
        "--twin-size", type=int, default=1000, help="tickets in the twin's store (default 1000)"
    )
    run.add_argument(
        "--phases",
        default="examples,coverage,fuzzing",
        help="schemathesis phases, comma-separated (default: all three)",
    )
    run.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="TOML with [tool.tickets-contract] (default: ./pyproject.toml if it has one)",
    )
    run.add_argument(
        "--report-dir",
        type=Path,
        metavar="DIR",
        help="write junit.xml, summary.md and exchanges.har (every exchange, secrets "
        "filtered; HAR 1.2) into DIR",
    )
    run.set_defaults(handler=_run)

    serve = commands.add_parser(
        "serve",
        help="serve the twin over HTTP",
        description="Serve the twin with uvicorn and print its base URL and a demo token.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=8000, help="port, 0 for any free one (default 8000)"
    )
    serve.add_argument("--seed", type=int, default=0, help="store seed (default 0)")
    serve.add_argument("--size", type=int, default=1000, help="stored tickets (default 1000)")
    serve.add_argument(
        "--rate-limit-ten-secondly",
        type=int,
        metavar="N",
        help="answer 429 past N requests per rolling 10 s (default off)",
    )
    serve.add_argument(
        "--rate-limit-daily",
        type=int,
        metavar="N",
        help="answer 429 past N requests per day (default off)",
    )
    serve.add_argument(
        "--all-missing-status",
        type=int,
        choices=[207, 404],
        default=207,
        help="status when every input is missing (quirk all-missing-answer)",
    )
    serve.add_argument(
        "--duplicate-ids",
        choices=["dedupe", "reject"],
        default="dedupe",
        help="duplicate inputs: answer once, or 400 (quirk duplicate-ids)",
    )
    serve.set_defaults(handler=_serve)

    discover = commands.add_parser(
        "discover",
        help="find known records on a target, read-only",
        description="List tickets on a target (GET /crm/v3/objects/tickets) and write the "
        "[tool.tickets-contract.records] table that live runs and recordings use.",
    )
    discover.add_argument("--target", default="twin", help="twin, live or a base URL")
    discover.add_argument(
        "--unique-property",
        metavar="NAME",
        help="the portal's unique-value ticket property (default for the twin: its own)",
    )
    discover.add_argument("--count", type=int, default=20, help="records of each kind (default 20)")
    discover.add_argument(
        "--output", type=Path, metavar="FILE", help="write the TOML there instead of stdout"
    )
    discover.add_argument("--force", action="store_true", help="replace an existing --output file")
    discover.add_argument("--allow-host", action="append", default=[], metavar="HOST")
    discover.set_defaults(handler=_discover)

    record = commands.add_parser(
        "record",
        help="record the scenario corpus into cassettes",
        description="Send each scenario's requests to a target, scrub the exchanges and "
        "write one cassette per scenario. Tokens: HUBSPOT_ACCESS_TOKEN, and for the auth "
        "scenarios HUBSPOT_EXPIRED_TOKEN and HUBSPOT_NO_SCOPE_TOKEN (skipped when unset).",
    )
    record.add_argument(
        "--target",
        default="twin",
        help="twin (served over loopback by this command, default), live, or a base URL",
    )
    record.add_argument(
        "--source",
        choices=["live", "twin"],
        help="what answers at a base URL --target (required for one: a cassette always "
        "says where it came from)",
    )
    record.add_argument(
        "--mode",
        choices=["once", "new", "all"],
        default="once",
        help="once: only scenarios without a cassette (default); new: also re-send the "
        "others and show what changed, writing nothing over them; all: re-record and "
        "overwrite what changed",
    )
    record.add_argument(
        "--cassette-dir",
        type=Path,
        default=Path("tests/cassettes"),
        metavar="DIR",
        help="where cassettes are written (default tests/cassettes)",
    )
    record.add_argument(
        "--records",
        type=Path,
        metavar="FILE",
        help="TOML with [tool.tickets-contract.records] (known ticket ids on the target; "
        "`tickets-contract discover` writes it); required for live and base URLs",
    )
    record.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help="record only this scenario (repeatable; default: all)",
    )
    record.add_argument("--allow-host", action="append", default=[], metavar="HOST")
    record.add_argument("--list", action="store_true", help="list the scenarios and exit")
    record.set_defaults(handler=_record)

    quirks = commands.add_parser(
        "quirks",
        help="render the quirks page from the ledger",
        description="Render docs/QUIRKS.md from specs/quirks.yaml and its cassettes.",
    )
    quirks_out = quirks.add_mutually_exclusive_group()
    quirks_out.add_argument("--output", type=Path, metavar="FILE", help="write the page there")
    quirks_out.add_argument(
        "--check",
        type=Path,
        metavar="FILE",
        help="exit 1 when FILE differs from what the ledger renders (a stale page)",
    )
    quirks.add_argument("--ledger", type=Path, help="a ledger other than specs/quirks.yaml")
    quirks.set_defaults(handler=_quirks)

    spec = commands.add_parser(
        "spec",
        help="print a contract as OpenAPI",
        description="Print the published fragment, or the effective contract computed "
        "from it and the quirks ledger. Both are valid OpenAPI 3.0.",
    )
    which = spec.add_mutually_exclusive_group()
    which.add_argument("--effective", action="store_true", help="published + ledger (default)")
    which.add_argument("--published", action="store_true", help="the fragment alone")
    spec.add_argument("--format", choices=["yaml", "json"], default="yaml")
    spec.add_argument(
        "--unique-property",
        action="append",
        default=[],
        metavar="NAME",
        help="unique-value properties of the portal (default: the twin's)",
    )
    spec.add_argument("--fragment", type=Path, help="a fragment other than specs/'s")
    spec.add_argument("--ledger", type=Path, help="a ledger other than specs/quirks.yaml")
    spec.set_defaults(handler=_spec)

    diff = commands.add_parser(
        "diff",
        help="classify the changes between two versions of the spec",
        description="Compare POST /crm/v3/objects/tickets/batch/read in two OpenAPI files "
        "(YAML, or JSON when named .json; our fragment or HubSpot's full tickets spec) and "
        "judge each change breaking or not for a client. Exit 1 when any change breaks.",
    )
    diff.add_argument("old", type=Path, metavar="OLD", help="the version clients were built on")
    diff.add_argument("new", type=Path, metavar="NEW", help="the version to compare with it")
    diff.add_argument(
        "--format",
        choices=["markdown", "json"],
        default="markdown",
        help="report format (default markdown)",
    )
    diff.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the report to FILE, atomically (default stdout)",
    )
    diff.add_argument(
        "--include-docs",
        action="store_true",
        help="also list description and example changes (never breaking)",
    )
    diff.set_defaults(handler=_diff)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hubspot-tickets-contract")
    except PackageNotFoundError:  # pragma: no cover - run from a tree never installed
        return "unknown (not installed)"


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    import pytest

    from tickets_contract.plugin import (
        OPT_ALLOW_HOST,
        OPT_CASSETTE_DIR,
        OPT_CHECKS,
        OPT_CONFIG,
        OPT_CONTRACT,
        OPT_EXCLUDE_CHECKS,
        OPT_MAX_EXAMPLES,
        OPT_PHASES,
        OPT_REPORT_DIR,
        OPT_SEED,
        OPT_TARGET,
        OPT_TWIN_SEED,
        OPT_TWIN_SIZE,
        OPT_UNIQUE_PROPERTY,
    )
    from tickets_contract.settings import load_settings
    from tickets_contract.targets import parse_target

    # Validate settings and target here, so that a bad one is one clear line. ("twin"
    # cannot be wrong, and building one only to check it would cost the start-up time.)
    settings = load_settings(args.config)
    if args.target != "twin":
        parse_target(args.target, allowed_hosts=(*settings.allowed_hosts, *args.allow_host))
    pytest_args = [
        "--pyargs",
        "tickets_contract.suite",
        "-p",
        "no:cacheprovider",
        # This command has imported tickets_contract before pytest loads it as a plugin,
        # so pytest cannot rewrite its asserts; that is expected here, not a problem.
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        OPT_TARGET,
        args.target,
        OPT_CONTRACT,
        "published" if args.strict else "effective",
        OPT_TWIN_SEED,
        str(args.twin_seed),
        OPT_TWIN_SIZE,
        str(args.twin_size),
    ]
    for host in args.allow_host:
        pytest_args += [OPT_ALLOW_HOST, host]
    for name in args.unique_property:
        pytest_args += [OPT_UNIQUE_PROPERTY, name]
    if args.profile:
        pytest_args += ["--hypothesis-profile", args.profile]
    if args.config:
        pytest_args += [OPT_CONFIG, str(args.config)]
    pytest_args += [OPT_PHASES, args.phases]
    if args.report_dir:
        pytest_args += [OPT_REPORT_DIR, str(args.report_dir)]
    if args.seed is not None:
        pytest_args += [OPT_SEED, str(args.seed)]
    if args.max_examples is not None:
        pytest_args += [OPT_MAX_EXAMPLES, str(args.max_examples)]
    if args.checks is not None:
        pytest_args += [OPT_CHECKS, args.checks]
    if args.exclude_checks is not None:
        pytest_args += [OPT_EXCLUDE_CHECKS, args.exclude_checks]
    if args.workers is not None:
        pytest_args += ["-n", args.workers]
    if args.cassette_dir is not None:
        pytest_args += [OPT_CASSETTE_DIR, str(args.cassette_dir)]
    code = int(pytest.main([*pytest_args, *extra]))
    if code == 0:
        return EXIT_OK
    if code == 4:
        return EXIT_INPUT
    return EXIT_DEVIATION


def _serve(args: argparse.Namespace, extra: list[str]) -> int:
    from tickets_contract.twin import DEMO_TOKEN, Twin, TwinConfig, run_server

    config = TwinConfig(
        seed=args.seed,
        size=args.size,
        rate_limit_ten_secondly=args.rate_limit_ten_secondly,
        rate_limit_daily=args.rate_limit_daily,
        all_missing_status=args.all_missing_status,
        duplicate_ids=args.duplicate_ids,
    )

    def ready(base_url: str) -> None:
        print(f"twin serving {args.size} tickets (seed {args.seed}) at {base_url}")
        print(f"demo token:  {DEMO_TOKEN}")
        print(f"try:         HUBSPOT_ACCESS_TOKEN={DEMO_TOKEN} \\")
        print(f"             tickets-contract run --target {base_url}")
        sys.stdout.flush()

    try:
        run_server(Twin(config=config), host=args.host, port=args.port, on_ready=ready)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a user stops the server: uvicorn has already shut down.
    return EXIT_OK


def _discover(args: argparse.Namespace, extra: list[str]) -> int:
    from contextlib import ExitStack

    from tickets_contract.discovery import discover
    from tickets_contract.settings import render_records
    from tickets_contract.targets import HttpTarget, parse_target

    if args.output is not None and args.output.exists() and not args.force:
        raise ConfigError(
            source="--output",
            where=str(args.output),
            problem="exists already; discovery never overwrites a file unasked",
            fix="choose another file, or pass --force to replace it",
        )
    with ExitStack() as stack:
        unique = args.unique_property
        if args.target == "twin":
            from tickets_contract.twin import DEMO_TOKEN, UNIQUE_PROPERTY, Twin, serve_in_thread

            base_url = stack.enter_context(serve_in_thread(Twin()))
            target = parse_target(base_url, environ={"HUBSPOT_ACCESS_TOKEN": DEMO_TOKEN})
            unique = unique or UNIQUE_PROPERTY
        else:
            target = parse_target(args.target, allowed_hosts=args.allow_host)
        assert isinstance(target, HttpTarget)
        records = discover(
            target.session(),
            target.base_url,
            target.token,
            unique_property=unique,
            count=args.count,
        )
    text = render_records(
        records, comment=f"Known records discovered on {args.target} by tickets-contract discover."
    )
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_atomically(args.output, text)
        print(
            f"{len(records.ids)} live and {len(records.archived_ids)} archived tickets "
            f"written to {args.output}"
        )
    return EXIT_OK


def _record(args: argparse.Namespace, extra: list[str]) -> int:
    from tickets_contract.cassettes import (
        SCENARIOS,
        OutcomeStatus,
        Recorder,
        RecordMode,
        SourceKind,
        http_recording_target,
        scenario_named,
        twin_recording_target,
    )
    from tickets_contract.cassettes.diff import render_changes
    from tickets_contract.settings import load_records
    from tickets_contract.targets import LIVE_BASE_URL

    if args.list:
        for scenario in SCENARIOS:
            live = "" if scenario.live is None else "  (not recordable live)"
            print(f"{scenario.name:30} {', '.join(scenario.quirks)}{live}")
        return EXIT_OK
    unknown = [name for name in args.scenario if scenario_named(name) is None]
    if unknown:
        raise ConfigError(
            source="--scenario",
            where=unknown[0],
            problem="is not a scenario of the corpus",
            fix="choose one of `tickets-contract record --list`",
        )
    chosen = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    if args.target == "twin":
        target = twin_recording_target()
    else:
        base_url = LIVE_BASE_URL if args.target == "live" else args.target
        source = "live" if args.target == "live" else args.source
        if source is None:
            raise ConfigError(
                source="--source",
                where=args.target,
                problem="is missing: a base URL may be HubSpot behind a proxy or a twin",
                fix="say which with --source live or --source twin",
            )
        if args.records is None:
            raise ConfigError(
                source="--records",
                where=args.target,
                problem="is missing: the scenarios need ticket ids that exist on the target",
                fix="run `tickets-contract discover --target ... --output records.toml` and "
                "pass --records records.toml",
            )
        target = http_recording_target(
            base_url,
            kind=SourceKind(source),
            records=load_records(args.records),
            allowed_hosts=args.allow_host,
        )
    outcomes = Recorder(target, args.cassette_dir, RecordMode(args.mode)).record(chosen)
    for outcome in outcomes:
        print(f"{outcome.status.value:9} {outcome.scenario:30} {outcome.detail}")
        if outcome.changes:
            print(render_changes(outcome.changes))
    print(
        f"cassettes are in {args.cassette_dir}; `tickets-contract run --cassette-dir "
        f"{args.cassette_dir}` probes a target with them (run alone uses the shipped corpus)"
    )
    drifted = any(o.status is OutcomeStatus.DRIFTED for o in outcomes)
    return EXIT_DEVIATION if drifted else EXIT_OK


def _quirks(args: argparse.Namespace, extra: list[str]) -> int:
    from tickets_contract.cassettes import corpus_dir
    from tickets_contract.contract import LEDGER_NAME, specs_dir
    from tickets_contract.ledger import load_ledger
    from tickets_contract.ledger_page import read_cassette_header, render_page

    def read_cassette(path: Path) -> Any:
        # The ledger cites cassettes as tests/cassettes/NAME.yaml of the repository; an
        # installed package carries them in its corpus.
        return read_cassette_header(path if path.is_file() else corpus_dir() / path.name)

    ledger = load_ledger(args.ledger or specs_dir() / LEDGER_NAME)
    page = render_page(ledger, root=specs_dir().parent, read_cassette=read_cassette)
    if args.check is not None:
        current = args.check.read_text(encoding="utf-8") if args.check.is_file() else ""
        if current != page:
            print(
                f"tickets-contract: {args.check} is stale: it differs from what "
                f"{ledger.path} renders.\n  fix: tickets-contract quirks --output {args.check}",
                file=sys.stderr,
            )
            return EXIT_DEVIATION
        print(f"{args.check} is up to date")
        return EXIT_OK
    if args.output is not None:
        write_atomically(args.output, page)
        print(f"{len(ledger.quirks)} quirks written to {args.output}")
    else:
        sys.stdout.write(page)
    return EXIT_OK


def _spec(args: argparse.Namespace, extra: list[str]) -> int:
    from tickets_contract.contract import ContractKind, Portal, build_contract

    kind = ContractKind.PUBLISHED if args.published else ContractKind.EFFECTIVE
    unique = tuple(args.unique_property)
    if not unique and kind is ContractKind.EFFECTIVE:
        from tickets_contract.twin import UNIQUE_PROPERTY

        unique = (UNIQUE_PROPERTY,)
    contract = build_contract(
        kind,
        fragment_path=args.fragment,
        ledger_path=args.ledger,
        portal=Portal(unique_properties=("hs_object_id", *unique)),
    )
    if args.format == "json":
        sys.stdout.write(json.dumps(contract.document, indent=2) + "\n")
    else:
        sys.stdout.write(contract.to_yaml())
    return EXIT_OK


def _diff(args: argparse.Namespace, extra: list[str]) -> int:
    from tickets_contract.drift import diff_documents, load_spec, render_json, render_markdown

    drift = diff_documents(
        load_spec(args.old),
        load_spec(args.new),
        include_docs=args.include_docs,
        old_source=str(args.old),
        new_source=str(args.new),
    )
    report = render_json(drift) if args.format == "json" else render_markdown(drift)
    if args.output is None:
        sys.stdout.write(report)
    else:
        write_atomically(args.output, report)
        print(f"{drift.summary}; report written to {args.output}")
    # The gate: any breaking change fails it, in either report format.
    return EXIT_DEVIATION if drift.breaking else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
