"""The recording transport: an httpx transport that guards, sends and captures.

respx has no recorder (https://github.com/lundberg/respx/issues/16) and its pass-through
does not capture the response (https://github.com/lundberg/respx/issues/22),
so recording wraps a transport instead ("delegates, calls ``response.read()``, and
appends" each exchange). The scrubber works on httpx's request and response values;
the bytes leave the process only through the one guarded ``requests`` session of
``guards`` (``SessionTransport``), so the recorder has the same guard, rate budget and
retry policy as ``run`` and ``discover``. A refusal is a ``SafetyError``; nothing was
sent.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx
import requests

from tickets_contract.network.guards import Guard, guarded_session

__all__ = ["Exchange", "RecordingTransport", "SessionTransport"]

Exchange = tuple[httpx.Request, httpx.Response]
"""One request as sent and the response it got, body read."""


class SessionTransport(httpx.BaseTransport):
    """Sends an httpx request through a guarded ``requests`` session, no redirects."""

    def __init__(self, session: requests.Session, *, timeout: float = 30.0) -> None:
        self._session = session
        self._timeout = timeout

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            answer = self._session.request(
                request.method,
                str(request.url),
                headers=dict(request.headers),
                data=request.read() or None,
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.ConnectionError as exc:
            raise httpx.ConnectError(str(exc), request=request) from None
        except requests.Timeout as exc:
            raise httpx.TimeoutException(str(exc), request=request) from None
        headers = [
            (name, value)
            for name, value in answer.headers.items()
            # requests has already decoded the body: its framing headers no longer apply.
            if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(
            answer.status_code, headers=headers, content=answer.content, request=request
        )

    def close(self) -> None:
        self._session.close()


class RecordingTransport(httpx.BaseTransport):
    """Sends through ``inner`` after the guard's checks, and keeps every exchange.

    ``guard`` is the one policy (``guards.Guard``); without one, a read-only guard for
    ``allowed_hosts`` and loopback is built. ``inner`` defaults to a ``SessionTransport``
    over a session guarded by the same ``guard``.
    """

    def __init__(
        self,
        *,
        secrets: Iterable[str] = (),
        allowed_hosts: Iterable[str] = (),
        inner: httpx.BaseTransport | None = None,
        guard: Guard | None = None,
    ) -> None:
        self._guard = guard or Guard(allowed_hosts=allowed_hosts, retry=False)
        self._inner = inner if inner is not None else SessionTransport(guarded_session(self._guard))
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # Checked here too, so that an injected ``inner`` is guarded alike.
        self._guard.check(request.method, str(request.url))
        response = self._inner.handle_request(request)
        response.read()
        self.exchanges.append((request, response))
        return response

    def close(self) -> None:
        self._inner.close()
