"""pytest wiring for tickets-contract: options, Hypothesis profiles, fixtures, summary.

Wiring only: the logic lives in contract, targets, gate (the judge of each exchange),
judges and report. Registered through the ``pytest11`` entry point, so installing the
package is enough. The table of gate options here also builds ``tickets-contract run``'s.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import random
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import pytest
from _pytest.nodes import Node

import tickets_contract

# Only the standard library and pytest at import time: this module is loaded into every
# pytest session of an environment where the package is installed, and a session that
# never uses the contract suite, the cassettes or the twin must not pay for them. Each
# hook and fixture imports what it needs (bench/plugin_overhead.py measures the cost).
if TYPE_CHECKING:
    from tickets_contract.cassettes import RecordingTarget
    from tickets_contract.errors import ContractError
    from tickets_contract.gate import Judge
    from tickets_contract.judging.report import Tally
    from tickets_contract.network.discovery import Discovery
    from tickets_contract.network.har import HarLog
    from tickets_contract.settings import Settings
    from tickets_contract.spec.contract import Contract
    from tickets_contract.targets import Target

__all__ = ["Judge"]


def __getattr__(name: str) -> Any:
    """``tickets_contract.plugin.Judge``, where the judge lived before ``gate``."""
    if name == "Judge":
        # why: the judge loads schemathesis and every rule; only its users pay for that
        from tickets_contract.gate import Judge

        return Judge
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- the options of a gate run, declared once for pytest and `tickets-contract run` --------
#
# Each RunOption is one knob of the gate, with one default and one help text. This plugin
# registers it as --tc-NAME (every option carries the tc- prefix: plain names such as
# --record-mode of pytest-recording, or --target, collide with other plugins, and argparse
# then refuses to start any session). `tickets-contract run` offers it as --NAME and hands
# its value to pytest as --tc-NAME (cli.py). A few exist on one surface only:
# --tc-contract and --tc-record-mode in pytest; --strict, --profile and --workers in the
# command, which turns each into pytest arguments of its own (``forward``). The table
# lives here, not in a module of its own, because the plugin may import no other module
# of the package until a session uses it (tests/test_toolchain.py).

PYTEST_PREFIX = "--tc-"
PHASES = ("examples", "coverage", "fuzzing")
HAR_NAME = "exchanges.har"
# Exit codes beyond pytest's own; the CLI documents all of them (cli.py).
EXIT_INCONCLUSIVE = 6
EXIT_UNREACHABLE = 7
EXIT_INTERNAL = 8
EXIT_INTERRUPTED = 130

PROFILES: Mapping[str, Mapping[str, Any]] = {
    # Quick local runs; the example database remembers failures between runs.
    "dev": {"max_examples": 25, "deadline": None},
    # Deterministic: the same examples on every run and every machine.
    "ci": {
        "max_examples": 25,
        "deadline": None,
        "derandomize": True,
        "database": None,
        "print_blob": True,
        "suppress_health_check": ["too_slow"],
    },
    # Nightly runs against a target that can take it.
    "thorough": {
        "max_examples": 500,
        "deadline": None,
        "suppress_health_check": ["too_slow", "filter_too_much"],
    },
}

Surface = Literal["both", "pytest", "cli"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOption:
    """One option of a gate run.

    ``name``      the command's flag without dashes; pytest's is ``--tc-`` + name
    ``help``      the same on both surfaces; ``{other}`` names another option as each
                  surface spells it (``{seed}``: ``--tc-seed`` or ``--seed``)
    ``cli_help``  the command's text where its meaning differs (it records nothing)
    ``kind``      ``value``, ``flag`` (store_true) or ``list`` (repeatable)
    ``path``      the command reads the value as a path (pytest keeps the text)
    ``minimum``   counts: the command refuses less (exit 2) before starting pytest
    ``forward``   command-only options: the pytest arguments a value becomes
    """

    name: str
    help: str
    cli_help: str | None = None
    default: Any = None
    kind: Literal["value", "flag", "list"] = "value"
    type: Callable[[str], Any] | None = None
    path: bool = False
    choices: Sequence[str] | None = None
    metavar: str | None = None
    minimum: int | None = None
    surface: Surface = "both"
    forward: Callable[[Any], list[str]] | None = None

    @property
    def pytest_flag(self) -> str:
        return PYTEST_PREFIX + self.name

    @property
    def cli_flag(self) -> str:
        return "--" + self.name

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    def _kwargs(self, text: str, prefix: str) -> dict[str, Any]:
        flags = {option.dest: prefix + option.name for option in RUN_OPTIONS}
        kwargs: dict[str, Any] = {"help": text.format_map(flags)}
        if self.kind == "flag":
            kwargs.update(action="store_true", default=bool(self.default))
            return kwargs
        if self.kind == "list":
            kwargs.update(action="append", default=list(self.default or ()))
        else:
            kwargs["default"] = self.default
        if self.type is not None:
            kwargs["type"] = self.type
        if self.choices is not None:
            kwargs["choices"] = list(self.choices)
        if self.metavar is not None:
            kwargs["metavar"] = self.metavar
        return kwargs

    def pytest_kwargs(self) -> dict[str, Any]:
        return self._kwargs(self.help, PYTEST_PREFIX)

    def cli_kwargs(self) -> dict[str, Any]:
        kwargs = self._kwargs(self.cli_help or self.help, "--")
        if self.path:
            kwargs["type"] = Path
        return kwargs


def _contract(strict: bool) -> list[str]:
    return [OPT_CONTRACT, "published" if strict else "effective"]


def _profile(name: str | None) -> list[str]:
    return ["--hypothesis-profile", name] if name else []


def _workers(count: str | None) -> list[str]:
    # pytest-xdist's worker count. `-n` is not schemathesis' example count here: arguments
    # the command does not know go to pytest, where -n is xdist's.
    return ["-n", count] if count is not None else []


RUN_OPTIONS: tuple[RunOption, ...] = (
    RunOption(
        name="target",
        default="twin",
        help="where requests go: twin (in-process, default), live (api.hubapi.com with "
        "HUBSPOT_ACCESS_TOKEN) or an http(s) base URL",
    ),
    RunOption(
        name="contract",
        surface="pytest",
        choices=("effective", "published"),  # contract.ContractKind, not imported here
        default="effective",
        help="judge against the effective contract (published + quirks ledger; default) "
        "or the published one alone, which lists every quirk as a deviation",
    ),
    RunOption(
        name="strict",
        surface="cli",
        kind="flag",
        forward=_contract,
        help="judge against the published contract alone and list every quirk as a deviation",
    ),
    RunOption(
        name="profile",
        surface="cli",
        choices=tuple(PROFILES),
        forward=_profile,
        help="Hypothesis profile (default: ci when CI is set, else dev)",
    ),
    RunOption(
        name="allow-host",
        kind="list",
        metavar="HOST",
        help="a host besides api.hubapi.com and loopback that may receive the token",
    ),
    RunOption(
        name="unique-property",
        kind="list",
        metavar="NAME",
        help="a unique-value ticket property of the target portal, usable as idProperty",
    ),
    # Named as schemathesis' `st run` names them: --seed is the generation seed,
    # --max-examples the example count.
    RunOption(
        name="seed",
        type=int,
        metavar="N",
        help="the generation seed (schemathesis' --seed): the summary prints the one a run "
        "used, and passing it again replays that run's requests (default: a new one, or "
        "derandomized under CI)",
    ),
    RunOption(
        name="max-examples",
        type=int,
        metavar="N",
        minimum=1,
        help="examples per test in the fuzzing phase (default: the profile's, else the "
        "per-target count from settings)",
    ),
    RunOption(
        name="checks",
        metavar="LIST",
        help="run only these checks, comma-separated: schemathesis' built-in checks and the "
        "project's invariants and relations by name (default: all)",
    ),
    RunOption(
        name="exclude-checks",
        metavar="LIST",
        help="skip these checks, comma-separated (names as for {checks})",
    ),
    RunOption(
        name="workers",
        surface="cli",
        metavar="N",
        forward=_workers,
        help="pytest-xdist worker processes, a number or auto (the same as pytest's -n); "
        "verdicts and the summary are those of a serial run",
    ),
    RunOption(
        name="phases",
        default=",".join(PHASES),
        metavar="LIST",
        help=f"schemathesis phases to run, comma-separated (default: {','.join(PHASES)})",
    ),
    RunOption(
        name="accept-inconclusive",
        kind="flag",
        help="pass a run in which some invariant or relation was evaluated on no exchange "
        f"(default: such a run is inconclusive and exits {EXIT_INCONCLUSIVE})",
    ),
    RunOption(
        name="twin-seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the twin's generated store of tickets (default 0); not the generation "
        "seed, which is {seed}",
    ),
    RunOption(
        name="twin-size",
        type=int,
        metavar="N",
        minimum=0,
        # None: the twin's own default size (defaults.DEFAULT_TWIN_SIZE, which this module,
        # loaded into every pytest session, does not import; test_options checks the text).
        help="tickets in the twin's store (default 1000)",
    ),
    RunOption(
        name="config",
        path=True,
        metavar="FILE",
        help="TOML file with a [tool.tickets-contract] table "
        "(default: ./pyproject.toml if it has one)",
    ),
    RunOption(
        name="report-dir",
        path=True,
        metavar="DIR",
        help="write junit.xml, summary.md and exchanges.har (every exchange, secrets "
        "filtered; HAR 1.2) of the contract run into DIR",
    ),
    RunOption(
        name="record-mode",
        surface="pytest",
        choices=("none", "once", "new", "all"),
        default="none",
        help="cassettes: none replays only (default); once records scenarios without a "
        "cassette from {target}; new also re-sends the others and shows what changed; all "
        "re-records and overwrites what changed",
    ),
    RunOption(
        name="cassette-dir",
        path=True,
        metavar="DIR",
        help="where cassettes are read (the quirk probe sends their scenarios) and recorded "
        "(default: the corpus shipped with the package, tests/cassettes of this project)",
        cli_help="the cassettes whose scenarios the quirk probe sends (default: the corpus "
        "shipped with the package; `tickets-contract record` writes tests/cassettes)",
    ),
)

_BY_NAME = {option.name: option for option in RUN_OPTIONS}

OPT_TARGET = _BY_NAME["target"].pytest_flag
OPT_CONTRACT = _BY_NAME["contract"].pytest_flag
OPT_ALLOW_HOST = _BY_NAME["allow-host"].pytest_flag
OPT_UNIQUE_PROPERTY = _BY_NAME["unique-property"].pytest_flag
OPT_SEED = _BY_NAME["seed"].pytest_flag
OPT_MAX_EXAMPLES = _BY_NAME["max-examples"].pytest_flag
OPT_CHECKS = _BY_NAME["checks"].pytest_flag
OPT_EXCLUDE_CHECKS = _BY_NAME["exclude-checks"].pytest_flag
OPT_PHASES = _BY_NAME["phases"].pytest_flag
OPT_ACCEPT_INCONCLUSIVE = _BY_NAME["accept-inconclusive"].pytest_flag
OPT_TWIN_SEED = _BY_NAME["twin-seed"].pytest_flag
OPT_TWIN_SIZE = _BY_NAME["twin-size"].pytest_flag
OPT_CONFIG = _BY_NAME["config"].pytest_flag
OPT_REPORT_DIR = _BY_NAME["report-dir"].pytest_flag
OPT_RECORD_MODE = _BY_NAME["record-mode"].pytest_flag
OPT_CASSETTE_DIR = _BY_NAME["cassette-dir"].pytest_flag


def add_pytest_options(add: Callable[..., Any]) -> None:
    """Register every pytest-side option with ``add`` (a pytest option group's addoption)."""
    for option in RUN_OPTIONS:
        if option.surface != "cli":
            add(option.pytest_flag, **option.pytest_kwargs())


def add_cli_options(command: argparse.ArgumentParser) -> None:
    """Give ``tickets-contract run`` every command-side option."""
    for option in RUN_OPTIONS:
        if option.surface != "pytest":
            command.add_argument(option.cli_flag, **option.cli_kwargs())


def given_counts(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """``(flag, value, minimum)`` of each count the command was given, to check."""
    return [
        (option.cli_flag, value, option.minimum)
        for option in RUN_OPTIONS
        if option.minimum is not None
        and option.surface != "pytest"
        and (value := getattr(args, option.dest)) is not None
    ]


def forward_to_pytest(args: argparse.Namespace) -> list[str]:
    """The pytest arguments that say what the command's options ``args`` say."""
    out: list[str] = []
    for option in RUN_OPTIONS:
        if option.surface == "pytest":
            continue
        value = getattr(args, option.dest)
        if option.forward is not None:
            out += option.forward(value)
        elif option.kind == "flag":
            out += [option.pytest_flag] if value else []
        elif option.kind == "list":
            for item in value:
                out += [option.pytest_flag, str(item)]
        elif value is not None:
            out += [option.pytest_flag, str(value)]
    return out


_TALLY: pytest.StashKey[Tally] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tickets-contract", "HubSpot tickets batch-read contract")
    add_pytest_options(group.addoption)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Registered before Hypothesis' own plugin reads --hypothesis-profile, and only when
    # that option names one of ours: a session that does not ask for them neither imports
    # Hypothesis nor sees a profile change. A profile that exists already (Hypothesis'
    # built-in "ci", or a user's own "dev") is left as it is. The contract suite takes its
    # example counts from PROFILES and applies them to its own schema (contract_schema).
    profile = config.getoption("hypothesis_profile", None)
    if profile in PROFILES:
        _register_profile(profile)
    config.stash[_SEED] = _choose_seed(config)
    _CONFIG.append(config)
    report_dir = config.getoption(OPT_REPORT_DIR, None)
    if report_dir and not config.getoption("xmlpath", None):
        Path(report_dir).mkdir(parents=True, exist_ok=True)
        config.option.xmlpath = str(Path(report_dir) / "junit.xml")
    config.addinivalue_line(
        "markers",
        f"contract: the conformance suite (runs against {OPT_TARGET}, twin by default)",
    )
    config.addinivalue_line(
        "markers",
        "cassette(*names, base_url='https://api.hubapi.com', assert_all_called=True, "
        "assert_all_mocked=True): replay these cassettes (names in --tc-cassette-dir, or paths "
        "ending .yaml next to the test) through respx in the cassette_replay fixture",
    )
    config.addinivalue_line(
        "markers",
        "hubspot_twin(mode='served', **settings): the hubspot_twin fixture's twin: served on "
        "loopback or in_process (respx, httpx clients); settings are TwinConfig's (seed, "
        "size, all_missing_status, duplicate_ids, rate_limit_ten_secondly, ...)",
    )


_SEED = pytest.StashKey[int]()
_TOKEN = pytest.StashKey[str]()
_HAR: pytest.StashKey[HarLog] = pytest.StashKey()
_WORKER_SEED_KEY = "tickets_contract_seed"


def _choose_seed(config: pytest.Config) -> int:
    """The run's generation seed: --tc-seed, else the xdist controller's, else a new one.

    Chosen once per run so that every pytest-xdist worker generates with the controller's
    seed (pytest_configure_node hands it over) and the summary can print it for a replay.
    """
    given = config.getoption(OPT_SEED, None)
    if given is not None:
        return int(given)
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and _WORKER_SEED_KEY in workerinput:
        return int(workerinput[_WORKER_SEED_KEY])
    return random.getrandbits(64)


def _register_profile(name: str) -> None:
    # why: Hypothesis loads only in a session that asks for one of our profiles
    from hypothesis import HealthCheck, settings
    from hypothesis.errors import InvalidArgument

    try:
        settings.get_profile(name)
    except InvalidArgument:
        values = dict(PROFILES[name])
        values["suppress_health_check"] = [
            HealthCheck[check] for check in values.get("suppress_health_check", ())
        ]
        settings.register_profile(name, **values)


@pytest.fixture(scope="session")
def contract_target(request: pytest.FixtureRequest) -> Target:
    """Where the conformance suite sends requests (``--tc-target``)."""
    # why: targets load the guards and requests; the twin loads for the twin target only
    from tickets_contract.errors import ContractError
    from tickets_contract.targets import configured_target

    option = request.config.getoption
    try:
        config = _settings(request.config)
        target = option(OPT_TARGET)
        discovery = _discovery(request.config)
        records = config.records if target != "twin" else None
        if records is None and discovery is not None:
            records = discovery.records
        return configured_target(
            target,
            config,
            allowed_hosts=option(OPT_ALLOW_HOST),
            unique_properties=option(OPT_UNIQUE_PROPERTY),
            twin_seed=option(OPT_TWIN_SEED),
            twin_size=option(OPT_TWIN_SIZE),
            records=records,
        )
    except ContractError as exc:
        _exit_for(exc)


# --- discovery: known records of an HTTP target without a records table ----------------

_DISCOVERY = pytest.StashKey["Discovery | None"]()
_DISCOVERY_KEY = "tickets_contract_discovery"


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Discover records once, before pytest-xdist starts its workers (they get them
    through ``pytest_configure_node``): URL and live targets without a records table."""
    config = session.config
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        # why: the package loads only in an xdist worker of a gate run
        from tickets_contract.network.discovery import Discovery

        data = workerinput.get(_DISCOVERY_KEY)
        config.stash[_DISCOVERY] = Discovery.from_dict(json.loads(data)) if data else None
        return
    config.stash[_DISCOVERY] = None
    target = config.getoption(OPT_TARGET, "twin")
    if target == "twin" or config.getoption("collectonly", False):
        return
    # why: the package loads only in a session that runs the gate against a URL or live
    from tickets_contract.errors import ContractError

    try:
        settings_ = _settings(config)
        if settings_.records is not None:
            return  # configured records win
        # why: discovery and the HTTP targets load requests and the guards; twin runs skip them
        from tickets_contract.network.discovery import discover_run
        from tickets_contract.targets import HttpTarget, configured_target

        http = configured_target(target, settings_, allowed_hosts=config.getoption(OPT_ALLOW_HOST))
        assert isinstance(http, HttpTarget)
        config.stash[_DISCOVERY] = discover_run(
            http.session(),
            http.base_url,
            http.token,
            unique_properties=config.getoption(OPT_UNIQUE_PROPERTY),
        )
    except ContractError as exc:
        _exit_for(exc)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist controller: hand each worker the discovered records, and the run's
    one generation seed."""
    node.workerinput[_WORKER_SEED_KEY] = node.config.stash[_SEED]
    discovery = node.config.stash.get(_DISCOVERY, None)
    if discovery is not None:
        node.workerinput[_DISCOVERY_KEY] = json.dumps(discovery.to_dict())


def _discovery(config: pytest.Config) -> Discovery | None:
    return config.stash.get(_DISCOVERY, None)


def _exit_for(exc: ContractError) -> NoReturn:
    """End the session with the CLI's exit code for ``exc``, in one message."""
    # why: the package loads only in a session that uses it
    from tickets_contract.errors import SafetyError, UnreachableError

    if isinstance(exc, UnreachableError):
        pytest.exit(f"target unreachable: {exc}", returncode=EXIT_UNREACHABLE)
    if isinstance(exc, SafetyError):
        if _CONFIG:
            _CONFIG[-1].stash[_ENDING] = "safety"
        pytest.exit(f"refused: {exc}", returncode=3)
    pytest.exit(str(exc), returncode=4)


def _import_package() -> None:
    """Import every module of the package now.

    Hypothesis mixes string constants of already-imported local modules into what it
    generates; importing everything up front makes that pool the same in every process,
    so an xdist worker generates what a serial run does.
    """
    for module in pkgutil.walk_packages(tickets_contract.__path__, "tickets_contract."):
        if not module.name.startswith("tickets_contract.suite"):
            importlib.import_module(module.name)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Before anything is generated, in a serial run and in every xdist worker alike; a
    # session without the contract suite imports nothing of the package.
    if any(item.get_closest_marker("contract") for item in items):
        _import_package()
        _restore_node_nodeid()


def _restore_node_nodeid() -> None:
    """Give pytest >= 9.2's nodes back the ``_nodeid`` attribute schemathesis 4.32 uses.

    pytest 9.2 keeps a node's id as a structured ``_id`` and removed ``Node._nodeid``;
    schemathesis' ``from_fixture`` tests read it and write it (to show each operation in
    the test id). A property mapping ``_nodeid`` onto ``_id`` restores exactly that, and
    only in a session that runs the contract suite.
    """
    try:
        node_ids = importlib.import_module("_pytest.nodeid")
    except ImportError:  # pytest < 9.2: Node._nodeid is still there
        return
    if isinstance(Node.__dict__.get("_nodeid"), property):
        return

    def get(node: Node) -> str:
        return node.nodeid

    def set_(node: Node, value: str) -> None:
        setattr(node, "_id", node_ids.NodeId.parse(value))  # noqa: B010 - not typed before 9.2

    setattr(Node, "_nodeid", property(get, set_))  # noqa: B010 - a property on a class


_SETTINGS = pytest.StashKey["Settings"]()


def _settings(config: pytest.Config) -> Settings:
    """The session's settings, read once (target, example counts and recording use them)."""
    if _SETTINGS not in config.stash:
        # why: the package loads only in a session that uses it
        from tickets_contract.settings import load_settings

        path = config.getoption(OPT_CONFIG, None)
        config.stash[_SETTINGS] = load_settings(Path(path) if path else None)
    return config.stash[_SETTINGS]


def _derandomized(config: pytest.Config) -> bool:
    """Deterministic generation (Hypothesis' derandomize): under CI or the ci profile."""
    return bool(os.environ.get("CI")) or config.getoption("hypothesis_profile", None) == "ci"


def _target_kind(target: str) -> str:
    return target if target in ("twin", "live") else "url"


@pytest.fixture(scope="session")
def contract(request: pytest.FixtureRequest, contract_target: Target) -> Contract:
    """The contract the suite judges against (``--tc-contract``)."""
    # why: the contract loads only in a session that runs the gate
    from tickets_contract.errors import ContractError
    from tickets_contract.spec.contract import ContractKind, build_contract

    kind = ContractKind(request.config.getoption(OPT_CONTRACT))
    try:
        return build_contract(kind, portal=contract_target.portal)
    except ContractError as exc:
        _exit_for(exc)


@pytest.fixture(scope="session")
def contract_schema(
    request: pytest.FixtureRequest, contract: Contract, contract_target: Target
) -> Any:
    """A schemathesis schema of the contract, bound to the target, sending its token."""
    # why: only a session that generates requests writes into Hypothesis' storage
    from tickets_contract.hypothesis_storage import prime_utf8_table

    # Before any generation: spares Hypothesis ~1.5 s of walking every code point in a
    # new working folder (hypothesis_storage explains why the table is a known fact).
    prime_utf8_table()
    schema = contract_target.bind(contract.schemathesis_schema())
    if not contract_target.send_unexpected_methods:
        schema.config.phases.coverage.unexpected_methods = set()
    # Example counts: --tc-max-examples, else the chosen profile's, else the per-target
    # count from settings. Runs are deterministic and keep no example database under CI
    # or the ci profile.
    profile = request.config.getoption("hypothesis_profile", None)
    max_examples = request.config.getoption(OPT_MAX_EXAMPLES, None)
    if max_examples is not None and max_examples < 1:
        pytest.exit(
            f"{OPT_MAX_EXAMPLES}: expected a positive count, got {max_examples}\n"
            f"  fix: e.g. {OPT_MAX_EXAMPLES} 50",
            returncode=4,
        )
    if max_examples is None and profile in PROFILES:
        max_examples = PROFILES[profile]["max_examples"]
    if max_examples is None:
        max_examples = _settings(request.config).max_examples[_target_kind(contract_target.name)]
    schema.config.generation.update(max_examples=max_examples)
    phases = [p.strip() for p in request.config.getoption(OPT_PHASES).split(",") if p.strip()]
    unknown = sorted(set(phases) - set(PHASES))
    if unknown or not phases:
        pytest.exit(
            f"{OPT_PHASES}: expected some of {', '.join(PHASES)}, got {unknown or 'nothing'}\n"
            f"  fix: e.g. {OPT_PHASES} examples,coverage",
            returncode=4,
        )
    schema.config.phases.update(phases=phases)
    if _derandomized(request.config):
        schema.config.generation.update(deterministic=True, database="none")
    if not _derandomized(request.config) or request.config.getoption(OPT_SEED) is not None:
        # The run's seed (printed in the summary). A given seed replays a run: then no
        # example database either, whose remembered failures would be tried first.
        schema.config.seed = request.config.stash[_SEED]
        if request.config.getoption(OPT_SEED) is not None:
            schema.config.generation.update(database="none")
    token = contract_target.token
    request.config.stash[_TOKEN] = token

    @schema.auth()
    class BearerToken:
        def get(self, case: Any, ctx: Any) -> str:
            return token

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


def _check_list(config: pytest.Config, option: str) -> list[str] | None:
    value = config.getoption(option, None)
    if value is None:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


@pytest.fixture(scope="session")
def contract_judge(
    request: pytest.FixtureRequest, contract: Contract, contract_target: Target
) -> Judge:
    """Judges exchanges against ``--tc-contract``; see :class:`tickets_contract.gate.Judge`."""
    # why: the judge loads schemathesis and every rule; only a session that runs the gate
    from tickets_contract.errors import ContractError
    from tickets_contract.gate import Judge
    from tickets_contract.judging.report import Tally

    tally = Tally(kind=contract.kind, ledger=contract.ledger)
    request.config.stash[_TALLY] = tally
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def progress(line: str) -> None:
        # Output is captured while a test runs: step past the capture, or the line would
        # only be shown when the test fails.
        if reporter is None:
            return
        if capture is None:
            reporter.write_line(line)
            return
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line)

    corpus = request.config.getoption(OPT_CASSETTE_DIR, None)
    har = None
    if request.config.getoption(OPT_REPORT_DIR, None):
        # why: the HAR writer loads only when --tc-report-dir asks for it
        from tickets_contract.network.har import HarLog

        har = request.config.stash[_HAR] = HarLog()
    try:
        return Judge(
            contract,
            contract_target,
            tally,
            progress=progress,
            checks=_check_list(request.config, OPT_CHECKS),
            exclude_checks=_check_list(request.config, OPT_EXCLUDE_CHECKS) or (),
            har=har,
            corpus=Path(corpus) if corpus else None,
        )
    except ContractError as exc:
        pytest.exit(str(exc), returncode=4)


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: Any, config: pytest.Config) -> Any:
    """Give the contract test's schemathesis subtest a progress letter.

    schemathesis counts the operation it tests as one more collected test; pytest shows
    a passed subtest without a letter when quiet, so the progress bar stopped at 66%.
    """
    if (
        report.when != "call"
        or not report.passed
        or type(report).__name__ != "SubtestReport"
        or "contract" not in report.keywords
    ):
        return None
    try:
        quiet = config.get_verbosity("subtests") == 0
    except (KeyError, ValueError):  # pragma: no cover - pytest without subtests
        return None
    return ("subtests passed", ".", "SUBPASSED") if quiet else None


