"""The ``tickets-contract`` command.

    tickets-contract run      run the conformance gate (pytest + schemathesis)
    tickets-contract serve    serve the twin over HTTP on loopback
    tickets-contract spec     print the published or the effective contract
    tickets-contract discover find known records on a target (read-only)
    tickets-contract record   record the scenario corpus into cassettes (scrubbed)
    tickets-contract quirks   render the quirks page (docs/QUIRKS.md) from the ledger
    tickets-contract diff     classify the changes between two versions of the spec
    tickets-contract history  when each change of the operation happened, over versions
    tickets-contract schema   print the JSON Schema of a cassette, the ledger or settings

Exit codes:
    0    success (the gate: every rule evaluated, no regression)
    1    the gate found a regression (a deviation no quirk explains), or a diff breaks
    2    a usage error on the command line
    3    a safety guard refused a request
    4    a malformed input (spec, ledger, configuration)
    5    run: no tests collected (pytest arguments selected nothing)
    6    run: inconclusive: no regression, but some invariant or relation was evaluated
         on no exchange (--accept-inconclusive turns this into 0)
    7    the target (run, discover, record) or a spec URL (diff, history) is
         unreachable: connection refused, DNS, timeout, HTTP error fetching a spec
    8    run: an internal error of tickets-contract (not a verdict on the API)
    130  interrupted (Ctrl-C)
Errors print one message naming the file, the place and the fix, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import gc
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from contextlib import ExitStack
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml

from tickets_contract.defaults import DEFAULT_TWIN_SIZE
from tickets_contract.errors import (
    ConfigError,
    ContractError,
    InputError,
    SafetyError,
    UnreachableError,
    UsageError,
)
from tickets_contract.files import make_directory, read_text, write_atomically
from tickets_contract.redaction import DETECTOR, RedactingStream
from tickets_contract.validation import SCHEMAS, schema_text

__all__ = [
    "EXIT_DEVIATION",
    "EXIT_INCONCLUSIVE",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_NO_TESTS",
    "EXIT_OK",
    "EXIT_SAFETY",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "main",
]

EXIT_OK = 0
EXIT_DEVIATION = 1
EXIT_USAGE = 2
EXIT_SAFETY = 3
EXIT_INPUT = 4
EXIT_NO_TESTS = 5
EXIT_INCONCLUSIVE = 6
EXIT_UNREACHABLE = 7
EXIT_INTERNAL = 8
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    # Everything this command prints (its own lines, pytest's terminal report, error
    # messages) passes the one secret detector (redaction.DETECTOR).
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(stdout), RedactingStream(stderr)
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so that atomic writes remove
    # their temporary files; a SIGKILLed writer's are removed by the next write.
    previous = _on_sigterm()
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_sigterm() -> Any:
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser(with_run_options=_runs(argv))
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "run":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        code: int = args.handler(args, extra)
    except SafetyError as exc:
        print(f"tickets-contract: refused: {exc}", file=sys.stderr)
        return EXIT_SAFETY
    except UnreachableError as exc:
        print(f"tickets-contract: unreachable: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except UsageError as exc:
        print(f"tickets-contract: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as exc:
        print(f"tickets-contract: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except ContractError as exc:  # pragma: no cover - every subclass is handled above
        print(f"tickets-contract: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("tickets-contract: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def _runs(argv: Sequence[str] | None) -> bool:
    """Whether ``argv`` names the ``run`` command (the first word that is no option)."""
    words = [arg for arg in (sys.argv[1:] if argv is None else argv) if not arg.startswith("-")]
    return bool(words) and words[0] == "run"


def _add_run_options(run: argparse.ArgumentParser) -> None:
    # why: run's options are the plugin's table, and the plugin imports pytest (~0.1 s):
    # only `run` pays for it, not --help or the other commands
    from tickets_contract.plugin import add_cli_options

    add_cli_options(run)


def _parser(*, with_run_options: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tickets-contract",
        description="Contract tests, a local twin and a quirks ledger for HubSpot's "
        "POST /crm/v3/objects/tickets/batch/read.",
        epilog="Exit codes: 0 ok, 1 regression found, 2 usage, 3 refused for safety, "
        "4 malformed input, 5 no tests collected, 6 inconclusive, 7 target unreachable, "
        "8 internal error, 130 interrupted.",
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
    if with_run_options:
        _add_run_options(run)
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
    serve.add_argument(
        "--size",
        type=int,
        default=DEFAULT_TWIN_SIZE,
        help=f"stored tickets (default {DEFAULT_TWIN_SIZE})",
    )
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
    serve.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any other TwinConfig setting, e.g. missing_inputs=reject, result_urls=false, "
        "parse_errors_have_category=true, cleared_values=null, unknown_path=json "
        "(repeatable; each names its quirk in specs/quirks.yaml)",
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
    quirks.add_argument(
        "--observed-from",
        type=Path,
        metavar="DIR",
        help="first mark observed every assumed or reported entry that the live cassettes in "
        "DIR confirm (each becomes evidence), and list the entries they refute",
    )
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
    spec.add_argument(
        "--path",
        default=None,
        metavar="PATH",
        help="serve the operation at another of HubSpot's paths for it, e.g. "
        "/crm/objects/2026-03/tickets/batch/read (the ledger's overlays apply there too)",
    )
    spec.add_argument("--fragment", type=Path, help="a fragment other than specs/'s")
    spec.add_argument("--ledger", type=Path, help="a ledger other than specs/quirks.yaml")
    spec.set_defaults(handler=_spec)

    diff = commands.add_parser(
        "diff",
        help="classify the changes between two versions of the spec",
        description="Compare the batch read of tickets in two OpenAPI files or URLs "
        "(YAML, or JSON when named .json; our fragment or HubSpot's full tickets spec, at "
        "/crm/v3/objects/tickets/batch/read or a date-versioned path) and judge each change "
        "breaking or not for a client. Faults elsewhere in a file are warnings. Exit 1 when "
        "any change breaks, 4 on a malformed input, 7 when a URL cannot be fetched.",
    )
    diff.add_argument("old", metavar="OLD", help="the version clients were built on (file or URL)")
    diff.add_argument("new", metavar="NEW", help="the version to compare with it (file or URL)")
    _drift_options(diff)
    diff.set_defaults(handler=_diff)

    history = commands.add_parser(
        "history",
        help="when each change of the batch read happened, over a series of versions",
        description="Compare each version of the spec with the one before it, oldest "
        "first, and list every change of the batch read with the version that brought it "
        "and whether it broke clients. A version is a file, a URL, a directory (its .json/"
        ".yaml files in name order) or a glob, labelled by its file name or by LABEL=SOURCE "
        "(e.g. 2024-03-01=tickets.json). A version whose batch read is invalid is listed as "
        "skipped. Exit 1 when any change breaks.",
    )
    history.add_argument(
        "versions", nargs="+", metavar="VERSION", help="[LABEL=]FILE|URL|DIR|GLOB, oldest first"
    )
    _drift_options(history)
    history.set_defaults(handler=_history)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of a file format, for editors",
        description="Print the JSON Schema that tickets-contract validates a file against: "
        "a cassette, the quirks ledger, or the settings TOML ([tool.tickets-contract]). "
        "Point an editor at it to check a file as you type (README, Checking files in an "
        "editor).",
    )
    schema.add_argument("name", choices=SCHEMAS, metavar="NAME", help=", ".join(SCHEMAS))
    schema.add_argument(
        "--output", type=Path, metavar="FILE", help="write it to FILE, atomically (default stdout)"
    )
    schema.set_defaults(handler=_schema)
    return parser


def _drift_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--format",
        choices=["markdown", "json"],
        default="markdown",
        help="report format (default markdown)",
    )
    command.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the report to FILE, atomically (default stdout)",
    )
    command.add_argument(
        "--include-docs",
        action="store_true",
        help="also list description and example changes (never breaking)",
    )
    command.add_argument(
        "--timeout",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for a URL to answer (default 30)",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 3600, got {text!r}")
    return value


def _version() -> str:
    try:
        return version("hubspot-tickets-contract")
    except PackageNotFoundError:  # pragma: no cover - run from a tree never installed
        return "unknown (not installed)"


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    # why: the gate needs pytest, the plugin and the settings; the other commands do not
    import pytest

    # why: the plugin's option table and the settings load only for `run`
    from tickets_contract.plugin import PHASES, forward_to_pytest, given_counts
    from tickets_contract.settings import load_settings

    # Validate settings and target here, so that a bad one is one clear line. ("twin"
    # cannot be wrong, and building one only to check it would cost the start-up time.)
    for option, value, low in given_counts(args):
        _check_count(option, value, low=low)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if not phases or set(phases) - set(PHASES):
        raise UsageError(
            source="--phases",
            where=args.phases,
            problem=f"expected some of {', '.join(PHASES)}, comma-separated",
            fix="e.g. --phases examples,coverage",
        )
    if args.report_dir is not None:
        make_directory(args.report_dir, option="--report-dir", error=UsageError)
    settings = load_settings(args.config)
    if args.target != "twin":
        # why: discovery and the HTTP targets load requests and the guards; twin runs skip them
        from tickets_contract.network.discovery import reach
        from tickets_contract.targets import HttpTarget, configured_target

        target = configured_target(args.target, settings, allowed_hosts=args.allow_host)
        assert isinstance(target, HttpTarget)
        # One read first, so that an unreachable target or a refused token is one line.
        reach(target.session(), target.base_url, target.token)
    pytest_args = [
        "--pyargs",
        "tickets_contract.suite",
        # The gate's verdict must not depend on the folder it starts in: no ini file
        # (addopts, python_files, filterwarnings...) and no conftest.py of the project
        # around it. Arguments after the options still reach pytest.
        "-c",
        os.devnull,
        "--rootdir",
        str(Path.cwd()),
        "--noconftest",
        "-p",
        "no:cacheprovider",
        # This command has imported tickets_contract before pytest loads it as a plugin,
        # so pytest cannot rewrite its asserts; that is expected here, not a problem.
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        # Every option of the command, as the plugin's --tc- options (and pytest's own for
        # --profile and --workers).
        *forward_to_pytest(args),
    ]
    if not any(arg.startswith("--assert") for arg in extra):
        # The suite has no assert statements; without this pytest would rewrite those of
        # every module of schemathesis and hypothesis (pytest plugins) as it imports them,
        # on every run without a bytecode cache: ~400 modules, a third of the gate's time.
        pytest_args.append("--assert=plain")
    # Modules live as long as the process: the run imports these anyway. Frozen (after a
    # collection, so that no garbage is kept), they are out of the collector's sight: its
    # full collections (pytest runs several at the end of a session, looking for
    # unraisable exceptions) scan only what the run itself creates.
    # why: imported here, not at the top: the other commands do not need them
    import schemathesis  # noqa: F401

    # why: the probe's judge, which the run loads anyway; the other commands do not
    from tickets_contract.cassettes import judging  # noqa: F401

    gc.collect()
    gc.freeze()
    try:
        code = int(pytest.main([*pytest_args, *extra]))
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    if args.report_dir:
        _redact_reports(args.report_dir)
    return _run_exit(code)


# pytest's exit codes (and the plugin's own) -> this command's, with the one-line message
# for endings that are not a verdict on the API.
_RUN_EXITS = {
    0: (EXIT_OK, None),
    1: (EXIT_DEVIATION, None),
    2: (EXIT_INTERRUPTED, "interrupted"),
    3: (EXIT_SAFETY, None),
    4: (EXIT_INPUT, None),
    5: (EXIT_NO_TESTS, "no tests collected: the pytest arguments selected none of the gate"),
    6: (EXIT_INCONCLUSIVE, None),
    7: (EXIT_UNREACHABLE, None),
    8: (EXIT_INTERNAL, "internal error (not a verdict on the API); see the line above"),
    130: (EXIT_INTERRUPTED, "interrupted"),
}


def _run_exit(code: int) -> int:
    mapped, message = _RUN_EXITS.get(code, (EXIT_INTERNAL, f"pytest ended with code {code}"))
    if message:
        print(f"tickets-contract: {message} (exit {mapped})", file=sys.stderr)
    return mapped


def _check_count(option: str, value: int, *, low: int = 0) -> None:
    if value < low:
        raise UsageError(
            source=option,
            where=str(value),
            problem=f"must be a whole number >= {low}",
            fix=f"pass {option} {low} or more",
        )


def _redact_reports(report_dir: Path) -> None:
    """The reports pytest wrote (junit.xml) pass the secret detector like everything else:
    a token a server echoed into a failure message is redacted on disk too."""
    if not DETECTOR or not report_dir.is_dir():
        return
    for path in sorted(report_dir.iterdir()):
        if path.is_file() and path.suffix in (".xml", ".md", ".txt", ".json"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if DETECTOR.find(text) is not None:
                write_atomically(path, DETECTOR.redact(text), option="--report-dir")


def _twin_settings(pairs: Sequence[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as TwinConfig keyword arguments; VALUE is read as YAML."""
    # why: the twin (starlette, uvicorn) loads only for `serve`
    from tickets_contract.twin import TwinConfig

    names = {f.name for f in dataclasses.fields(TwinConfig)}
    settings: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or name not in names:
            raise UsageError(
                source="--setting",
                where=pair,
                problem="is not NAME=VALUE with NAME a TwinConfig setting",
                fix=f"use one of {', '.join(sorted(names))}, e.g. --setting missing_inputs=reject",
            )
        try:
            settings[name] = yaml.safe_load(raw)
        except yaml.YAMLError:
            settings[name] = raw
    return settings


