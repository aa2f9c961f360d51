"""Serve the twin or the floor for the HTTP benchmarks, with identical uvicorn settings.

    python bench/_servers.py twin  [--seed 0] [--size 1000] [--loop auto] [--http auto]
    python bench/_servers.py floor --body FILE [--headers FILE] [--loop auto] [--http auto]
    python bench/_servers.py twin-serve [--seed 0] [--size 1000]

Both bind 127.0.0.1 on an ephemeral port, print ``LISTENING <port>`` and serve until
terminated: one uvicorn worker, no access log, log level warning, the same event loop and
HTTP implementation (``auto``, as ``tickets-contract serve``: uvloop and httptools, which
the project depends on). ``floor`` is the smallest Starlette app on the same route: it
reads the request body and returns a fixed answer (the benchmarks give it the twin's own
answer to the read they send, body and headers, so that both put the same bytes on the
wire).

The listening socket is made with ``IPPROTO_TCP`` so that asyncio sets ``TCP_NODELAY``
on accepted connections (it only does for sockets whose ``proto`` is ``IPPROTO_TCP``;
``socket.socket(AF_INET, SOCK_STREAM)`` has proto 0). Without it every response on a
kept-alive connection waits ~40 ms for the client's delayed ACK (Nagle), because
uvicorn writes the head and the body of a response separately.

``twin-serve`` serves the twin with the project's own ``run_server`` (what
``tickets-contract serve`` does), to show what users get.

Not a benchmark itself; bench/http_throughput.py and bench/gate.py start it.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn

BATCH_READ_PATH = "/crm/v3/objects/tickets/batch/read"


def floor_app(body: bytes, headers: list[tuple[str, str]] | None = None) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def batch_read(request: Request) -> Response:
        await request.body()
        if headers is None:
            return Response(body, status_code=200, media_type="application/json")
        # The twin's own header lines (Starlette adds Content-Length, as uvicorn adds
        # date and server for both): what the twin's answer puts on the wire.
        return Response(body, status_code=200, headers=dict(headers))

    async def root(request: Request) -> Response:
        return Response(b"{}", media_type="application/json")

    return Starlette(
        routes=[
            Route(BATCH_READ_PATH, batch_read, methods=["POST"]),
            Route("/", root, methods=["GET"]),
        ]
    )


def twin_app(seed: int, size: int) -> Any:
    from tickets_contract.twin import Twin, TwinConfig, create_app

    return create_app(Twin(config=TwinConfig(seed=seed, size=size)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["twin", "floor", "twin-serve"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--body", type=Path, help="floor: the file whose bytes it returns")
    parser.add_argument(
        "--headers",
        type=Path,
        help="floor: a JSON file of [name, value] pairs it answers with (default: only "
        "Content-Type application/json)",
    )
    parser.add_argument("--loop", default="auto", help="uvicorn --loop (default auto: uvloop)")
    parser.add_argument("--http", default="auto", help="uvicorn --http (default auto: httptools)")
    args = parser.parse_args(argv)

    if args.kind == "twin-serve":
        from tickets_contract.twin import Twin, TwinConfig, run_server

        def ready(base_url: str) -> None:
            print(f"LISTENING {base_url.rsplit(':', 1)[1]}", flush=True)

        twin = Twin(config=TwinConfig(seed=args.seed, size=args.size))
        run_server(twin, "127.0.0.1", 0, on_ready=ready)
        return 0
    if args.kind == "twin":
        app = twin_app(args.seed, args.size)
    else:
        body = args.body.read_bytes() if args.body else b'{"status":"COMPLETE","results":[]}'
        headers = None
        if args.headers:
            headers = [(name, value) for name, value in json.loads(args.headers.read_text())]
        app = floor_app(body, headers)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        workers=1,
        access_log=False,
        log_level="warning",
        loop=args.loop,
        http=args.http,
        lifespan="on",
        ws="none",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    print(f"LISTENING {sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