# --- honest endings: what ended a run that found no regression ---------------------------

_ENDING = pytest.StashKey[str]()


def _gate_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is the gate's own verdict (a failed check), not a breakdown."""
    # why: schemathesis loads only in a session that ran the gate (a contract test failed)
    from schemathesis.core.failures import Failure, FailureGroup

    if isinstance(exc, (Failure, FailureGroup, AssertionError)):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return all(_gate_failure(inner) for inner in exc.exceptions)
    return False


def _unreachable(exc: BaseException) -> bool:
    # why: requests loads only in a session that ran the gate (a contract test failed)
    import requests

    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(_unreachable(inner) for inner in exc.exceptions)
    cause = exc.__cause__ or exc.__context__
    return cause is not None and cause is not exc and _unreachable(cause)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A contract test that broke down (the target went away, a bug of ours) is said in
    one line, remembered for the exit code, and never shown as the API's regression."""
    report = yield
    if (
        call.excinfo is None
        or not report.failed
        or item.get_closest_marker("contract") is None
        or _gate_failure(call.excinfo.value)
    ):
        return report
    exc = call.excinfo.value
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    if _unreachable(exc):
        item.config.stash[_ENDING] = "unreachable"
        report.longrepr = f"target unreachable during the run: {type(exc).__name__}: {first}"
    else:
        item.config.stash.setdefault(_ENDING, "internal")
        if item.config.getoption("tbstyle", "auto") != "long":
            report.longrepr = (
                f"internal error of tickets-contract: {type(exc).__name__}: {first} "
                "(pass --tb=long for the traceback)"
            )
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_internalerror(excrepr: Any, excinfo: Any) -> bool | None:
    """One line, not pytest's INTERNALERROR traceback (unless --tb=long)."""
    config = _CONFIG[-1] if _CONFIG else None
    if config is None:
        return None
    config.stash[_ENDING] = "internal"
    if config.getoption("tbstyle", "auto") == "long":
        return None
    value = excinfo.value
    first = (str(value).strip().splitlines() or [""])[0][:300]
    sys.stderr.write(
        f"tickets-contract: internal error: {type(value).__name__}: {first} "
        "(pass --tb=long for the traceback)\n"
    )
    return True