def _serve(args: argparse.Namespace, extra: list[str]) -> int:
    # why: the twin (starlette, uvicorn) loads only for `serve`
    from tickets_contract.twin import DEMO_TOKEN, Twin, TwinConfig, run_server

    if not 0 <= args.port <= 65535:
        raise UsageError(
            source="--port",
            where=str(args.port),
            problem="is not a TCP port",
            fix="pass a port from 1 to 65535, or 0 for any free one",
        )
    _check_count("--size", args.size)
    for option, limit in (
        ("--rate-limit-ten-secondly", args.rate_limit_ten_secondly),
        ("--rate-limit-daily", args.rate_limit_daily),
    ):
        if limit is not None:
            _check_count(option, limit, low=1)
    settings = _twin_settings(args.setting)
    given = {"seed", "size", "rate_limit_ten_secondly", "rate_limit_daily"}
    given |= {"all_missing_status", "duplicate_ids"}
    for name in sorted(given & set(settings)):
        raise UsageError(
            source="--setting",
            where=name,
            problem="has an option of its own",
            fix=f"use --{name.replace('_', '-')}",
        )
    try:
        config = TwinConfig(
            seed=args.seed,
            size=args.size,
            rate_limit_ten_secondly=args.rate_limit_ten_secondly,
            rate_limit_daily=args.rate_limit_daily,
            all_missing_status=args.all_missing_status,
            duplicate_ids=args.duplicate_ids,
            **settings,
        )
    except ConfigError as exc:  # the options are checked above: a --setting value
        raise UsageError(
            source="--setting",
            where=exc.where,
            problem=exc.problem,
            fix=f"pass --setting {exc.where}=VALUE with a value it accepts",
        ) from None
    except TypeError as exc:  # a value of the wrong type that TwinConfig cannot compare
        raise UsageError(
            source="--setting",
            where=" ".join(args.setting),
            problem=f"has a value of the wrong type ({exc})",
            fix="write numbers as 7, booleans as true/false, nothing as null",
        ) from None

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
    except OSError as exc:  # binding: a busy port, an address not on this machine
        raise UsageError(
            source="--port" if exc.errno == errno.EADDRINUSE else "--host",
            where=f"{args.host}:{args.port}",
            problem=f"cannot be listened on ({exc.strerror or exc})",
            fix="pass another --port (0 picks a free one), or a --host of this machine",
        ) from None
    return EXIT_OK


