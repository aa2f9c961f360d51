"""pytest wiring for tickets-contract: options, Hypothesis profiles, fixtures, summary.

Wiring only: the logic lives in contract, targets, judges and report. Registered through
the ``pytest11`` entry point, so installing the package is enough.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tickets_contract.contract import Contract, ContractKind, build_contract
from tickets_contract.errors import ContractError
from tickets_contract.judges import QuirkExplainer, excluded_check_functions, regressions
from tickets_contract.report import Tally
from tickets_contract.targets import Target, parse_target

__all__ = ["Judge"]

OPT_TARGET = "--target"
OPT_CONTRACT = "--contract"
OPT_ALLOW_HOST = "--allow-host"
OPT_UNIQUE_PROPERTY = "--unique-property"
OPT_TWIN_SEED = "--twin-seed"
OPT_TWIN_SIZE = "--twin-size"

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
        "suppress_health_check": [HealthCheck.too_slow],
    },
    # Nightly runs against a target that can take it.
    "thorough": {
        "max_examples": 500,
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
    },
}

_TALLY = pytest.StashKey[Tally]()


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
        choices=[kind.value for kind in ContractKind],
        default=ContractKind.EFFECTIVE.value,
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
    group.addoption(OPT_TWIN_SEED, type=int, default=0, help="seed of the twin's store (default 0)")
    group.addoption(
        OPT_TWIN_SIZE, type=int, default=1000, help="tickets in the twin's store (default 1000)"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Registered before Hypothesis' own plugin reads --hypothesis-profile.
    for name, values in PROFILES.items():
        settings.register_profile(name, **values)
    if not config.getoption("hypothesis_profile", None):
        settings.load_profile("ci" if os.environ.get("CI") else "dev")
    config.addinivalue_line(
        "markers", "contract: the conformance suite (runs against --target, twin by default)"
    )


@pytest.fixture(scope="session")
def contract_target(request: pytest.FixtureRequest) -> Target:
    """Where the conformance suite sends requests (``--target``)."""
    option = request.config.getoption
    try:
        return parse_target(
            option(OPT_TARGET),
            allowed_hosts=option(OPT_ALLOW_HOST),
            unique_properties=option(OPT_UNIQUE_PROPERTY),
            twin_seed=option(OPT_TWIN_SEED),
            twin_size=option(OPT_TWIN_SIZE),
        )
    except ContractError as exc:
        pytest.exit(str(exc), returncode=4)


@pytest.fixture(scope="session")
def contract(request: pytest.FixtureRequest, contract_target: Target) -> Contract:
    """The contract the suite judges against (``--contract``)."""
    kind = ContractKind(request.config.getoption(OPT_CONTRACT))
    try:
        return build_contract(kind, portal=contract_target.portal)
    except ContractError as exc:
        pytest.exit(str(exc), returncode=4)


@pytest.fixture(scope="session")
def contract_schema(contract: Contract, contract_target: Target) -> Any:
    """A schemathesis schema of the contract, bound to the target, sending its token."""
    schema = contract_target.bind(contract.schemathesis_schema())
    if not contract_target.send_unexpected_methods:
        schema.config.phases.coverage.unexpected_methods = set()
    token = contract_target.token

    @schema.auth()
    class BearerToken:
        def get(self, case: Any, ctx: Any) -> str:
            return token

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


class Judge:
    """Validates each exchange and keeps the tally.

    Against the effective contract a failure fails the test at once. Against the
    published one every failure is recorded, attributed to quirks, and the session fails
    at the end, so that one run lists every quirk rather than the first one Hypothesis
    shrinks to.
    """

    def __init__(self, contract: Contract, target: Target, tally: Tally) -> None:
        self._contract = contract
        self._target = target
        self._tally = tally
        self._excluded = excluded_check_functions()
        self._explainer = (
            QuirkExplainer(contract) if contract.kind is ContractKind.PUBLISHED else None
        )

    def send(self, case: Any) -> Any:
        case.body = self._target.records.steer(case.body, case.query)
        return case.call(session=self._target.session())

    def judge(self, case: Any, response: Any) -> None:
        from schemathesis.core.failures import FailureGroup

        session = self._target.session()
        self._tally.exchanges += 1
        try:
            case.validate_response(
                response,
                excluded_checks=self._excluded,
                transport_kwargs={"session": session} if session is not None else None,
            )
        except FailureGroup as group:
            if self._explainer is None:
                self._tally.add(regressions(case, group.exceptions))
                raise
            self._tally.add(self._explainer.explain(case, response, group.exceptions))


@pytest.fixture(scope="session")
def contract_judge(
    request: pytest.FixtureRequest, contract: Contract, contract_target: Target
) -> Judge:
    """Judges exchanges against ``--contract``; see :class:`Judge`."""
    tally = Tally(kind=contract.kind, ledger=contract.ledger)
    request.config.stash[_TALLY] = tally
    return Judge(contract, contract_target, tally)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    tally = config.stash.get(_TALLY, None)
    if tally is not None and tally.exchanges:
        terminalreporter.write_sep("=", "tickets-contract")
        terminalreporter.write_line(tally.render())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    tally = session.config.stash.get(_TALLY, None)
    if tally is not None and tally.failed and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