@pytest.hookimpl(optionalhook=True)
def pytest_keyboard_interrupt(excinfo: Any) -> None:
    config = _CONFIG[-1] if _CONFIG else None
    if config is not None and isinstance(excinfo.value, KeyboardInterrupt):
        config.stash[_ENDING] = "interrupted"


# The configs of the sessions running in this process, innermost last (pytester nests
# them): hooks without a config argument (internal error, interrupt) use the innermost.
_CONFIG: list[pytest.Config] = []


def pytest_unconfigure(config: pytest.Config) -> None:
    if config in _CONFIG:
        _CONFIG.remove(config)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    tally = config.stash.get(_TALLY, None)
    if tally is not None and (tally.exchanges or tally.rules):
        # why: the package loads only in a session that ran the gate
        from tickets_contract.files import write_atomically

        reproduce = _reproduce_line(config)
        terminalreporter.write_sep("=", "tickets-contract")
        discovery = _discovery(config)
        if discovery is not None:
            terminalreporter.write_line(discovery.summary())
        terminalreporter.write_line(tally.render())
        terminalreporter.write_line(f"  {reproduce}")
        if tally.inconclusive:
            accepted = config.getoption(OPT_ACCEPT_INCONCLUSIVE, False)
            terminalreporter.write_line(
                f"tickets-contract: inconclusive run accepted ({OPT_ACCEPT_INCONCLUSIVE})"
                if accepted
                else f"tickets-contract: INCONCLUSIVE (exit {EXIT_INCONCLUSIVE}): "
                f"{', '.join(tally.unevaluated())} never evaluated; pass "
                f"{OPT_ACCEPT_INCONCLUSIVE} to accept such a run"
            )
        report_dir = config.getoption(OPT_REPORT_DIR, None)
        if report_dir:
            path = Path(report_dir) / "summary.md"
            preamble = discovery.summary() if discovery is not None else ""
            markdown = tally.render_markdown(preamble=preamble)
            write_atomically(path, markdown + f"\n## Reproduce\n\n{reproduce}\n")
            terminalreporter.write_line(f"summary written to {path}")
            if _HAR in config.stash:
                terminalreporter.write_line(_write_har(config, report_dir))


