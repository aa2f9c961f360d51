"""The cassettes package's public surface, its pytest wiring, and parity of live cassettes."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import tickets_contract.cassettes as package
from tickets_contract.cassettes import SourceKind, corpus_dir, load_cassette
from tickets_contract.cassettes.format import Source
from tickets_contract.cassettes.parity import twin_parity


def test_exports_are_sorted_and_every_module_declares_all() -> None:
    exported = package.__all__
    assert exported == sorted(exported, key=lambda name: (not name.isupper(), name))
    for name in exported:
        assert getattr(package, name) is not None
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        declared = getattr(module, "__all__", None)
        assert declared is not None, f"{info.name} has no __all__"
        assert all(hasattr(module, name) for name in declared), info.name


def test_a_live_cassette_is_compared_by_input_position() -> None:
    # A live cassette's ids do not exist in the twin: its scenario is resolved again
    # against the twin's own records, and inputs are compared position by position.
    recorded = load_cassette(corpus_dir() / "archived-mixed.yaml")
    live = dataclasses.replace(
        recorded, source=Source(kind=SourceKind.LIVE, detail="HubSpot's API (relabelled)")
    )
    assert twin_parity(live) == []
    other = dataclasses.replace(live, name="by-id-partial-miss")
    assert any("outcome" in line or "requests" in line for line in twin_parity(other))


README_TEST = """
import httpx
import pytest

@pytest.mark.cassette("missing-token")
def test_recorded_then_replayed(cassette_replay):
    sent = cassette_replay.cassettes[0].interactions[0].request
    response = httpx.post(
        "https://api.hubapi.com" + sent.path, json=sent.json
    )
    assert response.status_code == 401
"""


def test_record_mode_once_records_the_named_scenario_from_the_twin(
    pytester: pytest.Pytester,
) -> None:
    directory = Path(pytester.mkdir("cassettes"))
    pytester.makepyfile(test_user=README_TEST)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--tc-record-mode", "once", "--tc-cassette-dir", str(directory)
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*cassette recorded  missing-token*"])
    assert [p.name for p in directory.iterdir()] == ["missing-token.yaml"]
    # Replay only (the default) finds it again and sends nothing.
    again = pytester.runpytest("-p", "no:cacheprovider", "--tc-cassette-dir", str(directory))
    again.assert_outcomes(passed=1)
    assert "cassette recorded" not in again.stdout.str()


def test_record_mode_refuses_a_base_url_target() -> None:
    from tickets_contract.errors import ConfigError
    from tickets_contract.plugin import _recording_target

    class Options:
        def getoption(self, name: str) -> str:
            assert name == "--tc-target"
            return "http://127.0.0.1:9"

    # A cassette says where it came from; pytest cannot tell a proxy of HubSpot from a twin.
    with pytest.raises(ConfigError, match=re.escape("--source live|twin")):
        _recording_target(Options())  # type: ignore[arg-type]


def test_the_marker_takes_a_cassette_next_to_the_test(pytester: pytest.Pytester) -> None:
    source = corpus_dir() / "missing-token.yaml"
    (pytester.path / source.name).write_text(source.read_text())
    pytester.makepyfile(
        test_user=README_TEST.replace('cassette("missing-token")', 'cassette("missing-token.yaml")')
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--tc-cassette-dir", "/nonexistent")
    result.assert_outcomes(passed=1)
