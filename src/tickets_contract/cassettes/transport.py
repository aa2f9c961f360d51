"""The recording transport: an httpx transport that guards, sends and captures.

tools.md §2.3: respx has no recorder and its pass-through does not capture the response,
so recording wraps a real ``httpx.HTTPTransport`` instead ("delegates, calls
``response.read()``, and appends" each exchange). Before anything leaves the process the
safety guards of ``targets`` run: a request carrying a token goes only to an allowed
host or loopback, and only reads are sent. A refusal is a ``SafetyError``; nothing was
sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import quote

import httpx

from tickets_contract.guards import check_read, check_token_host

__all__ = ["Exchange", "RecordingTransport"]

Exchange = tuple[httpx.Request, httpx.Response]
"""One request as sent and the response it got, body read."""


class RecordingTransport(httpx.BaseTransport):
    """Sends through ``inner`` after the safety checks, and keeps every exchange.

    ``secrets`` are the token values that may travel; a request carrying one of them (in
    a header or the URL) must go to ``allowed_hosts`` or loopback. ``before_send`` runs
    just before each request leaves (a rate budget).
    """

    def __init__(
        self,
        *,
        secrets: Iterable[str],
        allowed_hosts: Iterable[str],
        inner: httpx.BaseTransport | None = None,
        before_send: Callable[[], object] | None = None,
    ) -> None:
        self._secrets = tuple(s for s in secrets if s)
        self._allowed = tuple(allowed_hosts)
        self._inner = inner if inner is not None else httpx.HTTPTransport()
        self._before_send = before_send
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if self._carries_secret(request):
            check_token_host(url, self._allowed)
        check_read(request.method, url)
        if self._before_send is not None:
            self._before_send()
        response = self._inner.handle_request(request)
        response.read()
        self.exchanges.append((request, response))
        return response

    def close(self) -> None:
        self._inner.close()

    def _carries_secret(self, request: httpx.Request) -> bool:
        url = str(request.url)
        headers = " ".join(request.headers.values())
        return any(
            secret in headers or secret in url or quote(secret, safe="") in url
            for secret in self._secrets
        )