def _reproduce_line(config: pytest.Config) -> str:
    if _derandomized(config) and config.getoption(OPT_SEED, None) is None:
        return (
            "generation: derandomized (CI or the ci profile): every run generates the same requests"
        )
    seed = config.stash[_SEED]
    return (
        f"generation seed: {seed} (replay: pytest {OPT_SEED} {seed}, or tickets-contract "
        f"run --seed {seed})"
    )


def _write_har(config: pytest.Config, report_dir: str) -> str:
    # why: the package loads only in a session that ran the gate
    from tickets_contract.errors import SafetyError

    har = config.stash[_HAR]
    path = Path(report_dir) / HAR_NAME
    try:
        har.write(path, config.stash.get(_TOKEN, None))
    except SafetyError as exc:
        return f"exchanges not written: refused: {exc}"
    return f"{len(har.entries)} exchanges written to {path} (HAR 1.2)"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    tally = session.config.stash.get(_TALLY, None)
    workeroutput = getattr(session.config, "workeroutput", None)
    if tally is not None and workeroutput is not None:
        # pytest-xdist worker: hand the tally to the controller (pytest_testnodedown).
        workeroutput[_WORKER_KEY] = json.dumps(tally.to_dict())
        if _HAR in session.config.stash:
            workeroutput[_WORKER_HAR_KEY] = json.dumps(session.config.stash[_HAR].entries)
    if workeroutput is not None and _ENDING in session.config.stash:
        workeroutput[_ENDING_KEY] = session.config.stash[_ENDING]
    ending = session.config.stash.get(_ENDING, None)
    # Known quirks are reported, not failed: the gate fails on regressions only.
    if tally is not None and tally.regressions and exitstatus in (0, 1):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif ending == "interrupted":
        session.exitstatus = EXIT_INTERRUPTED
    elif ending == "unreachable" and exitstatus == 1:
        session.exitstatus = EXIT_UNREACHABLE
    elif ending == "internal" and exitstatus in (1, pytest.ExitCode.INTERNAL_ERROR):
        session.exitstatus = EXIT_INTERNAL
    elif exitstatus == pytest.ExitCode.INTERNAL_ERROR and ending != "safety":
        # pytest's own code 3 is also the code of a refused request (EXIT_SAFETY).
        session.exitstatus = EXIT_INTERNAL
    elif (
        tally is not None
        and workeroutput is None
        and tally.inconclusive
        and exitstatus == 0
        and not session.config.getoption(OPT_ACCEPT_INCONCLUSIVE, False)
    ):
        session.exitstatus = EXIT_INCONCLUSIVE


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Before JUnit XML and the terminal see a report, redact every configured secret
    from it (redaction.DETECTOR): a server may echo the token into a failure message."""
    # Only code that imported redaction can have configured a secret: a session that
    # never used the package does not import it here (bench/plugin_overhead.py).
    redaction = sys.modules.get("tickets_contract.redaction")
    if redaction is None:
        return
    detector = redaction.DETECTOR
    if not detector:
        return
    if report.longrepr is not None:
        text = str(report.longrepr)
        if detector.find(text) is not None:
            report.longrepr = detector.redact(text)
    report.sections = [(title, detector.redact(body)) for title, body in report.sections]


_WORKER_KEY = "tickets_contract_tally"
_WORKER_HAR_KEY = "tickets_contract_har"
_ENDING_KEY = "tickets_contract_ending"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist controller: merge each worker's tally into one, for one summary."""
    har = getattr(node, "workeroutput", {}).get(_WORKER_HAR_KEY)
    if har is not None:
        # why: the HAR log loads only in an xdist controller whose workers wrote one
        from tickets_contract.network.har import HarLog

        node.config.stash.setdefault(_HAR, HarLog()).entries.extend(json.loads(har))
    ending = getattr(node, "workeroutput", {}).get(_ENDING_KEY)
    if ending is not None and node.config.stash.get(_ENDING, None) != "unreachable":
        node.config.stash[_ENDING] = ending
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if data is None:
        return
    # why: the tally loads only in an xdist controller whose workers ran the gate
    from tickets_contract.judging.report import Tally

    incoming = Tally.from_dict(json.loads(data), ledger=_ledger_for(node.config))
    current = node.config.stash.get(_TALLY, None)
    if current is None:
        node.config.stash[_TALLY] = incoming
    else:
        current.merge(incoming)


