"""pytest wiring for tickets-contract: options, Hypothesis profiles, fixtures, summary.

Wiring only: the logic lives in contract, targets, judges and report. Registered through
the ``pytest11`` entry point, so installing the package is enough.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

# Only the standard library and pytest at import time: this module is loaded into every
# pytest session of an environment where the package is installed, and a session that
# never uses the contract suite, the cassettes or the twin must not pay for them. Each
# hook and fixture imports what it needs (bench/plugin_overhead.py measures the cost).
if TYPE_CHECKING:
    from tickets_contract.contract import Contract
    from tickets_contract.discovery import Discovery
    from tickets_contract.errors import ContractError
    from tickets_contract.har import HarLog
    from tickets_contract.report import Tally
    from tickets_contract.settings import Settings
    from tickets_contract.targets import Target

__all__ = ["Judge"]

# Every option carries the tc- prefix: plain names such as --record-mode (pytest-recording)
# or --target collide with other plugins, and argparse then refuses to start any session.
OPT_TARGET = "--tc-target"
OPT_CONTRACT = "--tc-contract"
OPT_ALLOW_HOST = "--tc-allow-host"
OPT_UNIQUE_PROPERTY = "--tc-unique-property"
OPT_TWIN_SEED = "--tc-twin-seed"
OPT_TWIN_SIZE = "--tc-twin-size"
OPT_CONFIG = "--tc-config"
OPT_REPORT_DIR = "--tc-report-dir"
OPT_PHASES = "--tc-phases"
OPT_RECORD_MODE = "--tc-record-mode"
OPT_CASSETTE_DIR = "--tc-cassette-dir"
OPT_SEED = "--tc-seed"
OPT_MAX_EXAMPLES = "--tc-max-examples"
OPT_CHECKS = "--tc-checks"
OPT_EXCLUDE_CHECKS = "--tc-exclude-checks"
PHASES = ("examples", "coverage", "fuzzing")
HAR_NAME = "exchanges.har"

OPT_ACCEPT_INCONCLUSIVE = "--tc-accept-inconclusive"

# Exit codes beyond pytest's own; the CLI documents all of them (cli.py).
EXIT_INCONCLUSIVE = 6
EXIT_UNREACHABLE = 7

PROFILES: dict[str, dict[str, Any]] = {
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

_TALLY = pytest.StashKey["Tally"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tickets-contract", "HubSpot tickets batch-read contract")
    group.addoption(
        OPT_TARGET,
        default="twin",
        help="where requests go: twin (in-process, default), live (api.hubapi.com with "
        "HUBSPOT_ACCESS_TOKEN) or an http(s) base URL",
    )
    group.addoption(
        OPT_CONTRACT,
        choices=["effective", "published"],  # contract.ContractKind, not imported here
        default="effective",
        help="judge against the effective contract (published + quirks ledger; default) "
        "or the published one alone, which lists every quirk as a deviation",
    )
    group.addoption(
        OPT_ALLOW_HOST,
        action="append",
        default=[],
        metavar="HOST",
        help="a host besides api.hubapi.com and loopback that may receive the token",
    )
    group.addoption(
        OPT_UNIQUE_PROPERTY,
        action="append",
        default=[],
        metavar="NAME",
        help="a unique-value ticket property of the target portal, usable as idProperty",
    )
    group.addoption(
        OPT_CONFIG,
        default=None,
        metavar="FILE",
        help="TOML file with a [tool.tickets-contract] table "
        "(default: ./pyproject.toml if it has one)",
    )
    group.addoption(
        OPT_REPORT_DIR,
        default=None,
        metavar="DIR",
        help="write junit.xml, summary.md and exchanges.har (every exchange, secrets "
        "filtered) of the contract run into DIR",
    )
    group.addoption(
        OPT_SEED,
        type=int,
        default=None,
        metavar="N",
        help="the generation seed (schemathesis' --seed): the summary prints the one a run "
        "used, and passing it again replays that run's requests",
    )
    group.addoption(
        OPT_MAX_EXAMPLES,
        type=int,
        default=None,
        metavar="N",
        help="examples per test in the fuzzing phase (default: the profile's, else the "
        "per-target count from settings)",
    )
    group.addoption(
        OPT_CHECKS,
        default=None,
        metavar="LIST",
        help="run only these checks, comma-separated: schemathesis' built-in checks and the "
        "project's invariants and relations by name (default: all)",
    )
    group.addoption(
        OPT_EXCLUDE_CHECKS,
        default=None,
        metavar="LIST",
        help="skip these checks, comma-separated (names as for --tc-checks)",
    )
    group.addoption(
        OPT_PHASES,
        default=",".join(PHASES),
        metavar="LIST",
        help="schemathesis phases to run, comma-separated (default: examples,coverage,fuzzing)",
    )
    group.addoption(
        OPT_ACCEPT_INCONCLUSIVE,
        action="store_true",
        default=False,
        help="pass a run in which some invariant or relation was evaluated on no exchange "
        f"(default: such a run is inconclusive and exits {EXIT_INCONCLUSIVE})",
    )
    group.addoption(
        OPT_TWIN_SEED,
        type=int,
        default=0,
        help="seed of the twin's generated store of tickets (default 0); not the generation "
        f"seed, which is {OPT_SEED}",
    )
    group.addoption(
        OPT_TWIN_SIZE, type=int, default=1000, help="tickets in the twin's store (default 1000)"
    )
    group.addoption(
        OPT_RECORD_MODE,
        choices=["none", "once", "new", "all"],
        default="none",
        help="cassettes: none replays only (default); once records scenarios without a "
        f"cassette from {OPT_TARGET}; new also re-sends the others and shows what changed; all "
        "re-records and overwrites what changed",
    )
    group.addoption(
        OPT_CASSETTE_DIR,
        default=None,
        metavar="DIR",
        help="where cassettes are read and recorded (default: the recorded corpus, "
        "tests/cassettes of this project)",
    )


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
_HAR = pytest.StashKey["HarLog"]()
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
    import random

    return random.getrandbits(64)


def _register_profile(name: str) -> None:
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
    from tickets_contract.errors import ContractError
    from tickets_contract.targets import parse_target

    option = request.config.getoption
    try:
        config = _settings(request.config)
        target = option(OPT_TARGET)
        discovery = _discovery(request.config)
        records = config.records if target != "twin" else None
        if records is None and discovery is not None:
            records = discovery.records
        return parse_target(
            target,
            allowed_hosts=(*config.allowed_hosts, *option(OPT_ALLOW_HOST)),
            unique_properties=option(OPT_UNIQUE_PROPERTY),
            twin_seed=option(OPT_TWIN_SEED),
            twin_size=option(OPT_TWIN_SIZE),
            rate_limit=config.rate_limit,
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
        from tickets_contract.discovery import Discovery

        data = workerinput.get(_DISCOVERY_KEY)
        config.stash[_DISCOVERY] = Discovery.from_dict(json.loads(data)) if data else None
        return
    config.stash[_DISCOVERY] = None
    target = config.getoption(OPT_TARGET, "twin")
    if target == "twin" or config.getoption("collectonly", False):
        return
    from tickets_contract.errors import ContractError

    try:
        settings_ = _settings(config)
        if settings_.records is not None:
            return  # configured records win
        from tickets_contract.discovery import discover_run
        from tickets_contract.targets import HttpTarget, parse_target

        http = parse_target(
            target,
            allowed_hosts=(*settings_.allowed_hosts, *config.getoption(OPT_ALLOW_HOST)),
            rate_limit=settings_.rate_limit,
        )
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
    from tickets_contract.errors import SafetyError, UnreachableError

    if isinstance(exc, UnreachableError):
        pytest.exit(f"target unreachable: {exc}", returncode=EXIT_UNREACHABLE)
    if isinstance(exc, SafetyError):
        if _CONFIG:
            _CONFIG[-1].stash[_ENDING] = "safety"
        pytest.exit(f"refused: {exc}", returncode=3)
    pytest.exit(str(exc), returncode=4)


def _is_positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is None or not meta.generation.mode.is_negative


def _phase(case: Any) -> str | None:
    meta = getattr(case, "meta", None)
    return None if meta is None else str(meta.phase.name.value)


def _import_package() -> None:
    """Import every module of the package now.

    Hypothesis mixes string constants of already-imported local modules into what it
    generates; importing everything up front makes that pool the same in every process,
    so an xdist worker generates what a serial run does.
    """
    import importlib
    import pkgutil

    import tickets_contract

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
    import importlib

    from _pytest.nodes import Node

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
    from tickets_contract.contract import ContractKind, build_contract
    from tickets_contract.errors import ContractError

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


def _enabled_checks(
    known: list[str], checks: Collection[str] | None, exclude: Collection[str]
) -> set[str]:
    from tickets_contract.errors import ConfigError

    for option, names in ((OPT_CHECKS, checks or ()), (OPT_EXCLUDE_CHECKS, exclude)):
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ConfigError(
                source=option,
                where=unknown[0],
                problem="is not a check of this suite",
                fix=f"choose among: {', '.join(known)}",
            )
    return set(checks if checks is not None else known) - set(exclude)


def _check_list(config: pytest.Config, option: str) -> list[str] | None:
    value = config.getoption(option, None)
    if value is None:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


class Judge:
    """Validates each exchange and keeps the tally.

    Against the effective contract a failure fails the test at once. Against the
    published one every failure is recorded and attributed to quirks, so that one run
    lists every quirk rather than the first one Hypothesis shrinks to; the session fails
    at the end only if some deviation is explained by no quirk (a regression).
    """

    # A live run with the thorough profile takes minutes: say how far it got.
    PROGRESS_SECONDS = 10.0

    def __init__(
        self,
        contract: Contract,
        target: Target,
        tally: Tally,
        progress: Callable[[str], None] | None = None,
        *,
        checks: Collection[str] | None = None,
        exclude_checks: Collection[str] = (),
        har: HarLog | None = None,
        corpus: Path | None = None,
    ) -> None:
        """``checks``: run only these (None: all); ``exclude_checks``: skip these. Names
        are schemathesis' built-in checks and the invariants' and relations' names; an
        unknown one raises ``ConfigError``. ``har`` gets every exchange sent. ``corpus``:
        the cassettes the probe sends (default: the shipped corpus)."""
        from schemathesis import checks as builtin

        from tickets_contract.contract import ContractKind
        from tickets_contract.hubspot import OBJECT_ID_PROPERTY
        from tickets_contract.invariants import INVARIANTS
        from tickets_contract.judges import (
            BUILTIN_CHECKS,
            EXCLUDED_CHECKS,
            QuirkExplainer,
            excluded_check_functions,
        )
        from tickets_contract.relations import (
            RELATION_BUDGET,
            RELATION_NAMES,
            REMOTE_RELATION_BUDGET,
            RelationSampler,
            relations_for,
        )

        self._contract = contract
        self._target = target
        self._tally = tally
        self._progress = progress
        self._har = har
        self._corpus = corpus
        self._started = self._last_progress = time.monotonic()
        self._explainer = (
            QuirkExplainer(contract) if contract.kind is ContractKind.PUBLISHED else None
        )
        unique = [p for p in target.portal.unique_properties if p != OBJECT_ID_PROPERTY]
        relations = relations_for(unique[0] if unique else None)
        builtins = [name for name in BUILTIN_CHECKS if name not in EXCLUDED_CHECKS]
        rules = [check.__name__ for check in INVARIANTS] + list(RELATION_NAMES)
        enabled = _enabled_checks([*builtins, *rules], checks, exclude_checks)
        self._excluded = excluded_check_functions() + [
            getattr(builtin, name) for name in builtins if name not in enabled
        ]
        self._invariants = [
            self._counted(check) for check in INVARIANTS if check.__name__ in enabled
        ]
        self._relations = [relation for relation in relations if relation.__name__ in enabled]
        # Follow-up reads cost little in the process; over HTTP each waits for the budget.
        in_process = target.session() is None
        self._sampler = RelationSampler(RELATION_BUDGET if in_process else REMOTE_RELATION_BUDGET)
        tally.checks |= {name for name in [*builtins, *rules] if name in enabled}
        tally.checks -= set(RELATION_NAMES) - {relation.__name__ for relation in self._relations}
        # Every rule chosen must be evaluated at least once, the unique-property relation
        # too: a portal without such a property leaves it untested, and the run says so.
        tally.rules |= {name for name in rules if name in enabled}

    def _counted(self, check: Any) -> Any:
        """``check``, counting the exchanges it evaluated (invariants.HELD or a raise)."""
        from tickets_contract.invariants import HELD

        evaluated = self._tally.evaluated
        name = check.__name__

        @functools.wraps(check)
        def counted(ctx: Any, response: Any, case: Any) -> Any:
            try:
                result = check(ctx, response, case)
            except Exception:
                evaluated[name] += 1
                raise
            if result is HELD:
                evaluated[name] += 1
            return result

        return counted

    def send(self, case: Any) -> Any:
        positive = _is_positive(case)
        # The spec's named examples each show a shape on purpose (a partial miss, an
        # idProperty read): they keep it, with known ids swapped in, and are not mixed.
        mix = positive and _phase(case) != "examples"
        case.body = self._target.records.steer(case.body, case.query, mix=mix)
        response = self._call(case)
        if positive:
            self._count_read(case, response)
        return response

    def _call(self, case: Any) -> Any:
        if self._har is None:
            return case.call(session=self._target.session())
        from datetime import UTC, datetime

        started = datetime.now(UTC)
        response = case.call(session=self._target.session())
        self._har.add(response, started)
        return response

    def _count_read(self, case: Any, response: Any) -> None:
        from tickets_contract.invariants import ReadExchange

        if case.method.upper() != "POST" or not str(case.path).endswith("/batch/read"):
            return
        reads = self._tally.reads
        reads["reads"] += 1
        exchange = ReadExchange.of(case, response)
        if exchange is None:
            return
        found = len(set(exchange.result_ids))
        reads["with tickets"] += found >= 1
        reads["two or more"] += found >= 2
        reads["partial misses"] += found >= 1 and bool(exchange.errors)
        reads["archived hits"] += found >= 1 and exchange.archived
        reads["idProperty hits"] += found >= 1 and not exchange.by_record_id
        reads["history"] += any(r.get("propertiesWithHistory") for r in exchange.results)

    def _send_derived(self, case: Any) -> Any:
        """Send a body and query built from ``case`` to the same target (relations)."""

        def send(body: Any, query: Any) -> tuple[int, Any]:
            # The auth provider ran for ``case`` only: copy its headers (the token).
            derived = case.operation.Case(
                body=dict(body),
                query=dict(query) or None,
                media_type=case.media_type,
                headers=dict(case.headers or {}),
            )
            response = self._call(derived)
            try:
                return response.status_code, response.json()
            except ValueError:
                return response.status_code, None

        return send

    def _relate(self, case: Any, response: Any) -> None:
        from schemathesis.core.failures import FailureGroup

        from tickets_contract.invariants import ReadExchange
        from tickets_contract.relations import run_relations

        exchange = ReadExchange.of(case, response)
        if exchange is None or not self._sampler.admits(exchange):
            return
        derived: Callable[[Any, Any], tuple[int, Any]] = self._send_derived(case)
        sent = 0

        def send(body: Any, query: Any) -> tuple[int, Any]:
            nonlocal sent
            sent += 1
            return derived(body, query)

        violations, evaluated = run_relations(send, exchange, self._relations)
        self._sampler.spend(sent)
        self._tally.evaluated.update(evaluated)
        if violations:
            from tickets_contract.judges import regressions

            self._tally.add(regressions(case, violations))
            if self._explainer is None:
                raise FailureGroup(violations)

    def _report_progress(self) -> None:
        now = time.monotonic()
        if self._progress is None or now - self._last_progress < self.PROGRESS_SECONDS:
            return
        self._last_progress = now
        tally = self._tally
        self._progress(
            f"tickets-contract: {tally.exchanges} exchanges judged in {now - self._started:.0f} s "
            f"against {self._target.name}; {len(tally.regressions)} regression(s), "
            f"{len(tally.deviations) - len(tally.regressions)} known-quirk deviation(s) so far"
        )

    def probe(self) -> None:
        """Send the corpus scenarios to the target; record quirk statuses, fail on
        regressions (probe.py)."""
        from tickets_contract.cassettes import corpus_dir
        from tickets_contract.probe import probe_quirks

        corpus = self._corpus or corpus_dir()
        result = probe_quirks(self._target.recording_target(), corpus=corpus)
        self._tally.probe.update({q: s.value for q, s in result.statuses.items()})
        self._tally.probe_evaluated.update(result.evaluated)
        if result.live:
            from tickets_contract.witness import settled

            self._tally.settled.update(settled(self._tally.ledger, result.witnessed))
        if result.regressions:
            self._tally.add(list(result.regressions))
            lines = [f"{d.check}: {d.title}: {d.message.strip()[:300]}" for d in result.regressions]
            raise AssertionError(
                "corpus scenarios sent to the target came back as regressions:\n" + "\n".join(lines)
            )

    def judge(self, case: Any, response: Any) -> None:
        from schemathesis.core.failures import FailureGroup

        session = self._target.session()
        self._tally.exchanges += 1
        self._report_progress()
        try:
            case.validate_response(
                response,
                additional_checks=self._invariants,
                excluded_checks=self._excluded,
                transport_kwargs={"session": session} if session is not None else None,
            )
        except FailureGroup as group:
            from tickets_contract.judges import regressions

            if self._explainer is None:
                self._tally.add(regressions(case, group.exceptions))
                raise
            self._tally.add(self._explainer.explain(case, response, group.exceptions))
        self._relate(case, response)


@pytest.fixture(scope="session")
def contract_judge(
    request: pytest.FixtureRequest, contract: Contract, contract_target: Target
) -> Judge:
    """Judges exchanges against ``--tc-contract``; see :class:`Judge`."""
    from tickets_contract.errors import ContractError
    from tickets_contract.report import Tally

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
        from tickets_contract.har import HarLog

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
EXIT_INTERNAL = 8
EXIT_INTERRUPTED = 130


def _gate_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is the gate's own verdict (a failed check), not a breakdown."""
    from schemathesis.core.failures import Failure, FailureGroup

    if isinstance(exc, (Failure, FailureGroup, AssertionError)):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return all(_gate_failure(inner) for inner in exc.exceptions)
    return False


