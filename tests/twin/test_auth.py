"""Who may call (U6, S5): 401 for missing, unknown or expired tokens, 403 without scope."""

from __future__ import annotations

import pytest

from tickets_contract.twin import (
    DEMO_TOKEN,
    EXPIRED_TOKEN,
    NO_SCOPE_TOKEN,
    TicketStore,
    Twin,
    TwinConfig,
    TwinRequest,
)

from .helpers import FakeClock, batch_request, inputs, list_request, live, read

NOT_FOUND = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
    "you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


@pytest.mark.parametrize(
    ("authorization", "status", "category"),
    [
        pytest.param(None, 401, "INVALID_AUTHENTICATION", id="no-header"),
        pytest.param("Bearer", 401, "INVALID_AUTHENTICATION", id="no-token"),
        pytest.param(f"Basic {DEMO_TOKEN}", 401, "INVALID_AUTHENTICATION", id="basic-scheme"),
        pytest.param(f"Bearer {DEMO_TOKEN}x", 401, "INVALID_AUTHENTICATION", id="unknown-token"),
        pytest.param(DEMO_TOKEN, 401, "INVALID_AUTHENTICATION", id="no-scheme"),
        pytest.param(f"Bearer {EXPIRED_TOKEN}", 401, "EXPIRED_AUTHENTICATION", id="expired"),
        pytest.param(f"Bearer {NO_SCOPE_TOKEN}", 403, "MISSING_SCOPES", id="no-scope"),
        pytest.param(f"Bearer {DEMO_TOKEN}", 200, None, id="demo-token"),
        pytest.param(f"bearer  {DEMO_TOKEN} ", 200, None, id="scheme-any-case"),
    ],
)
def test_tokens(
    twin: Twin, store: TicketStore, authorization: str | None, status: int, category: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    body = b'{"inputs": [{"id": "%s"}]}' % live(store, 1)[0].id.encode()
    response = twin.handle(
        TwinRequest(
            method="POST", path="/crm/v3/objects/tickets/batch/read", headers=headers, body=body
        )
    )
    assert response.status == status
    assert response.json().get("category") == category


def test_invalid_authentication_says_what_hubspot_says(twin: Twin) -> None:
    body = read(twin, {"inputs": []}, token="pat-na1-unknown").json()
    assert list(body) == ["status", "message", "correlationId", "category"]
    assert body["message"] == NOT_FOUND


def test_expired_token_reports_how_long_ago(store: TicketStore, clock: FakeClock) -> None:
    twin = Twin(store, TwinConfig(expired_token_age_seconds=90), clock)
    body = read(twin, {"inputs": []}, token=EXPIRED_TOKEN).json()
    assert body["message"] == "The OAuth token used to make this call expired 90 second(s) ago."
    assert body["context"] == {"expire time": ["2026-03-02T09:28:30.123Z"]}
    assert list(body) == ["status", "message", "correlationId", "context", "category"]


def test_missing_scopes_lists_the_required_scopes(twin: Twin) -> None:
    body = read(twin, {"inputs": []}, token=NO_SCOPE_TOKEN).json()
    assert body["message"].startswith("This app hasn't been granted all required scopes")
    (error,) = body["errors"]
    assert error["message"] == "One or more of the following scopes are required."
    assert "tickets" in error["context"]["requiredGranularScopes"]
    assert body["links"] == {"scopes": "https://developers.hubspot.com/scopes"}


def test_extra_tokens_are_valid(store: TicketStore, clock: FakeClock) -> None:
    twin = Twin(store, TwinConfig(extra_tokens=("pat-eu1-mine",)), clock)
    assert read(twin, {"inputs": []}, token="pat-eu1-mine").status == 200
    assert (
        read(Twin(store, TwinConfig(), clock), {"inputs": []}, token="pat-eu1-mine").status == 401
    )


@pytest.mark.parametrize(
    ("token", "status"),
    [
        pytest.param(None, 401, id="no-token"),
        pytest.param(EXPIRED_TOKEN, 401, id="expired"),
        pytest.param(NO_SCOPE_TOKEN, 403, id="no-scope"),
    ],
)
def test_auth_is_checked_before_the_body(twin: Twin, token: str | None, status: int) -> None:
    bad_body = batch_request(raw=b"{not json", token=token, headers={"Content-Type": "text/xml"})
    assert twin.handle(bad_body).status == status
    too_many = batch_request({"inputs": inputs(*map(str, range(500)))}, token=token)
    assert twin.handle(too_many).status == status


def test_the_list_endpoint_needs_auth_too(twin: Twin) -> None:
    assert twin.handle(list_request(token=NO_SCOPE_TOKEN)).status == 403
    assert twin.handle(list_request(token="nope")).status == 401
