"""Replay: cassettes answer through respx, and a stale cassette fails loudly."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from tickets_contract.cassettes import Replay, ReplayExhausted, corpus_dir, load_cassettes

READ = "https://api.hubapi.com/crm/v3/objects/tickets/batch/read"


def _replay(*names: str, **kwargs: object) -> Replay:
    return Replay(load_cassettes(corpus_dir(), names), **kwargs)  # type: ignore[arg-type]


def _body(name: str, index: int = 0) -> object:
    return load_cassettes(corpus_dir(), [name])[0].interactions[index].request.json


def test_the_parsed_body_matches_whatever_its_spacing_and_key_order() -> None:
    body = _body("by-id-partial-miss")
    assert isinstance(body, dict)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    with _replay("by-id-partial-miss"):
        response = httpx.post(READ, content=reordered, headers={"Authorization": "Bearer x"})
    assert response.status_code == 207
    assert response.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert response.headers["content-type"] == "application/json;charset=utf-8"


def test_the_query_tells_requests_with_the_same_body_apart() -> None:
    body = _body("archived-mixed")
    with _replay("archived-mixed"):
        without = httpx.post(READ, json=body)
        archived = httpx.post(READ, json=body, params={"archived": "true"})
    missing = [r.json()["errors"][0]["context"]["ids"] for r in (archived, without)]
    assert missing[0] != missing[1]


def test_repeated_requests_are_answered_in_recorded_order_then_exhausted() -> None:
    body = _body("rate-limited")
    with _replay("rate-limited"):
        statuses = [httpx.post(READ, json=body).status_code for _ in range(3)]
        with pytest.raises(ReplayExhausted, match="recorded 3 time"):
            httpx.post(READ, json=body)
    assert statuses == [200, 200, 429]


def test_a_body_that_is_not_json_matches_byte_for_byte() -> None:
    text = load_cassettes(corpus_dir(), ["malformed-json"])[0].interactions[0].request.text
    assert text is not None
    with _replay("malformed-json"):
        assert httpx.post(READ, content=text).status_code == 400


def test_an_unrecorded_request_fails() -> None:
    with (
        pytest.raises(respx.models.AllMockedAssertionError),
        _replay("by-id-all-found", assert_all_called=False),
    ):
        httpx.post(READ, json={"inputs": [{"id": "1"}]})


def test_a_recorded_request_never_sent_fails() -> None:
    with pytest.raises(AssertionError, match="not called"), _replay("by-id-all-found"):
        pass


def test_recorded_answers_left_unused_fail() -> None:
    body = _body("rate-limited")

    def send_two_of_three() -> None:
        with _replay("rate-limited"):
            httpx.post(READ, json=body)
            httpx.post(READ, json=body)

    with pytest.raises(AssertionError, match="1 of 3 recorded answer"):
        send_two_of_three()


def test_another_host_is_not_answered_unless_asked() -> None:
    body = _body("by-id-all-found")
    with _replay("by-id-all-found", base_url=None):
        assert httpx.post("http://127.0.0.1:9/crm/v3/objects/tickets/batch/read", json=body)
    with (
        pytest.raises(respx.models.AllMockedAssertionError),
        _replay("by-id-all-found", assert_all_called=False),
    ):
        httpx.post("http://127.0.0.1:9/crm/v3/objects/tickets/batch/read", json=body)


USER_TEST = """
import httpx
import pytest

READ = "https://api.hubapi.com/crm/v3/objects/tickets/batch/read"

@pytest.mark.cassette("by-id-partial-miss")
def test_my_client_reports_missing_tickets(cassette_replay):
    sent = cassette_replay.cassettes[0].interactions[0].request.json
    response = httpx.post(READ, json=sent, headers={"Authorization": "Bearer any"})
    assert response.status_code == 207
    assert response.json()["errors"][0]["context"]["ids"] == ["9000000000001", "9000000000002"]

@pytest.mark.cassette("by-id-partial-miss")
def test_a_client_sending_something_else_fails(cassette_replay):
    httpx.post(READ, json={"inputs": [{"id": "1"}]})

@pytest.mark.cassette("by-id-partial-miss")
def test_a_client_sending_nothing_fails(cassette_replay):
    pass

def test_the_fixture_needs_the_marker(cassette_replay):
    pass

@pytest.mark.cassette("no-such-cassette")
def test_an_unknown_cassette_is_named(cassette_replay):
    pass
"""


def test_the_pytest_fixture_replays_and_fails_loudly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    # A client that sends nothing passes its call and errors at teardown; one that sends
    # something else fails its call, and the recorded request it never sent errors too.
    result.assert_outcomes(passed=2, failed=1, errors=4)
    out = result.stdout.str()
    assert "not mocked" in out
    assert "not called" in out
    assert "needs the cassettes to replay" in out
    assert "no-such-cassette.yaml" in out


def test_the_readme_example_runs(pytester: pytest.Pytester) -> None:
    # The repository's README, also when the package under test is an installed wheel.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Cassettes", 1)[1].split("\n## ", 1)[0]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(example.strip().splitlines()) <= 10
    pytester.makepyfile(test_readme=example)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
