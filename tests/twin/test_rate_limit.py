"""Rate limits (S3, S15, S16, S18): TEN_SECONDLY_ROLLING and DAILY 429s and headers, on the
clock."""

from __future__ import annotations

import uuid

from tickets_contract.twin import TicketStore, Twin, TwinConfig, TwinResponse

from .helpers import FakeClock, list_request, read

EMPTY: dict[str, list[str]] = {"inputs": []}


def rate_headers(response: TwinResponse) -> dict[str, str]:
    return {
        name: value for name, value in response.headers if name.startswith("X-HubSpot-RateLimit")
    }


def test_not_enforced_by_default_but_announced_on_ordinary_answers(twin: Twin) -> None:
    # S29: the window headers come on successful answers too (quirk
    # rate-limit-headers-on-every-answer); nothing is refused unless a limit is on.
    for count in range(1, 131):
        response = read(twin, EMPTY)
        assert response.status == 200
        assert rate_headers(response) == {
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": "100",
            "X-HubSpot-RateLimit-Remaining": str(max(0, 100 - count)),
        }


def test_no_rate_limit_headers_when_nothing_is_announced(
    store: TicketStore, clock: FakeClock
) -> None:
    twin = Twin(store, TwinConfig(advertised_ten_secondly=None), clock)
    for _ in range(5):
        response = read(twin, EMPTY)
        assert response.status == 200
        assert rate_headers(response) == {}


def test_ten_secondly_rolling(store: TicketStore, clock: FakeClock) -> None:
    twin = Twin(store, TwinConfig(rate_limit_ten_secondly=3, app_id=11, portal_id=22), clock)
    remaining = []
    for _ in range(3):
        response = read(twin, EMPTY)
        assert response.status == 200
        remaining.append(rate_headers(response)["X-HubSpot-RateLimit-Remaining"])
        clock.advance(seconds=1)
    assert remaining == ["2", "1", "0"]

    refused = read(twin, EMPTY)
    assert refused.status == 429
    body = refused.json()
    assert list(body) == [
        "status",
        "message",
        "errorType",
        "correlationId",
        "policyName",
        "groupName",
    ]
    assert body["status"] == "error"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["groupName"] == "publicapi:private_app-api-calls-ten-secondly:11:22"
    assert body["correlationId"] == refused.header("X-HubSpot-Correlation-Id")
    assert rate_headers(refused) == {
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Max": "3",
        "X-HubSpot-RateLimit-Remaining": "0",
    }
    assert refused.header("content-type") == "application/json;charset=utf-8"

    # The window rolls: the first call (at t=0) leaves it at t=10 s, the next at t=11 s.
    clock.advance(seconds=6, milliseconds=999)
    assert read(twin, EMPTY).status == 429
    clock.advance(milliseconds=1)
    assert read(twin, EMPTY).status == 200
    assert read(twin, EMPTY).status == 429
    clock.advance(seconds=1)
    assert read(twin, EMPTY).status == 200


def test_refused_calls_do_not_count(store: TicketStore, clock: FakeClock) -> None:
    twin = Twin(store, TwinConfig(rate_limit_ten_secondly=1), clock)
    assert read(twin, EMPTY).status == 200
    for _ in range(5):
        clock.advance(seconds=1)
        assert read(twin, EMPTY).status == 429
    clock.advance(seconds=5)
    assert read(twin, EMPTY).status == 200


def test_daily(store: TicketStore, clock: FakeClock) -> None:
    clock.now = clock.now.replace(hour=23, minute=59, second=50)
    twin = Twin(store, TwinConfig(rate_limit_daily=2, advertised_ten_secondly=None), clock)
    first = read(twin, EMPTY)
    assert rate_headers(first) == {
        "X-HubSpot-RateLimit-Daily": "2",
        "X-HubSpot-RateLimit-Daily-Remaining": "1",
    }
    clock.advance(seconds=1)
    assert read(twin, EMPTY).status == 200
    clock.advance(seconds=1)
    refused = read(twin, EMPTY)
    assert refused.status == 429
    body = refused.json()
    assert list(body) == [
        "status",
        "message",
        "errorType",
        "correlationId",
        "policyName",
        "requestId",
    ]
    assert body["message"] == "You have reached your daily limit."
    assert body["policyName"] == "DAILY"
    assert body["errorType"] == "RATE_LIMIT"
    assert uuid.UUID(body["requestId"]).version == 4
    assert rate_headers(refused)["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    clock.advance(seconds=10)  # past midnight UTC: a new day
    assert read(twin, EMPTY).status == 200


def test_daily_beats_ten_secondly_and_both_send_headers(
    store: TicketStore, clock: FakeClock
) -> None:
    twin = Twin(store, TwinConfig(rate_limit_ten_secondly=1, rate_limit_daily=1), clock)
    assert set(rate_headers(read(twin, EMPTY))) == {
        "X-HubSpot-RateLimit-Interval-Milliseconds",
        "X-HubSpot-RateLimit-Max",
        "X-HubSpot-RateLimit-Remaining",
        "X-HubSpot-RateLimit-Daily",
        "X-HubSpot-RateLimit-Daily-Remaining",
    }
    assert read(twin, EMPTY).json()["policyName"] == "DAILY"


def test_headers_on_every_admitted_answer(store: TicketStore, clock: FakeClock) -> None:
    twin = Twin(store, TwinConfig(rate_limit_ten_secondly=100), clock)
    for response in (read(twin, EMPTY), read(twin, raw=b"%"), twin.handle(list_request())):
        assert rate_headers(response)["X-HubSpot-RateLimit-Max"] == "100"
    assert rate_headers(read(twin, EMPTY))["X-HubSpot-RateLimit-Remaining"] == "96"


def test_unauthenticated_calls_are_not_counted(store: TicketStore, clock: FakeClock) -> None:
    twin = Twin(store, TwinConfig(rate_limit_ten_secondly=2), clock)
    for _ in range(5):
        response = read(twin, EMPTY, token=None)
        assert response.status == 401
        assert rate_headers(response) == {}
    assert read(twin, EMPTY).status == 200
    assert read(twin, EMPTY).status == 200
    assert read(twin, EMPTY).status == 429
    clock.advance(seconds=10)
    assert read(twin, EMPTY).status == 200


def test_shared_admissions_are_the_ones_the_limiter_would_build() -> None:
    # Without a daily limit an admitted call gets a kept Admission per Remaining value;
    # each must equal the one built from the limiter's state at that call.
    from datetime import UTC, datetime, timedelta

    from tickets_contract.twin.rate_limit import Admission, RateLimiter

    for limiter in (
        RateLimiter(ten_secondly=None, daily=None, advertised=5),
        RateLimiter(ten_secondly=4, daily=None),
        RateLimiter(ten_secondly=4, daily=6),
    ):
        now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
        for step in range(40):
            admission = limiter.admit(now)
            assert admission == Admission(
                refused_by=admission.refused_by, headers=limiter._headers()
            )
            now += timedelta(milliseconds=(700, 3100, 10)[step % 3])
