"""Cassettes: recorded exchanges with the batch read, and how to record, judge and replay them.

    format     the YAML format, validated on load (CassetteError names file, place, fix)
    scenarios  the scenario corpus: each scenario's requests, over the target's records
    recorder   record scenarios from a target (record modes none/once/new/all)
    transport  the httpx transport that guards, sends and captures while recording
    scrub      secrets out, fail closed; volatile  placeholders for per-request values
    diff       what changed between two recordings, apart from volatile values
    replay     a respx router answering from cassettes
    judging    each recorded exchange against the effective and published contracts
    parity     the twin answering every cassette's requests as the cassette shows

The recorded corpus lives in ``tests/cassettes/`` of a source checkout (``corpus_dir``).

The names below are re-exported lazily (PEP 562): importing the package, or its format,
loads no recorder, target or HTTP client until one of them is used.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tickets_contract.cassettes.diff import Change, semantic_diff
    from tickets_contract.cassettes.format import (
        Cassette,
        Interaction,
        RecordedRequest,
        RecordedResponse,
        Source,
        SourceKind,
        dump_cassette,
        load_cassette,
        load_cassettes,
    )
    from tickets_contract.cassettes.recorder import (
        Outcome,
        OutcomeStatus,
        Recorder,
        RecordingTarget,
        RecordMode,
        http_recording_target,
        twin_recording_target,
    )
    from tickets_contract.cassettes.replay import Replay, ReplayExhausted
    from tickets_contract.cassettes.scenarios import SCENARIOS, Credential, Scenario, scenario_named

__all__ = [
    "SCENARIOS",
    "Cassette",
    "Change",
    "Credential",
    "Interaction",
    "Outcome",
    "OutcomeStatus",
    "RecordMode",
    "RecordedRequest",
    "RecordedResponse",
    "Recorder",
    "RecordingTarget",
    "Replay",
    "ReplayExhausted",
    "Scenario",
    "Source",
    "SourceKind",
    "corpus_dir",
    "dump_cassette",
    "http_recording_target",
    "load_cassette",
    "load_cassettes",
    "scenario_named",
    "semantic_diff",
    "twin_recording_target",
]

# name -> the submodule that defines it, imported on first use.
_LAZY: dict[str, str] = {
    "Cassette": "format",
    "Change": "diff",
    "Credential": "scenarios",
    "Interaction": "format",
    "Outcome": "recorder",
    "OutcomeStatus": "recorder",
    "RecordMode": "recorder",
    "RecordedRequest": "format",
    "RecordedResponse": "format",
    "Recorder": "recorder",
    "RecordingTarget": "recorder",
    "Replay": "replay",
    "ReplayExhausted": "replay",
    "SCENARIOS": "scenarios",
    "Scenario": "scenarios",
    "Source": "format",
    "SourceKind": "format",
    "dump_cassette": "format",
    "http_recording_target": "recorder",
    "load_cassette": "format",
    "load_cassettes": "format",
    "scenario_named": "scenarios",
    "semantic_diff": "diff",
    "twin_recording_target": "recorder",
}


def __getattr__(name: str) -> Any:
    # why: lazy re-exports keep the format a leaf (the recorder needs httpx and the guards)
    submodule = _LAZY.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def corpus_dir() -> Path:
    """Where the recorded corpus lives.

    A wheel that ships the corpus carries it inside the package (``cassettes/corpus``); a
    source checkout (also an editable install) reads ``tests/cassettes`` at the top of the
    repository, where reviewers see it.
    """
    packaged = Path(__file__).parent / "corpus"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "tests" / "cassettes"
