"""Guards: what may leave the process, checked before anything is sent.

One HTTP stack and one guard for every command that sends anything (``run``,
``discover``, ``record`` and the quirk probe): a ``requests`` session whose adapter
(``GuardedAdapter``) applies one ``Guard`` to every request, redirects included:

* Requests go only to allowed hosts (api.hubapi.com, loopback, and hosts the user
  allows): "A token is sent only to allowed hosts ... never to a URL the suite was merely
  pointed at" (the design rule). The host checked is the one the HTTP client will connect to
  (urllib3's parse of the prepared URL), so a URL that two parsers read differently
  (``http://a\\@127.0.0.1``) cannot slip through.
* A URL carrying credentials (``http://user:pass@host``) is refused: the client would
  send them as Basic auth instead of the token, to wherever the URL points.
* Environment proxies (``http_proxy``, ``.netrc``) are ignored (``trust_env`` off):
  the token travels only on a direct connection to an allowed host.
* Only reads reach a target: the batch read, and the list read used for discovery.
* Requests wait for the shared rate budget, and a 429 is honoured with bounded retries.

Why ``requests``: schemathesis 4 sends ``case.call()`` with ``requests`` and its checks
that send follow-up requests (``ignored_auth``, ...) use the session they are given, so
the gate's traffic can only be guarded there. The cassette recorder keeps httpx's
request/response values for scrubbing, but its transport (``SessionTransport``) sends
through the same guarded session: one way out.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3.util

from tickets_contract.errors import SafetyError, UsageError
from tickets_contract.hubspot import API_BASE_URL, API_HOST, LIST_PATH, PROPERTIES_PATH
from tickets_contract.network.budget import RateBudget
from tickets_contract.redaction import DETECTOR
from tickets_contract.spec.contract import BATCH_READ_METHOD, BATCH_READ_PATH

__all__ = [
    "DEFAULT_ALLOWED_HOSTS",
    "LIVE_BASE_URL",
    "READ_OPERATIONS",
    "TOKEN_ENV",
    "Guard",
    "GuardedAdapter",
    "check_base_url",
    "check_read",
    "check_token_host",
    "client_host",
    "guarded_session",
    "is_loopback",
    "retry_after",
]

DEFAULT_ALLOWED_HOSTS = (API_HOST,)
# The only operations a live target may receive: the batch read, and the list read used
# to discover known records. Both only read.
READ_OPERATIONS = frozenset(
    {
        (BATCH_READ_METHOD, BATCH_READ_PATH),
        ("GET", LIST_PATH),
        # The Properties API (S7): discovery reads which property has unique values.
        ("GET", PROPERTIES_PATH),
    }
)

# Here, not in targets, so that cassettes can use them without importing the targets
# (which import cassettes): no import cycle.
LIVE_BASE_URL = API_BASE_URL
TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def client_host(url: str) -> str:
    """The host the HTTP client (urllib3) connects to for ``url``, lower-case, without a
    trailing dot; refuses a URL with credentials in it (``SafetyError``)."""
    try:
        parsed = urllib3.util.parse_url(url)
    except ValueError:
        raise SafetyError("refused a URL the HTTP client cannot parse. Nothing was sent.") from None
    if parsed.auth:
        raise SafetyError(
            "refused a URL with credentials in it (user:password@): they would be sent "
            "instead of the token. Nothing was sent. Give the base URL without them; the "
            "token comes from HUBSPOT_ACCESS_TOKEN."
        )
    return (parsed.host or "").lower().rstrip(".")


def check_token_host(url: str, allowed_hosts: Iterable[str]) -> None:
    """Raise SafetyError unless a request may go to ``url``'s host (allowed, or loopback),
    as the HTTP client resolves it."""
    allowed = frozenset(h.lower() for h in allowed_hosts)
    host = client_host(url)
    split = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host in allowed or is_loopback(host):
        if split == host:
            return
        raise SafetyError(
            f"refused {url.split('@')[-1]!r}: parsers disagree about its host ({host!r} or "
            f"{split!r}). Nothing was sent. Write the base URL plainly, such as "
            "http://127.0.0.1:8000."
        )
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
            f"(POST {BATCH_READ_PATH}, GET {LIST_PATH} and GET {PROPERTIES_PATH}). "
            "Nothing was sent."
        )


class Guard:
    """The one policy for everything that leaves the process.

    ``check`` refuses (``SafetyError``) a request to a host that is not allowed (as the
    client resolves it), with credentials in its URL, or, when ``read_only``, anything
    but a read. ``send`` waits for the rate ``budget`` and, when ``retry`` is set,
    honours a 429 by sending again after Retry-After (or the limiter's interval), at most
    ``MAX_RETRIES`` times.
    """

    MAX_RETRIES = 3
    MAX_WAIT_SECONDS = 30.0

    def __init__(
        self,
        *,
        allowed_hosts: Iterable[str],
        read_only: bool = True,
        budget: RateBudget | None = None,
        retry: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.allowed = frozenset(h.lower() for h in allowed_hosts)
        self.read_only = read_only
        self.budget = budget
        self.retry = retry
        self._sleep = sleep

    def check(self, method: str, url: str) -> None:
        check_token_host(url, self.allowed)
        if self.read_only:
            check_read(method, url)

    def send(self, method: str, url: str, send: Callable[[], Any]) -> Any:
        """Check, then call ``send`` (which returns a response) under the budget and the
        retry policy; the last response is returned."""
        self.check(method, url)
        for attempt in range(self.MAX_RETRIES + 1):
            if self.budget is not None:
                self.budget.acquire()
            response = send()
            wait = retry_after(response) if self.retry else None
            if wait is None or attempt == self.MAX_RETRIES or wait > self.MAX_WAIT_SECONDS:
                return response
            response.close()
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


class GuardedAdapter(requests.adapters.HTTPAdapter):
    """A transport adapter that sends only what its ``Guard`` lets through.

    Every request a session sends passes ``send`` (each redirect hop too), so the guard
    sees the URL exactly as it goes out. Proxies are never used.
    """

    MAX_RETRIES = Guard.MAX_RETRIES
    MAX_WAIT_SECONDS = Guard.MAX_WAIT_SECONDS

    def __init__(
        self,
        *,
        token: str = "",
        allowed_hosts: Iterable[str] = (),
        read_only: bool = True,
        budget: RateBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
        guard: Guard | None = None,
    ) -> None:
        super().__init__()
        self.guard = guard or Guard(
            allowed_hosts=allowed_hosts, read_only=read_only, budget=budget, sleep=sleep
        )

    def check_host(self, url: str) -> None:
        check_token_host(url, self.guard.allowed)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        kwargs["proxies"] = {}  # never a proxy: the token goes straight to an allowed host
        return self.guard.send(
            str(request.method),
            request.url or "",
            lambda: super(GuardedAdapter, self).send(request, *args, **kwargs),
        )


def guarded_session(guard: Guard) -> requests.Session:
    """A session that sends only through ``guard``: no environment proxies or .netrc."""
    session = requests.Session()
    session.trust_env = False
    adapter = GuardedAdapter(guard=guard)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


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


def check_base_url(value: str, *, option: str = "--target") -> str:
    """``value`` as a base URL without a trailing slash; ``UsageError`` for one with no
    host, with credentials, or that parsers could read as different hosts. The message
    never repeats credentials."""
    fix = "use twin, live, or a base URL such as http://127.0.0.1:8000"
    parts = urlsplit(value)
    shown = value
    if "@" in parts.netloc:
        # Never sent, and from now on redacted from anything this process prints or writes.
        # (The password, and user:password whole; not a name alone, nor what a backslash
        # makes of a host: http://127.0.0.1:80\\@other is parser confusion, not a secret.)
        userinfo = parts.netloc.rsplit("@", 1)[0]
        if "\\" not in userinfo:
            for secret in {userinfo, userinfo.partition(":")[2]}:
                DETECTOR.add("URL credential", secret)
        shown = f"{parts.scheme}://<credentials removed>@{parts.netloc.rsplit('@', 1)[1]}"
        raise UsageError(
            source=option,
            where="",
            problem=f"{shown!r} carries credentials (user:password@); they would be sent "
            "instead of the token, and are never sent or written",
            fix="give the base URL without them; the token comes from " + TOKEN_ENV,
        )
    if any(c in value for c in "\\ \t\r\n#?") or not value.isprintable():
        raise UsageError(
            source=option,
            where="",
            problem=f"{value!r} is not a plain base URL (a backslash, space, query or "
            "fragment makes HTTP clients disagree about its host)",
            fix=fix,
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise UsageError(
            source=option, where="", problem=f"{value!r} has an invalid port", fix=fix
        ) from None
    if not parts.hostname:
        raise UsageError(source=option, where="", problem=f"{value!r} has no host", fix=fix)
    return value.rstrip("/")
