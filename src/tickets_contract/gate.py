"""The gate's judge: sends each generated request and judges its answer, keeping the tally.

The conformance suite (``tickets_contract.suite``) hands every schemathesis case to a
``Judge`` (the ``contract_judge`` fixture of the pytest plugin builds it from the
options). For each case the judge

* steers the request onto records the target holds (``records.KnownRecords.steer``),
  sends it, and counts what the read found (the summary's read counts);
* judges the answer with schemathesis' built-in checks and the invariants
  (``judges.check_exchange``), and, sampled, with the relations, which send derived
  reads to the same target;
* against the effective contract, fails on any failure; against the published one,
  attributes every failure to quirks (``judges.QuirkExplainer``) and fails the session
  at the end only on regressions;
* and once per run sends the corpus scenarios (``probe.probe_quirks``): quirks that
  stopped reproducing, and fresh answers that are regressions.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schemathesis import checks as builtin
from schemathesis.core.failures import FailureGroup

from tickets_contract.cassettes import corpus_dir
from tickets_contract.cassettes.probe import probe_quirks
from tickets_contract.errors import ConfigError
from tickets_contract.hubspot import OBJECT_ID_PROPERTY
from tickets_contract.judging.invariants import HELD, INVARIANTS, ReadExchange
from tickets_contract.judging.judges import (
    BUILTIN_CHECKS,
    EXCLUDED_CHECKS,
    QuirkExplainer,
    check_exchange,
    excluded_check_functions,
    regressions,
)
from tickets_contract.judging.relations import (
    RELATION_BUDGET,
    RELATION_NAMES,
    REMOTE_RELATION_BUDGET,
    RelationSampler,
    relations_for,
    run_relations,
)
from tickets_contract.judging.report import Tally
from tickets_contract.network.har import HarLog
from tickets_contract.spec.contract import Contract, ContractKind
from tickets_contract.spec.witness import settled
from tickets_contract.targets import Target

__all__ = ["CHECK_OPTIONS", "Judge"]

# The options that choose checks, as the pytest plugin names them (--tc-checks and
# --tc-exclude-checks; `tickets-contract run` forwards its --checks to them). The plugin
# imports this module, so the names are not imported from it; tests/test_options.py
# holds the two spellings equal.
CHECK_OPTIONS = ("--tc-checks", "--tc-exclude-checks")


def _is_positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is None or not meta.generation.mode.is_negative


def _phase(case: Any) -> str | None:
    meta = getattr(case, "meta", None)
    return None if meta is None else str(meta.phase.name.value)


def _enabled_checks(
    known: list[str], checks: Collection[str] | None, exclude: Collection[str]
) -> set[str]:
    for option, names in zip(CHECK_OPTIONS, (checks or (), exclude), strict=True):
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ConfigError(
                source=option,
                where=unknown[0],
                problem="is not a check of this suite",
                fix=f"choose among: {', '.join(known)}",
            )
    return set(checks if checks is not None else known) - set(exclude)


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
        started = datetime.now(UTC)
        response = case.call(session=self._target.session())
        self._har.add(response, started)
        return response

    def _count_read(self, case: Any, response: Any) -> None:
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
        corpus = self._corpus or corpus_dir()
        result = probe_quirks(self._target.recording_target(), corpus=corpus)
        self._tally.probe.update({q: s.value for q, s in result.statuses.items()})
        self._tally.probe_evaluated.update(result.evaluated)
        if result.live:
            self._tally.settled.update(settled(self._tally.ledger, result.witnessed))
        if result.regressions:
            self._tally.add(list(result.regressions))
            lines = [f"{d.check}: {d.title}: {d.message.strip()[:300]}" for d in result.regressions]
            raise AssertionError(
                "corpus scenarios sent to the target came back as regressions:\n" + "\n".join(lines)
            )

    def judge(self, case: Any, response: Any) -> None:
        session = self._target.session()
        self._tally.exchanges += 1
        self._report_progress()
        group = check_exchange(
            case,
            response,
            additional_checks=self._invariants,
            excluded_checks=self._excluded,
            session=session,
        )
        if group is not None:
            if self._explainer is None:
                self._tally.add(regressions(case, group.exceptions))
                raise group
            self._tally.add(self._explainer.explain(case, response, group.exceptions))
        self._relate(case, response)