def _discover(args: argparse.Namespace, extra: list[str]) -> int:
    # why: discovery and the HTTP targets load requests and the guards: only for `discover`
    from tickets_contract.network.discovery import discover
    from tickets_contract.settings import render_records
    from tickets_contract.targets import HttpTarget, Target, parse_target, served_twin

    _check_count("--count", args.count, low=1)
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
            # why: the twin (starlette, uvicorn) loads only to discover on the twin
            from tickets_contract.twin import UNIQUE_PROPERTY

            target: Target = stack.enter_context(served_twin())
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
    # why: httpx loads only for `record` (its transport errors are caught here)
    import httpx

    # why: cassettes, the recorder and httpx load only for `record`
    from tickets_contract.cassettes import (
        SCENARIOS,
        OutcomeStatus,
        Recorder,
        RecordMode,
        SourceKind,
        scenario_named,
    )
    from tickets_contract.cassettes.diff import render_changes
    from tickets_contract.settings import load_records
    from tickets_contract.targets import parse_recording_target

    if args.list:
        for scenario in SCENARIOS:
            live = "" if scenario.live is None else "  (not recordable live)"
            print(f"{scenario.name:30} {', '.join(scenario.quirks)}{live}")
        return EXIT_OK
    unknown = [name for name in args.scenario if scenario_named(name) is None]
    if unknown:
        raise UsageError(
            source="--scenario",
            where=unknown[0],
            problem="is not a scenario of the corpus",
            fix="choose one of `tickets-contract record --list`",
        )
    chosen = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    if args.target != "twin":
        if args.target != "live" and args.source is None:
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
    target = parse_recording_target(
        args.target,
        source=args.source,
        records=load_records(args.records) if args.records is not None else None,
        allowed_hosts=args.allow_host,
    )
    try:
        outcomes = Recorder(target, args.cassette_dir, RecordMode(args.mode)).record(chosen)
    except httpx.TransportError as exc:
        raise UnreachableError(
            source=args.target,
            problem=f"did not answer ({type(exc).__name__}); no cassette was written",
            fix="is the target running, and is the URL right?",
        ) from None
    for outcome in outcomes:
        print(f"{outcome.status.value:9} {outcome.scenario:30} {outcome.detail}")
        if outcome.changes:
            print(render_changes(outcome.changes))
    if target.kind is SourceKind.LIVE:
        _print_settled([o.path for o in outcomes])
    print(
        f"cassettes are in {args.cassette_dir}; `tickets-contract run --cassette-dir "
        f"{args.cassette_dir}` probes a target with them (run alone uses the shipped corpus)"
    )
    drifted = any(o.status is OutcomeStatus.DRIFTED for o in outcomes)
    return EXIT_DEVIATION if drifted else EXIT_OK


