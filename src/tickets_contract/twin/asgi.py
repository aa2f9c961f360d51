"""The twin as an ASGI application: a thin adapter around ``Twin.handle``.

Starlette supplies lifespan handling; every HTTP request, whatever its path or method,
goes to the twin, so that 404 and 405 come in HubSpot's shape rather than Starlette's.
HTTP requests skip Starlette's routing and middleware (there is only one destination,
and they cost a fifth of a small read's time): the app hands them straight to a raw
ASGI callable that reads the body (at most ``max_body_bytes + 1`` bytes, enough for the
core to answer 413 without buffering a huge upload), calls the twin and sends the
response, or a plain 500 if the adapter itself fails. ``handle`` is fast and CPU-only,
so it runs on the event loop rather than in a thread.
"""

from __future__ import annotations

from types import MappingProxyType
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.types import Message, Receive, Scope, Send

from .messages import TwinRequest
from .twin import Twin

__all__ = ["create_app"]


async def _read_body(receive: Receive, limit: int, first: Message) -> bytes:
    """The body of the request whose first message is ``first`` (read already)."""
    chunks: list[bytes] = []
    size = 0
    message = first
    while True:
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        if size <= limit:
            chunks.append(chunk)
            size += len(chunk)
        if not message.get("more_body", False):
            break
        message = await receive()
    return b"".join(chunks)[: limit + 1]


def _headers(scope: Scope) -> dict[str, str]:
    raw = scope["headers"]
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw}
    if len(headers) == len(raw):
        return headers
    headers = {}
    for raw_name, raw_value in raw:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        # Repeated headers are joined, as RFC 9110 §5.3 allows.
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _request(
    method: str,
    path: str,
    query: tuple[tuple[str, str], ...],
    headers: dict[str, str],
    body: bytes,
) -> TwinRequest:
    """``TwinRequest(method=…, …)`` for values already in its normal form.

    ``headers`` has lower-case names (``_headers``) and ``query`` str pairs (``parse_qsl``),
    so ``TwinRequest.__post_init__``'s copies would give equal values again; the fields
    are set as it sets them.
    """
    request = object.__new__(TwinRequest)
    setattr_ = object.__setattr__
    setattr_(request, "method", method.upper())
    setattr_(request, "path", path)
    setattr_(request, "query", query)
    setattr_(request, "headers", MappingProxyType(headers))
    setattr_(request, "body", body)
    return request


_SERVER_ERROR = b'{"status":"error","message":"The twin\'s adapter failed; see its log."}'


class _TwinApp(Starlette):
    """Starlette for the lifespan; HTTP requests go straight to the twin's endpoint."""

    def __init__(self, endpoint: _TwinEndpoint) -> None:
        super().__init__()
        self._endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        await self._endpoint(scope, receive, send)


class _TwinEndpoint:
    def __init__(self, twin: Twin) -> None:
        self._twin = twin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Everything that can fail before the first send is answered with a plain 500
        # (and re-raised for the server's log); once the answer has started, a failure
        # of send itself only propagates.
        try:
            limit = self._twin.config.max_body_bytes
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                # The usual request, one message: what _read_body gives, without its
                # coroutine and loop.
                body = bytes(message.get("body", b""))[: limit + 1]
            else:
                body = await _read_body(receive, limit, message)
            query = scope.get("query_string", b"")
            request = _request(
                scope["method"],
                scope["path"],
                tuple(parse_qsl(query.decode("latin-1"), keep_blank_values=True)) if query else (),
                _headers(scope),
                body,
            )
            response = self._twin.handle(request)
            headers = [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in response.headers
            ]
            headers.append((b"Content-Length", str(len(response.body)).encode()))
        except Exception:
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": _SERVER_ERROR})
            raise
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})


def create_app(twin: Twin) -> Starlette:
    """An ASGI app serving ``twin``; ``app.state.twin`` is the twin."""
    app = _TwinApp(_TwinEndpoint(twin))
    app.state.twin = twin
    return app
