"""Guards: what may leave the process, checked before anything is sent.

* A token goes only to allowed hosts (api.hubapi.com, loopback, and hosts the user
  allows): "A token is sent only to allowed hosts ... never to a URL the suite was merely
  pointed at" (DESIGN.md).
* Only reads reach a target: the batch read, and the list read used for discovery.
* Requests wait for the shared rate budget, and a 429 is honoured with bounded retries.

GuardedAdapter applies all three to schemathesis' ``requests`` transport; the cassette
recorder applies the same functions to its httpx transport.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters

from tickets_contract.budget import RateBudget
from tickets_contract.contract import BATCH_READ_METHOD, BATCH_READ_PATH
from tickets_contract.errors import SafetyError

__all__ = [
    "DEFAULT_ALLOWED_HOSTS",
    "READ_OPERATIONS",
    "GuardedAdapter",
    "check_read",
    "check_token_host",
    "is_loopback",
    "retry_after",
]

DEFAULT_ALLOWED_HOSTS = ("api.hubapi.com",)
# The only operations a live target may receive: the batch read, and the list read used
# to discover known records. Both only read.
READ_OPERATIONS = frozenset(
    {
        (BATCH_READ_METHOD, BATCH_READ_PATH),
        ("GET", "/crm/v3/objects/tickets"),
        # The Properties API (S7): discovery reads which property has unique values.
        ("GET", "/crm/v3/properties/tickets"),
    }
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token_host(url: str, allowed_hosts: Iterable[str]) -> None:
    """Raise SafetyError unless a token may go to ``url``'s host (allowed, or loopback)."""
    allowed = frozenset(h.lower() for h in allowed_hosts)
    host = (urlsplit(url).hostname or "").lower()
    if host in allowed or is_loopback(host):
        return
    raise SafetyError(
        f"refused to send the token to {host!r}: it is not an allowed host "
        f"(allowed: {', '.join(sorted(allowed))}, and loopback). "
        "Nothing was sent. If this host is yours, allow it explicitly with "
        f"--allow-host {host}."
    )


def check_read(method: str, url: str) -> None:
    """Raise SafetyError unless ``method`` ``url`` is one of the read operations."""
    path = urlsplit(url).path
    if (method.upper(), path) not in READ_OPERATIONS:
        raise SafetyError(
            f"refused {method} {path}: only reads are sent to this target "
            f"(POST {BATCH_READ_PATH}, GET /crm/v3/objects/tickets and GET "
            "/crm/v3/properties/tickets). Nothing was sent."
        )


class GuardedAdapter(requests.adapters.HTTPAdapter):
    """A transport adapter that refuses unsafe requests before they are sent.

    * The token goes only to allowed hosts (and loopback): "A token is sent only to
      allowed hosts ... never to a URL the suite was merely pointed at" (DESIGN.md).
    * Only read operations reach a target when ``read_only`` is set.
    * Requests wait for the shared rate budget, and a 429 is honoured: the request is
      retried after Retry-After (or the limiter's interval), at most ``MAX_RETRIES`` times.
    """

    MAX_RETRIES = 3
    MAX_WAIT_SECONDS = 30.0

    def __init__(
        self,
        *,
        token: str,
        allowed_hosts: Iterable[str],
        read_only: bool,
        budget: RateBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__()
        self._token = token
        self._allowed = frozenset(h.lower() for h in allowed_hosts)
        self._read_only = read_only
        self._budget = budget
        self._sleep = sleep

    def check_host(self, url: str) -> None:
        check_token_host(url, self._allowed)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        url = request.url or ""
        carries_token = self._token and (
            self._token in (request.headers.get("Authorization") or "") or self._token in url
        )
        if carries_token:
            self.check_host(url)
        if self._read_only:
            check_read(str(request.method), url)
        for attempt in range(self.MAX_RETRIES + 1):
            if self._budget is not None:
                self._budget.acquire()
            response = super().send(request, *args, **kwargs)
            wait = retry_after(response)
            if wait is None or attempt == self.MAX_RETRIES or wait > self.MAX_WAIT_SECONDS:
                return response
            response.close()
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def retry_after(response: requests.Response) -> float | None:
    """Seconds to wait before retrying a 429, or None when it must not be retried.

    HubSpot's burst limiter (policy TEN_SECONDLY_ROLLING or SECONDLY) recovers within its
    interval; the DAILY policy does not recover during a run, so it is not retried.
    """
    if response.status_code != 429:
        return None
    header = response.headers.get("Retry-After")
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            return None
    try:
        policy = response.json().get("policyName", "")
    except ValueError:
        policy = ""
    if policy == "DAILY":
        return None
    interval = response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
    try:
        return float(interval) / 1000 if interval else 10.0
    except ValueError:
        return 10.0