def _ledger_for(config: pytest.Config) -> Any:
    # Only the ledger is needed to read a worker's tally, not a whole validated contract.
    # why: the ledger loads only in an xdist controller whose workers ran the gate
    from tickets_contract.spec.contract import LEDGER_NAME, specs_dir
    from tickets_contract.spec.ledger import load_ledger

    return load_ledger(specs_dir() / LEDGER_NAME)


# --- cassettes: record modes and replay -------------------------------------------------


@pytest.fixture(scope="session")
def cassette_dir(request: pytest.FixtureRequest) -> Path:
    """Where cassettes are read and recorded (``--tc-cassette-dir``; default: the corpus)."""
    # why: cassettes load only in a session that uses a cassette fixture
    from tickets_contract.cassettes import corpus_dir

    value = request.config.getoption(OPT_CASSETTE_DIR)
    return Path(value) if value else corpus_dir()


@pytest.fixture(scope="session")
def cassette_recorder(request: pytest.FixtureRequest, cassette_dir: Path) -> Any:
    """Records corpus scenarios into ``cassette_dir`` per ``--tc-record-mode``, each once.

    Call it with scenario names (none: every scenario); mode none sends nothing.
    """
    # why: cassettes load only in a session that uses a cassette fixture
    from tickets_contract.cassettes import SCENARIOS, Recorder, RecordMode
    from tickets_contract.errors import ContractError

    mode = RecordMode(request.config.getoption(OPT_RECORD_MODE))
    done: set[str] = set()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")

    def record(names: Any = None) -> None:
        wanted = [s for s in SCENARIOS if (names is None or s.name in names)]
        todo = [s for s in wanted if s.name not in done]
        if mode is RecordMode.NONE or not todo:
            return
        try:
            outcomes = Recorder(_recording_target(request.config), cassette_dir, mode).record(todo)
        except ContractError as exc:
            # The CLI's exit codes: 3 a safety guard refused, 4 a malformed input.
            _exit_for(exc)
        for outcome in outcomes:
            done.add(outcome.scenario)
            if reporter is not None:
                reporter.write_line(
                    f"cassette {outcome.status.value:9} {outcome.scenario}: {outcome.detail}"
                )
                for change in outcome.changes:
                    reporter.write_line(f"    {change}")

    return record


