"""The twin as an ASGI application: a thin adapter around ``Twin.handle``.

Starlette supplies lifespan handling and a 500 for a bug in the adapter itself; one
catch-all route hands every request, whatever its path or method, to the twin, so that
404 and 405 come in HubSpot's shape rather than Starlette's. The endpoint is a raw ASGI
callable: it reads the body (at most ``max_body_bytes + 1`` bytes, enough for the core to
answer 413 without buffering a huge upload), calls the twin and sends the response.
``handle`` is fast and CPU-only, so it runs on the event loop rather than in a thread.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .messages import TwinRequest
from .twin import Twin

__all__ = ["create_app"]


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        if size <= limit:
            chunks.append(chunk)
            size += len(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)[: limit + 1]


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        # Repeated headers are joined, as RFC 9110 §5.3 allows.
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class _TwinEndpoint:
    def __init__(self, twin: Twin) -> None:
        self._twin = twin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive, self._twin.config.max_body_bytes)
        query = scope.get("query_string", b"").decode("latin-1")
        request = TwinRequest(
            method=scope["method"],
            path=scope["path"],
            query=tuple(parse_qsl(query, keep_blank_values=True)),
            headers=_headers(scope),
            body=body,
        )
        response = self._twin.handle(request)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [
                    (name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in (
                        *response.headers,
                        ("Content-Length", str(len(response.body))),
                    )
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


def create_app(twin: Twin) -> Starlette:
    """An ASGI app serving ``twin``; ``app.state.twin`` is the twin."""
    endpoint = _TwinEndpoint(twin)
    app = Starlette(routes=[Route("/{path:path}", endpoint=endpoint)])
    # The route's pattern does not match a path holding a newline (a client may send
    # %0A): such requests go to the twin too, never to Starlette's plain-text 404.
    app.router.default = endpoint
    app.state.twin = twin
    return app