def _print_settled(paths: list[Path]) -> None:
    """What the live cassettes at ``paths`` say about the ledger's bets (witness.py)."""
    # why: the ledger and witness load only after a live recording
    from tickets_contract.cassettes import SourceKind, load_cassette
    from tickets_contract.spec.contract import LEDGER_NAME, specs_dir
    from tickets_contract.spec.ledger import load_ledger
    from tickets_contract.spec.witness import render_settled, witness_cassettes

    recorded = [load_cassette(path) for path in paths if path.is_file()]
    live = [c for c in recorded if c.source.kind is SourceKind.LIVE]
    if live:
        ledger = load_ledger(specs_dir() / LEDGER_NAME)
        print("\n".join(render_settled(ledger, witness_cassettes(live))))


def _quirks(args: argparse.Namespace, extra: list[str]) -> int:
    # why: the ledger and its page load only for `quirks`
    from tickets_contract.cassettes import corpus_dir
    from tickets_contract.spec.contract import LEDGER_NAME, specs_dir
    from tickets_contract.spec.ledger import load_ledger
    from tickets_contract.spec.ledger_page import read_cassette_header, render_page

    def read_cassette(path: Path) -> Any:
        # The ledger cites cassettes as tests/cassettes/NAME.yaml of the repository; an
        # installed package carries them in its corpus.
        return read_cassette_header(path if path.is_file() else corpus_dir() / path.name)

    ledger_path = args.ledger or specs_dir() / LEDGER_NAME
    if args.observed_from is not None:
        _mark_observed(ledger_path, args.observed_from)
    ledger = load_ledger(ledger_path)
    page = render_page(ledger, root=specs_dir().parent, read_cassette=read_cassette)
    if args.check is not None:
        current = (
            read_text(args.check, ConfigError, missing_fix="pass the page's path")
            if args.check.is_file()
            else ""
        )
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