def _unreachable(exc: BaseException) -> bool:
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
    import sys

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
            "generation: derandomized (CI or the ci profile): every run generates the same "
            "requests"
        )
    seed = config.stash[_SEED]
    return (
        f"generation seed: {seed} (replay: pytest {OPT_SEED} {seed}, or tickets-contract "
        f"run --seed {seed})"
    )


def _write_har(config: pytest.Config, report_dir: str) -> str:
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
    import sys

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
        from tickets_contract.har import HarLog

        node.config.stash.setdefault(_HAR, HarLog()).entries.extend(json.loads(har))
    ending = getattr(node, "workeroutput", {}).get(_ENDING_KEY)
    if ending is not None and node.config.stash.get(_ENDING, None) != "unreachable":
        node.config.stash[_ENDING] = ending
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if data is None:
        return
    from tickets_contract.report import Tally

    incoming = Tally.from_dict(json.loads(data), ledger=_ledger_for(node.config))
    current = node.config.stash.get(_TALLY, None)
    if current is None:
        node.config.stash[_TALLY] = incoming
    else:
        current.merge(incoming)


def _ledger_for(config: pytest.Config) -> Any:
    # Only the ledger is needed to read a worker's tally, not a whole validated contract.
    from tickets_contract.contract import LEDGER_NAME, specs_dir
    from tickets_contract.ledger import load_ledger

    return load_ledger(specs_dir() / LEDGER_NAME)


