"""HubSpot's request limits: ten-secondly rolling and daily, driven by the twin's clock.

S3, S15, S16: a limited call gets 429 with ``errorType: "RATE_LIMIT"`` and a ``policyName``
of ``TEN_SECONDLY_ROLLING`` or ``DAILY`` ("The message and policyName will indicate which
limit you hit", S16). Bodies, verbatim in shape:

* ``{"status":"error","message":"You have reached your ten_secondly_rolling limit.",
  "errorType":"RATE_LIMIT","correlationId":"…","policyName":"TEN_SECONDLY_ROLLING",
  "groupName":"publicapi:private_app-api-calls-ten-secondly:<app>:<portal>"}``
  (public code quoting a live body, search id 71109019681);
* ``{"status":"error","message":"You have reached your daily limit.","errorType":
  "RATE_LIMIT","correlationId":"…","policyName":"DAILY","requestId":"…"}`` (S16).

No ``category`` (no evidence of one on these limiters; the search API's ``RATE_LIMITS``
body is another limiter). No ``Retry-After`` (no source shows one).

Headers on every admitted or refused call (S17, S18; on ordinary 200s too,
S29): ``X-HubSpot-RateLimit-Interval-Milliseconds``, ``-Max``, ``-Remaining`` for the
rolling window, ``-Daily`` and ``-Daily-Remaining`` for the day while a daily limit is
on (private-app tokens get the daily pair; S17 says OAuth calls do not, and every twin
token that passes is a private app token). With no ten-secondly limit enforced the
window is still counted and announced with the ``advertised`` maximum; ``Remaining``
then reaches 0 without a 429 (quirk rate-limit-headers-on-every-answer).

Assumptions (ledger): only admitted calls count; 401/403 calls never reach the limiter;
the day is the UTC day (HubSpot resets at midnight in the account's time zone).
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta

__all__ = ["DAILY", "TEN_SECONDLY_ROLLING", "Admission", "RateLimiter"]

TEN_SECONDLY_ROLLING = "TEN_SECONDLY_ROLLING"
DAILY = "DAILY"
_WINDOW = timedelta(seconds=10)


@dataclass(frozen=True, slots=True, kw_only=True)
class Admission:
    """The limiter's answer: ``refused_by`` a policy name, or ``None``; headers either way."""

    refused_by: str | None
    headers: tuple[tuple[str, str], ...]

    def refusal_body(self, *, correlation_id: str, app_id: int, portal_id: int) -> dict[str, str]:
        """HubSpot's 429 body for ``refused_by``."""
        if self.refused_by == DAILY:
            return {
                "status": "error",
                "message": "You have reached your daily limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": correlation_id,
                "policyName": DAILY,
                "requestId": str(uuid.uuid4()),
            }
        return {
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": correlation_id,
            "policyName": TEN_SECONDLY_ROLLING,
            "groupName": f"publicapi:private_app-api-calls-ten-secondly:{app_id}:{portal_id}",
        }


class RateLimiter:
    """Counts admitted calls per rolling 10 s and per UTC day; thread-safe.

    ``None`` for a limit turns it off; with both off every call is admitted, and the
    window headers announce ``advertised`` (no header at all when that is ``None`` too).
    """

    def __init__(
        self, *, ten_secondly: int | None, daily: int | None, advertised: int | None = None
    ) -> None:
        self._ten_secondly = ten_secondly
        self._daily = daily
        self._announced = ten_secondly if ten_secondly is not None else advertised
        self._window: deque[datetime] = deque()
        self._day: date | None = None
        self._day_count = 0
        self._lock = threading.Lock()
        # The headers' constant pairs, built once.
        self._window_head: tuple[tuple[str, str], ...] = (
            ()
            if self._announced is None
            else (
                ("X-HubSpot-RateLimit-Interval-Milliseconds", "10000"),
                ("X-HubSpot-RateLimit-Max", str(self._announced)),
            )
        )
        self._daily_pair = None if daily is None else ("X-HubSpot-RateLimit-Daily", str(daily))
        # Without a daily limit an admitted call's answer depends on ``Remaining`` alone
        # (0 to the announced maximum): one shared Admission per value, rather than a new
        # dataclass and header tuple on every call.
        self._admitted: dict[int, Admission] = {}

    def admit(self, now: datetime) -> Admission:
        """Count a call at ``now`` unless a limit is reached."""
        if self._ten_secondly is None and self._daily is None and self._announced is None:
            return Admission(refused_by=None, headers=())
        with self._lock:
            window = self._window
            if window:
                cutoff = now - _WINDOW
                while window and window[0] <= cutoff:
                    window.popleft()
            day = now.date()
            if day != self._day:
                self._day, self._day_count = day, 0
            refused_by = None
            if self._daily is not None and self._day_count >= self._daily:
                refused_by = DAILY
            elif self._ten_secondly is not None and len(window) >= self._ten_secondly:
                refused_by = TEN_SECONDLY_ROLLING
            else:
                window.append(now)
                self._day_count += 1
                if self._daily is None and self._announced is not None:
                    remaining = max(0, self._announced - len(window))
                    kept = self._admitted.get(remaining)
                    if kept is None:
                        kept = Admission(refused_by=None, headers=self._headers())
                        self._admitted[remaining] = kept
                    return kept
            return Admission(refused_by=refused_by, headers=self._headers())

    def _headers(self) -> tuple[tuple[str, str], ...]:
        headers = self._window_head
        if self._announced is not None:
            remaining = max(0, self._announced - len(self._window))
            headers = (*headers, ("X-HubSpot-RateLimit-Remaining", str(remaining)))
        if self._daily is not None and self._daily_pair is not None:
            headers = (
                *headers,
                self._daily_pair,
                ("X-HubSpot-RateLimit-Daily-Remaining", str(max(0, self._daily - self._day_count))),
            )
        return headers
