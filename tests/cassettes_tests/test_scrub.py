"""Scrubbing: no secret reaches a cassette, and a write that would leak one is refused."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tickets_contract.cassettes import (
    RecordedResponse,
    Recorder,
    RecordingTarget,
    RecordMode,
    load_cassette,
    scenario_named,
)
from tickets_contract.cassettes.scrub import Scrubber
from tickets_contract.errors import SafetyError

from .conftest import Recording

SECRET = "tc-unit-secret-0a1b2c3d4e5f60718293"


def test_recording_leaves_no_trace_of_the_token(twin_recording: Recording) -> None:
    token = twin_recording.token
    forms = {token, quote(token, safe=""), base64.b64encode(token.encode()).decode()}
    files = [p for p in twin_recording.directory.rglob("*") if p.is_file()]
    assert files, "nothing was recorded"
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for form in forms:
            assert form not in text, f"{path.name} holds the token"
    # No temporary file is left behind: writes are atomic (temp file + os.replace).
    assert {p.suffix for p in files} == {".yaml"}


def test_the_token_was_really_sent(twin_recording: Recording) -> None:
    # The twin only knows the demo tokens and this one: a 200 proves it travelled, so the
    # test above proves scrubbing, not that the token was never used.
    cassette = load_cassette(twin_recording.directory / "by-id-all-found.yaml")
    interaction = cassette.interactions[0]
    assert interaction.response.status == 200
    assert interaction.request.headers["authorization"] == "Bearer <access token, redacted>"


def test_each_credential_is_named_not_shown(twin_recording: Recording) -> None:
    headers = {
        name: load_cassette(twin_recording.directory / f"{name}.yaml")
        .interactions[0]
        .request.headers
        for name in ("expired-token", "missing-scope", "missing-token")
    }
    assert headers["expired-token"]["authorization"] == "Bearer <expired token, redacted>"
    assert headers["missing-scope"]["authorization"] == "Bearer <no-scope token, redacted>"
    assert "authorization" not in headers["missing-token"]


def test_requests_lose_cookies_token_parameters_and_every_occurrence_of_the_token() -> None:
    request = httpx.Request(
        "POST",
        f"https://api.hubapi.com/crm/v3/objects/tickets/batch/read?archived=true&hapikey={SECRET}"
        f"&access_token={SECRET}",
        headers={
            "Authorization": f"Bearer {SECRET}",
            "Cookie": f"session={SECRET}",
            "User-Agent": "x",
            "Content-Type": "application/json",
        },
        json={"inputs": [{"id": SECRET}], "note": f"token={SECRET}"},
    )
    recorded = Scrubber({"access": SECRET}).request(request)
    assert dict(recorded.query) == {"archived": "true"}
    assert dict(recorded.headers) == {
        "content-type": "application/json",
        "authorization": "Bearer <access token, redacted>",
    }
    assert SECRET not in json.dumps(recorded.json)
    assert recorded.json["note"] == "token=<redacted>"


def test_an_unknown_credential_is_redacted_too() -> None:
    request = httpx.Request("GET", "https://x.test/", headers={"Authorization": "Bearer other"})
    assert Scrubber({"access": SECRET}).request(request).headers["authorization"] == "<redacted>"


def test_responses_keep_only_headers_that_matter_and_lose_the_token() -> None:
    response = httpx.Response(
        401,
        headers={
            "Content-Type": "application/json;charset=utf-8",
            "Set-Cookie": f"__cf={SECRET}",
            "X-HubSpot-Correlation-Id": "c033cdaa-2c40-4a64-ae48-b4cec88dad24",
            "X-Echo": SECRET,
            "Server": "cloudflare",
        },
        json={"message": f"token {SECRET} expired", "category": "EXPIRED_AUTHENTICATION"},
    )
    recorded = Scrubber({"access": SECRET}).response(response)
    assert set(recorded.headers) == {"content-type", "x-hubspot-correlation-id"}
    assert recorded.json["message"] == "token <redacted> expired"


@pytest.mark.parametrize(
    "leak",
    [
        SECRET,
        quote(f"a b/{SECRET}", safe=""),
        "pat-na1-11111111-2222-3333-4444-555555555555",
        "Authorization: Bearer abcdefgh12345678",
        "https://api.hubapi.com/x?hapikey=abc123",
    ],
    ids=["raw", "url-encoded", "hubspot-token-shape", "bearer", "hapikey"],
)
def test_ensure_clean_refuses_secrets_and_credential_shapes(leak: str) -> None:
    scrubber = Scrubber({"access": SECRET})
    with pytest.raises(SafetyError) as info:
        scrubber.ensure_clean(f"note: {leak!r}\n", where="x.yaml")
    assert "Nothing was written" in str(info.value)
    assert SECRET not in str(info.value)


def test_ensure_clean_accepts_a_scrubbed_cassette(twin_recording: Recording) -> None:
    text = (twin_recording.directory / "expired-token.yaml").read_text()
    Scrubber({"access": SECRET}).ensure_clean(text, where="expired-token.yaml")


def test_a_short_token_is_refused_before_anything_is_recorded() -> None:
    from tickets_contract.errors import ConfigError

    with pytest.raises(ConfigError, match="shorter than"):
        Scrubber({"access": "abc"})


class _LeakyScrubber(Scrubber):
    """A scrubber with a bug: the API echoes the token somewhere it does not look."""

    def __init__(self, secrets: dict[str, str]) -> None:
        super().__init__(secrets)
        self._leak = secrets["access"]

    def response(self, response: httpx.Response) -> RecordedResponse:
        recorded = super().response(response)
        return RecordedResponse(
            status=recorded.status,
            headers={**recorded.headers, "x-hubspot-echo": self._leak},
            json=recorded.json,
        )


def test_the_write_is_refused_when_scrubbing_misses_the_token(
    served_twin_target: RecordingTarget, tmp_path: Path
) -> None:
    target = served_twin_target
    secrets = {role.value: token for role, token in target.credentials.items()}
    recorder = Recorder(target, tmp_path, RecordMode.ALL, scrubber=_LeakyScrubber(secrets))
    scenario = scenario_named("by-id-all-found")
    assert scenario is not None
    with pytest.raises(SafetyError, match="access token appears"):
        recorder.record([scenario])
    assert list(tmp_path.iterdir()) == []
