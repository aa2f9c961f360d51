"""The quirk probe: does the target still show each quirk its cassettes are evidence for?

Generated requests show a quirk only by chance. The corpus scenarios show them on
purpose: the probe sends every scenario to the target (through the recorder, so the
same guards, scrubbing and rate budget apply; the recordings go to a temporary
directory and are discarded), judges the fresh answers against the published contract,
and compares the quirks they show with those the committed cassettes show.

    reproduces             a fresh answer still shows the quirk
    no longer reproduces   the corpus shows it, every scenario showing it was probed,
                           and none of the fresh answers shows it: the API changed
    not probed             the scenarios that show it could not be sent (no records,
                           no token for that role, not sendable to a live API)

Fresh answers that the effective contract rejects, or that deviate from the published
one where no quirk explains it, are regressions.

When the target is the live API (recorded as ``live``), the fresh answers also settle
the ledger's bets: ``witnessed`` says, per entry, whether they confirmed or refuted it
(``witness``); the run's report lists each assumed or reported entry's verdict.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from tickets_contract.files import FileVersion, file_version
from tickets_contract.judging.judges import Deviation
from tickets_contract.spec.contract import LEDGER_NAME, specs_dir
from tickets_contract.spec.witness import Witnessed, witness_cassettes

if TYPE_CHECKING:
    from tickets_contract.cassettes import Cassette, RecordingTarget, Scenario
    from tickets_contract.cassettes.judging import CassetteJudge

__all__ = ["ProbeResult", "QuirkStatus", "probe_quirks"]


class QuirkStatus(StrEnum):
    REPRODUCES = "reproduces"
    GONE = "no longer reproduces"
    NOT_PROBED = "not probed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeResult:
    """Each quirk's status, the regressions fresh answers showed, what was sent."""

    statuses: Mapping[str, QuirkStatus]
    regressions: tuple[Deviation, ...]
    probed: tuple[str, ...]
    skipped: Mapping[str, str]
    # Quirk -> probed scenarios whose cassette shows it: the exchanges that tested it.
    evaluated: Mapping[str, int] = field(default_factory=dict)
    live: bool = False
    witnessed: Mapping[str, Witnessed] = field(default_factory=dict)


def probe_quirks(
    target: RecordingTarget, *, corpus: Path, scenarios: Sequence[Scenario] | None = None
) -> ProbeResult:
    """Send the corpus scenarios to ``target`` (a cassettes.RecordingTarget) and compare."""
    # why: the recorder, its HTTP client and the judge load only when the probe runs
    from tickets_contract.cassettes import (
        SCENARIOS,
        Recorder,
        RecordMode,
        SourceKind,
        load_cassette,
    )
    from tickets_contract.cassettes.judging import CassetteJudge

    judge = CassetteJudge()
    todo = list(SCENARIOS if scenarios is None else scenarios)
    expected: dict[str, set[str]] = {}  # quirk -> scenarios whose cassette shows it
    for scenario in todo:
        path = corpus / f"{scenario.name}.yaml"
        if path.is_file():
            for quirk in _shown_by_committed(path, judge, load_cassette):
                expected.setdefault(quirk, set()).add(scenario.name)
    shown: set[str] = set()
    regressions: list[Deviation] = []
    probed: list[str] = []
    skipped: dict[str, str] = {}
    fresh: list[Cassette] = []
    with tempfile.TemporaryDirectory(prefix="tickets-contract-probe-") as workdir:
        outcomes = Recorder(target, Path(workdir), RecordMode.ONCE).record(todo)
        for outcome in outcomes:
            if not outcome.path.is_file():
                skipped[outcome.scenario] = outcome.detail
                continue
            probed.append(outcome.scenario)
            fresh.append(load_cassette(outcome.path))
            verdict = judge.judge(fresh[-1])
            shown |= verdict.shown
            for interaction in verdict.interactions:
                regressions.extend(_named(d, outcome.scenario) for d in interaction.regressions)
                regressions.extend(
                    _named(d, outcome.scenario) for d in interaction.deviations if d.is_regression
                )
    statuses: dict[str, QuirkStatus] = {}
    for quirk, showing in sorted(expected.items()):
        if quirk in shown:
            statuses[quirk] = QuirkStatus.REPRODUCES
        elif showing <= set(probed):
            statuses[quirk] = QuirkStatus.GONE
        else:
            statuses[quirk] = QuirkStatus.NOT_PROBED
    live = target.kind is SourceKind.LIVE
    return ProbeResult(
        statuses=statuses,
        regressions=tuple(regressions),
        probed=tuple(probed),
        skipped=skipped,
        evaluated={q: len(showing & set(probed)) for q, showing in sorted(expected.items())},
        live=live,
        witnessed=witness_cassettes(fresh) if live else {},
    )


_SHOWN: dict[tuple[FileVersion, FileVersion], frozenset[str]] = {}


def _file_key(path: Path) -> FileVersion:
    return file_version(path) or (str(path.resolve()), 0, 0)


def _shown_by_committed(
    path: Path, judge: CassetteJudge, load: Callable[[Path], Cassette]
) -> frozenset[str]:
    """The quirks the committed cassette at ``path`` shows (judged against the default
    ledger), kept per process: every probe of a run, and every gate run in one process
    (a test session), judged the same unchanged files again. Keyed on the version of the
    cassette and of the ledger (path, mtime, size), as ``CassetteJudge`` keys its
    contracts: an edited file is judged afresh."""
    key = (_file_key(path), _file_key(specs_dir() / LEDGER_NAME))
    shown = _SHOWN.get(key)
    if shown is None:
        shown = _SHOWN[key] = judge.judge(load(path)).shown
    return shown


def _named(deviation: Deviation, scenario: str) -> Deviation:
    return Deviation(
        check=deviation.check,
        title=f"{deviation.title} (scenario {scenario})",
        message=deviation.message,
        case_id=scenario,
        quirks=deviation.quirks,
    )
