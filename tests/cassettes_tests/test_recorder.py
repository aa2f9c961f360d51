"""Recording: record modes, semantic diffs, skips with reasons, and the safety guards."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import httpx
import pytest
import yaml

from tickets_contract.cassettes import (
    OutcomeStatus,
    Recorder,
    RecordingTarget,
    RecordMode,
    SourceKind,
    http_recording_target,
    load_cassette,
    scenario_named,
    semantic_diff,
)
from tickets_contract.cassettes.scenarios import SCENARIOS, Scenario
from tickets_contract.cassettes.transport import RecordingTransport
from tickets_contract.cli import EXIT_OK, EXIT_SAFETY, main
from tickets_contract.errors import SafetyError
from tickets_contract.records import KnownRecords

from .conftest import Recording

READ = "https://api.hubapi.com/crm/v3/objects/tickets/batch/read"
TOKEN = "tc-recorder-test-token-5b1e9c"


def _scenario(name: str) -> Scenario:
    scenario = scenario_named(name)
    assert scenario is not None
    return scenario


def test_every_scenario_was_recorded_from_the_served_twin(twin_recording: Recording) -> None:
    statuses = {o.scenario: o.status for o in twin_recording.outcomes}
    assert statuses == {s.name: OutcomeStatus.RECORDED for s in SCENARIOS}
    cassette = load_cassette(twin_recording.directory / "rate-limited.yaml")
    assert cassette.source.kind is SourceKind.TWIN
    assert dict(cassette.source.twin) == {"seed": 0, "size": 1000, "rate_limit_ten_secondly": 2}
    assert [i.response.status for i in cassette.interactions] == [200, 200, 429]


def test_modes_never_overwrite_except_all_and_show_what_changed(
    served_twin_target: RecordingTarget, tmp_path: Path
) -> None:
    target = served_twin_target
    scenarios = [_scenario("by-id-partial-miss"), _scenario("by-id-all-found")]
    path = tmp_path / "by-id-partial-miss.yaml"
    first = Recorder(target, tmp_path, RecordMode.ONCE).record(scenarios[:1])
    assert [o.status for o in first] == [OutcomeStatus.RECORDED]
    recorded = path.read_text()
    data = yaml.safe_load(recorded)
    data["interactions"][0]["response"]["status"] = 500
    data["interactions"][0]["response"]["json"]["startedAt"] = "1999-01-01T00:00:00Z"
    tampered = yaml.safe_dump(data, sort_keys=False)
    path.write_text(tampered)

    once = Recorder(target, tmp_path, RecordMode.ONCE).record(scenarios)
    assert [o.status for o in once] == [OutcomeStatus.KEPT, OutcomeStatus.RECORDED]
    assert path.read_text() == tampered

    new = Recorder(target, tmp_path, RecordMode.NEW).record(scenarios)
    assert [o.status for o in new] == [OutcomeStatus.DRIFTED, OutcomeStatus.UNCHANGED]
    assert path.read_text() == tampered
    # The volatile startedAt differs too, but only the status is a change.
    assert [str(c) for c in new[0].changes] == ["interactions[0].response.status: 500 -> 207"]

    everything = Recorder(target, tmp_path, RecordMode.ALL).record(scenarios)
    assert [o.status for o in everything] == [OutcomeStatus.CHANGED, OutcomeStatus.UNCHANGED]
    # Re-recorded as first recorded, but for when, and for the counters the twin sends on
    # every answer (quirk rate-limit-headers-on-every-answer): marked volatile, kept as sent.
    assert _counters_masked(path.read_text()) == _counters_masked(
        recorded.replace(_recorded_at(recorded), _recorded_at(path.read_text()))
    )

    none = Recorder(target, tmp_path, RecordMode.NONE).record(scenarios)
    assert {o.status for o in none} == {OutcomeStatus.KEPT}


def _counters_masked(text: str) -> str:
    return re.sub(r"(x-hubspot-ratelimit-remaining: )'\d+'", r"\1'N'", text)


def _recorded_at(text: str) -> str:
    return str(yaml.safe_load(text)["recorded_at"])


def test_the_semantic_diff_ignores_volatile_values_and_result_order(
    twin_recording: Recording,
) -> None:
    cassette = load_cassette(twin_recording.directory / "by-id-partial-miss.yaml")
    response = cassette.interactions[0].response
    body = dict(response.json)
    body["results"] = list(reversed(body["results"]))
    body["completedAt"] = "2030-01-01T00:00:00Z"
    headers = {
        **response.headers,
        "x-hubspot-correlation-id": "c033cdaa-0000-4000-8000-000000000000",
    }
    shuffled = dataclasses.replace(
        cassette,
        recorded_at="2030-01-01",
        interactions=(
            dataclasses.replace(
                cassette.interactions[0],
                response=dataclasses.replace(response, json=body, headers=headers),
            ),
        ),
    )
    assert semantic_diff(cassette, shuffled) == ()
    body["results"][0] = {**body["results"][0], "archived": True}
    changed = semantic_diff(cassette, shuffled)
    assert len(changed) == 1
    assert changed[0].where.endswith(".archived")
    assert (changed[0].old, changed[0].new) == ("false", "true")


def test_scenarios_a_live_target_cannot_show_are_skipped_with_the_reason(tmp_path: Path) -> None:
    target = http_recording_target(
        "http://127.0.0.1:9",  # nothing listens: a skipped scenario sends nothing
        kind=SourceKind.LIVE,
        records=KnownRecords(ids=("1",)),
        environ={"HUBSPOT_ACCESS_TOKEN": TOKEN},
    )
    names = [
        "expired-token",
        "missing-scope",
        "rate-limited",
        "archived-only",
        "id-property-all-found",
    ]
    outcomes = Recorder(target, tmp_path, RecordMode.ONCE).record([_scenario(n) for n in names])
    reasons = {o.scenario: o.detail for o in outcomes}
    assert {o.status for o in outcomes} == {OutcomeStatus.SKIPPED}
    assert "HUBSPOT_EXPIRED_TOKEN" in reasons["expired-token"]
    assert "HUBSPOT_NO_SCOPE_TOKEN" in reasons["missing-scope"]
    assert "shared rate limit" in reasons["rate-limited"]
    assert "archived_ids" in reasons["archived-only"]
    assert "unique_property" in reasons["id-property-all-found"]
    assert list(tmp_path.iterdir()) == []


class _Spy(httpx.BaseTransport):
    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return httpx.Response(200, json={})


@pytest.mark.parametrize(
    ("method", "url", "headers", "allowed"),
    [
        ("POST", "https://proxy.example.com/crm/v3/objects/tickets/batch/read", True, False),
        ("POST", f"https://proxy.example.com/crm/v3/objects/tickets?hapikey={TOKEN}", False, False),
        ("DELETE", READ, True, False),
        ("POST", "https://api.hubapi.com/crm/v3/objects/tickets", True, False),
        ("POST", READ, True, True),
        ("GET", "http://127.0.0.1:9/crm/v3/objects/tickets", True, True),
        # Issue 9: with or without a token, nothing goes to a host that is not allowed (a
        # URL with credentials makes the client send them instead of the token).
        ("POST", "https://proxy.example.com/crm/v3/objects/tickets/batch/read", False, False),
        ("POST", "https://u:p@127.0.0.1:9/crm/v3/objects/tickets/batch/read", False, False),
    ],
)
def test_the_guards_refuse_before_anything_is_sent(
    method: str, url: str, headers: bool, allowed: bool
) -> None:
    spy = _Spy()
    transport = RecordingTransport(secrets=[TOKEN], allowed_hosts=["api.hubapi.com"], inner=spy)
    auth = {"Authorization": f"Bearer {TOKEN}"} if headers else {}
    with httpx.Client(transport=transport) as client:
        if allowed:
            client.request(method, url, headers=auth)
            assert len(spy.sent) == 1
        else:
            with pytest.raises(SafetyError, match="Nothing was sent"):
                client.request(method, url, headers=auth)
            assert spy.sent == []


def _records_file(tmp_path: Path) -> Path:
    path = tmp_path / "records.toml"
    path.write_text('[tool.tickets-contract.records]\nids = ["17000001856"]\n')
    return path


def test_cli_records_from_the_twin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["record", "--cassette-dir", str(tmp_path), "--scenario", "missing-token"]
    assert main(argv) == EXIT_OK
    assert "recorded  missing-token" in capsys.readouterr().out
    assert load_cassette(tmp_path / "missing-token.yaml").interactions[0].response.status == 401


def test_cli_refuses_to_send_the_token_to_a_host_not_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    argv = [
        "record",
        "--target",
        "https://tickets.example.com",
        "--source",
        "live",
        "--records",
        str(_records_file(tmp_path)),
        "--cassette-dir",
        str(tmp_path / "out"),
        "--scenario",
        "by-id-all-found",
    ]
    assert main(argv) == EXIT_SAFETY
    err = capsys.readouterr().err
    assert "tickets.example.com" in err
    assert "--allow-host tickets.example.com" in err
    assert TOKEN not in err
    assert not (tmp_path / "out" / "by-id-all-found.yaml").exists()


def test_cli_asks_where_a_base_url_answers_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", "--target", "http://127.0.0.1:9"]) != EXIT_OK
    assert "--source live or --source twin" in capsys.readouterr().err


def test_cli_lists_the_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "--list"]) == EXIT_OK
    out = capsys.readouterr().out
    assert all(s.name in out for s in SCENARIOS)
    assert "not recordable live" in out
