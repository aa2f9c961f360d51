"""Fixtures of the cassette tests: the corpus recorded once per session from a served twin."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tickets_contract.cassettes import (
    SCENARIOS,
    Outcome,
    Recorder,
    RecordingTarget,
    RecordMode,
    SourceKind,
    http_recording_target,
    twin_recording_target,
)
from tickets_contract.records import twin_records
from tickets_contract.targets import TOKEN_ENV
from tickets_contract.twin import DEMO_TOKEN, UNIQUE_PROPERTY, Twin, serve_in_thread

# Recognisable, and shaped like nothing else in a cassette: if it shows up, it leaked.
TOKEN = "tc-scrub-canary-3f9d2a7c41b85e06-must-never-reach-a-cassette"


@dataclass(frozen=True, slots=True, kw_only=True)
class Recording:
    directory: Path
    outcomes: tuple[Outcome, ...]
    token: str


@pytest.fixture(scope="session")
def twin_recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """Every scenario recorded from a twin served over loopback, with a distinctive token."""
    directory = tmp_path_factory.mktemp("cassettes")
    target = twin_recording_target(access_token=TOKEN)
    outcomes = Recorder(target, directory, RecordMode.ONCE).record(SCENARIOS)
    return Recording(directory=directory, outcomes=tuple(outcomes), token=TOKEN)


@pytest.fixture(scope="session")
def served_twin() -> Iterator[str]:
    """A default twin served over loopback for the session: its base URL."""
    with serve_in_thread(Twin()) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def served_twin_target(served_twin: str) -> RecordingTarget:
    """Recording from ``served_twin`` as any served twin is recorded (kind twin, by URL)."""
    return http_recording_target(
        served_twin,
        kind=SourceKind.TWIN,
        records=twin_records(Twin(), UNIQUE_PROPERTY),
        environ={TOKEN_ENV: DEMO_TOKEN},
    )