def _mark_observed(ledger_path: Path, directory: Path) -> None:
    # why: the ledger writer loads only for `quirks --observed-from`
    from tickets_contract.spec.contract import specs_dir
    from tickets_contract.spec.observed import mark_observed

    marking = mark_observed(ledger_path, directory, root=specs_dir().parent)
    print(f"{marking.live_cassettes} live cassette(s) in {directory}", file=sys.stderr)
    for quirk_id, cassette in marking.marked.items():
        print(f"observed  {quirk_id:40} {cassette}", file=sys.stderr)
    for quirk_id, seen in marking.refuted.items():
        print(
            f"refuted   {quirk_id:40} {seen.why} ({seen.where}); fix: correct the entry",
            file=sys.stderr,
        )


def _spec(args: argparse.Namespace, extra: list[str]) -> int:
    # why: the contract (OpenAPI validators) loads only for `spec`
    from tickets_contract.hubspot import OBJECT_ID_PROPERTY
    from tickets_contract.spec.contract import BATCH_READ_PATH, ContractKind, Portal, build_contract

    kind = ContractKind.PUBLISHED if args.published else ContractKind.EFFECTIVE
    unique = tuple(args.unique_property)
    if not unique and kind is ContractKind.EFFECTIVE:
        # why: the twin (starlette, uvicorn) loads only when its property is the default
        from tickets_contract.twin import UNIQUE_PROPERTY

        unique = (UNIQUE_PROPERTY,)
    contract = build_contract(
        kind,
        fragment_path=args.fragment,
        ledger_path=args.ledger,
        portal=Portal(unique_properties=(OBJECT_ID_PROPERTY, *unique)),
        path=args.path or BATCH_READ_PATH,
    )
    if args.format == "json":
        sys.stdout.write(json.dumps(contract.document, indent=2) + "\n")
    else:
        sys.stdout.write(contract.to_yaml())
    return EXIT_OK