def _recording_target(config: pytest.Config) -> RecordingTarget:
    """``--tc-target`` as the recorder sees it; a base URL and a live target without known
    records are refused in this plugin's words (pytest has no --source)."""
    # why: targets load the guards and requests; only a session that records needs them
    from tickets_contract.errors import ConfigError
    from tickets_contract.targets import parse_recording_target

    target = config.getoption(OPT_TARGET)
    if target not in ("twin", "live"):
        raise ConfigError(
            source=OPT_TARGET,
            where=target,
            problem="a cassette must say where it came from, and a base URL may be HubSpot "
            "behind a proxy or a twin",
            fix="record from a base URL with `tickets-contract record --target URL --source "
            "live|twin`, or use --target live or twin here",
        )
    if target == "twin":
        return parse_recording_target(
            target,
            twin_seed=config.getoption(OPT_TWIN_SEED),
            twin_size=config.getoption(OPT_TWIN_SIZE),
        )
    settings_ = _settings(config)
    if settings_.records is None:
        raise ConfigError(
            source=OPT_RECORD_MODE,
            where="[tool.tickets-contract.records]",
            problem="recording from the live API needs ticket ids that exist there",
            fix="run `tickets-contract discover --target live` and put its table in "
            "pyproject.toml (or pass --tc-config FILE)",
        )
    return parse_recording_target(
        target,
        records=settings_.records,
        allowed_hosts=(*settings_.allowed_hosts, *config.getoption(OPT_ALLOW_HOST)),
        rate_limit=settings_.rate_limit,
    )