# --- cassettes: record modes and replay -------------------------------------------------


@pytest.fixture(scope="session")
def cassette_dir(request: pytest.FixtureRequest) -> Path:
    """Where cassettes are read and recorded (``--tc-cassette-dir``; default: the corpus)."""
    from tickets_contract.cassettes import corpus_dir

    value = request.config.getoption(OPT_CASSETTE_DIR)
    return Path(value) if value else corpus_dir()


@pytest.fixture(scope="session")
def cassette_recorder(request: pytest.FixtureRequest, cassette_dir: Path) -> Any:
    """Records corpus scenarios into ``cassette_dir`` per ``--tc-record-mode``, each once.

    Call it with scenario names (none: every scenario); mode none sends nothing.
    """
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


def _recording_target(config: pytest.Config) -> Any:
    from tickets_contract.budget import DEFAULT_RATE_LIMIT
    from tickets_contract.cassettes import SourceKind, http_recording_target, twin_recording_target
    from tickets_contract.errors import ConfigError
    from tickets_contract.targets import LIVE_BASE_URL

    target = config.getoption(OPT_TARGET)
    if target == "twin":
        return twin_recording_target(
            seed=config.getoption(OPT_TWIN_SEED), size=config.getoption(OPT_TWIN_SIZE)
        )
    if target != "live":
        raise ConfigError(
            source=OPT_TARGET,
            where=target,
            problem="a cassette must say where it came from, and a base URL may be HubSpot "
            "behind a proxy or a twin",
            fix="record from a base URL with `tickets-contract record --target URL --source "
            "live|twin`, or use --target live or twin here",
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
    return http_recording_target(
        LIVE_BASE_URL,
        kind=SourceKind.LIVE,
        records=settings_.records,
        allowed_hosts=(*settings_.allowed_hosts, *config.getoption(OPT_ALLOW_HOST)),
        rate_limit=settings_.rate_limit or DEFAULT_RATE_LIMIT,
    )


@pytest.fixture
def cassette_replay(
    request: pytest.FixtureRequest, cassette_dir: Path, cassette_recorder: Any
) -> Any:
    """Answers the requests of the cassettes named by ``@pytest.mark.cassette`` (respx)."""
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