def _schema(args: argparse.Namespace, extra: list[str]) -> int:
    text = schema_text(args.name)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_atomically(args.output, text)
    return EXIT_OK


def _diff(args: argparse.Namespace, extra: list[str]) -> int:
    # why: the drift engine loads only for `diff`
    from tickets_contract.drift import diff_specs, read_spec, render_json, render_markdown

    old = read_spec(args.old, timeout=args.timeout)
    new = read_spec(args.new, timeout=args.timeout)
    drift = diff_specs(old, new, include_docs=args.include_docs)
    for warning in drift.warnings:
        print(f"tickets-contract: warning: {warning}", file=sys.stderr)
    report = render_json(drift) if args.format == "json" else render_markdown(drift)
    _emit(report, args.output, drift.summary)
    # The gate: any breaking change fails it, in either report format.
    return EXIT_DEVIATION if drift.breaking else EXIT_OK


def _history(args: argparse.Namespace, extra: list[str]) -> int:
    # why: the drift engine loads only for `history`
    from tickets_contract.drift.history import (
        expand_versions,
        render_history_json,
        render_history_markdown,
        walk,
    )

    history = walk(
        expand_versions(args.versions), include_docs=args.include_docs, timeout=args.timeout
    )
    for skipped in history.skipped:
        print(
            f"tickets-contract: warning: skipped {skipped.label}: {skipped.problem}",
            file=sys.stderr,
        )
    if history.warnings:
        flawed = len({label for label, _ in history.warnings})
        print(
            f"tickets-contract: warning: {flawed} versions have warnings (repaired flaws, "
            "faults outside the operation; --format json lists them)",
            file=sys.stderr,
        )
    report = (
        render_history_json(history) if args.format == "json" else render_history_markdown(history)
    )
    summary = f"{history.changes} changes, {history.breaking} breaking"
    _emit(report, args.output, summary)
    return EXIT_DEVIATION if history.breaking else EXIT_OK


def _emit(report: str, output: Path | None, summary: str) -> None:
    if output is None:
        sys.stdout.write(report)
    else:
        write_atomically(output, report)
        print(f"{summary}; report written to {output}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