@pytest.fixture
def cassette_replay(
    request: pytest.FixtureRequest, cassette_dir: Path, cassette_recorder: Any
) -> Any:
    """Answers the requests of the cassettes named by ``@pytest.mark.cassette`` (respx)."""
    # why: cassettes and respx load only in a session that replays one
    from tickets_contract.cassettes import Replay, load_cassette
    from tickets_contract.errors import ContractError

    marker = request.node.get_closest_marker("cassette")
    if marker is None or not marker.args:
        pytest.fail(
            "cassette_replay needs the cassettes to replay: "
            '@pytest.mark.cassette("by-id-partial-miss")',
            pytrace=False,
        )
    names = [str(name) for name in marker.args]
    cassette_recorder([n for n in names if not n.endswith(".yaml")])
    here = Path(str(request.node.path)).parent
    paths = [here / n if n.endswith(".yaml") else cassette_dir / f"{n}.yaml" for n in names]
    try:
        cassettes = [load_cassette(path) for path in paths]
    except ContractError as exc:
        pytest.fail(str(exc), pytrace=False)
    # The marker's keywords are the only settings; respx's defaults are strict.
    with Replay(cassettes, **marker.kwargs) as replay:
        yield replay


# --- the twin in a user's tests ---------------------------------------------------------


@pytest.fixture
def hubspot_twin(request: pytest.FixtureRequest) -> Any:
    """A fresh twin for the test, settings from ``@pytest.mark.hubspot_twin(...)``.

    Yields a ``tickets_contract.testing.TwinHandle``: ``base_url``, ``token``,
    ``records``, ``config``, ``twin`` (and ``router`` in-process). See testing.py.
    """
    # why: the twin loads only in a session that uses the hubspot_twin fixture
    from tickets_contract.errors import ContractError
    from tickets_contract.testing import hubspot_twin as open_twin

    marker = request.node.get_closest_marker("hubspot_twin")
    if marker is not None and marker.args:
        pytest.fail(
            "@pytest.mark.hubspot_twin takes keywords only, e.g. "
            "@pytest.mark.hubspot_twin(size=50, mode='in_process')",
            pytrace=False,
        )
    try:
        context = open_twin(**(marker.kwargs if marker is not None else {}))
        handle = context.__enter__()
    except (TypeError, ValueError, ContractError) as exc:
        pytest.fail(f"hubspot_twin: {exc}", pytrace=False)
    try:
        yield handle
    finally:
        context.__exit__(None, None, None)
