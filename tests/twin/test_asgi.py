"""The twin over real HTTP: uvicorn in a thread, httpx as the client."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import NoReturn

import httpx
import pytest

from tickets_contract.twin import (
    BATCH_READ_PATH,
    DEMO_TOKEN,
    LIST_PATH,
    TicketStore,
    Twin,
    TwinConfig,
    create_app,
    run_server,
    serve_in_thread,
)

from .helpers import inputs, live

AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}"}


@pytest.fixture(scope="module")
def client(store: TicketStore) -> Iterator[httpx.Client]:
    """An httpx client bound to one served twin for the whole module."""
    twin = Twin(store, TwinConfig(seed=7, max_body_bytes=10_000))
    with serve_in_thread(twin) as base_url, httpx.Client(base_url=base_url, timeout=5) as http:
        assert base_url.startswith("http://127.0.0.1:")
        yield http


def test_batch_read_over_http(client: httpx.Client, store: TicketStore) -> None:
    tickets = live(store, 3)
    response = client.post(
        BATCH_READ_PATH, json={"inputs": inputs(*(t.id for t in tickets), "x")}, headers=AUTH
    )
    assert response.status_code == 207
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    assert response.headers["x-hubspot-correlation-id"]
    body = response.json()
    assert sorted(r["id"] for r in body["results"]) == sorted(t.id for t in tickets)
    assert body["errors"][0]["context"] == {"ids": ["x"]}


def test_query_and_errors_over_http(client: httpx.Client, store: TicketStore) -> None:
    gone = next(t for t in store if t.archived)
    response = client.post(
        BATCH_READ_PATH,
        params={"archived": "true"},
        json={"inputs": inputs(gone.id)},
        headers=AUTH,
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["archivedAt"]
    assert client.post(BATCH_READ_PATH, json={"inputs": []}).status_code == 401
    bad = client.post(
        BATCH_READ_PATH, content=b"%", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert bad.status_code == 400
    assert bad.json()["correlationId"] == bad.headers["x-hubspot-correlation-id"]


def test_methods_and_paths_over_http(client: httpx.Client) -> None:
    response = client.get(BATCH_READ_PATH, headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["status"] == "error"
    assert client.delete("/crm/v3/objects/tickets/1", headers=AUTH).status_code == 404
    listed = client.get(LIST_PATH, params={"limit": "2"}, headers=AUTH)
    assert listed.status_code == 200
    assert listed.json()["paging"]["next"]["link"].startswith(str(client.base_url))


def test_oversized_body_is_413_over_http(client: httpx.Client) -> None:
    response = client.post(
        BATCH_READ_PATH,
        content=b"[" + b" " * 20_000 + b"]",
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_run_server_announces_its_url_and_stops(store: TicketStore) -> None:
    urls: list[str] = []
    ready, stop = threading.Event(), threading.Event()

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    thread = threading.Thread(
        target=run_server,
        args=(Twin(store), "127.0.0.1", 0, on_ready),
        kwargs={"stop": stop},
    )
    thread.start()
    try:
        assert ready.wait(5)
        response = httpx.post(f"{urls[0]}{BATCH_READ_PATH}", json={"inputs": []}, headers=AUTH)
        assert response.status_code == 200
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_create_app_keeps_the_twin(store: TicketStore) -> None:
    twin = Twin(store)
    assert create_app(twin).state.twin is twin


def test_a_failing_adapter_answers_500_and_lifespan_still_works(store: TicketStore) -> None:
    # HTTP requests bypass Starlette's middleware, so the app answers 500 itself.
    class Failing(Twin):
        def handle(self, request: object) -> NoReturn:  # type: ignore[override]
            raise RuntimeError("boom")

    app = create_app(Failing(store))

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://twin") as http:
            return await http.post(BATCH_READ_PATH, json={"inputs": []}, headers=AUTH)

    response = asyncio.run(send())
    assert response.status_code == 500
    assert response.json()["status"] == "error"
    with serve_in_thread(Twin(store)) as base_url:  # uvicorn runs the lifespan
        assert httpx.get(f"{base_url}/nowhere", headers=AUTH).status_code == 404


def test_repeated_headers_are_joined_not_dropped(store: TicketStore) -> None:
    # Two Authorization headers arrive as one joined value (RFC 9110 §5.3), which is no
    # bearer token: 401, not a silent pick of either.
    app = create_app(Twin(store))
    auth = f"Bearer {DEMO_TOKEN}"

    async def send(headers: list[tuple[str, str]]) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://twin") as http:
            return await http.post(BATCH_READ_PATH, json={"inputs": []}, headers=headers)

    assert asyncio.run(send([("Authorization", auth)])).status_code == 200
    twice = asyncio.run(send([("Authorization", auth), ("Authorization", auth)]))
    assert twice.status_code == 401


@pytest.mark.parametrize("size", [0, 1, 10_000, 10_001, 25_000])
def test_a_body_in_one_message_is_read_as_the_same_body_in_chunks(
    store: TicketStore, size: int
) -> None:
    # One-message requests skip _read_body's loop; the twin must answer them exactly as
    # it answers the same bytes sent in pieces (the loop), at and beyond the size limit.
    import json

    from .helpers import FakeClock, call_asgi

    # A read of three tickets, padded with spaces to ``size`` bytes (the limit is 10,000).
    read_three = json.dumps({"inputs": inputs(*(t.id for t in live(store, 3)))}).encode()
    body = b"" if size == 0 else read_three.ljust(size) if size > 1 else read_three

    def answer(pieces: list[bytes]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        twin = Twin(store, TwinConfig(seed=7, max_body_bytes=10_000), FakeClock())
        scope = {
            "method": "POST",
            "path": BATCH_READ_PATH,
            "query_string": b"",
            "headers": [(b"authorization", AUTH["Authorization"].encode())],
        }
        sent = call_asgi(create_app(twin), scope, pieces)
        start, end = sent
        headers = [
            pair
            for pair in start["headers"]  # type: ignore[attr-defined]
            if pair[0] != b"X-HubSpot-Correlation-Id"
        ]
        text = end["body"]
        assert isinstance(text, bytes)
        parsed = json.loads(text)
        if isinstance(parsed, dict):
            parsed.pop("correlationId", None)
        return start["status"], headers, json.dumps(parsed).encode()  # type: ignore[return-value]

    whole = answer([body])
    assert whole[0] == {0: 400, 1: 200, 10_000: 200}.get(size, 413)
    assert whole == answer([body[:7], body[7:7], body[7:]])
    assert whole == answer([body[i : i + 1000] for i in range(0, len(body), 1000)] or [b""])


def _post_head(base_url: str, body_size: int) -> tuple[socket.socket, bytes]:
    """A raw keep-alive connection to the served twin, with a batch read's head sent."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    conn = socket.create_connection((host, int(port)), timeout=5)
    head = (
        f"POST {BATCH_READ_PATH} HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {DEMO_TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {body_size}\r\n\r\n"
    ).encode()
    return conn, head


def _read_answer(conn: socket.socket) -> bytes:
    received = b""
    while chunk := conn.recv(65536):
        received += chunk
    return received


def test_leaving_the_block_closes_an_idle_keep_alive_connection(store: TicketStore) -> None:
    # The server's shutdown (twin/server.py) ends its pause once the connections are
    # closed: it must close an idle kept-alive one itself, as uvicorn's does.
    body = b'{"inputs": []}'
    with serve_in_thread(Twin(store)) as base_url:
        conn, head = _post_head(base_url, len(body))
        conn.sendall(head + body)
        first = conn.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
    with conn:
        assert _read_answer(conn) == b""  # the server closed it: end of stream
        with pytest.raises(ConnectionRefusedError):  # and stopped listening
            socket.create_connection(conn.getpeername()[:2], timeout=1).close()


def test_a_request_in_flight_when_the_block_ends_is_still_answered(store: TicketStore) -> None:
    # Half the body is sent before the block ends, the rest while the server shuts down:
    # the shutdown waits for that answer (uvicorn's graceful wait), then closes.
    body = b'{"inputs": [], "properties": ["subject"]}'
    answers: list[bytes] = []
    with serve_in_thread(Twin(store)) as base_url:
        conn, head = _post_head(base_url, len(body))
        conn.sendall(head + body[:10])

        def finish() -> None:
            time.sleep(0.3)  # the block has ended by now and the shutdown has begun
            conn.sendall(body[10:])
            answers.append(_read_answer(conn))

        sender = threading.Thread(target=finish)
        sender.start()
    sender.join(5)
    conn.close()
    assert len(answers) == 1, "the client got no answer"
    assert answers[0].startswith(b"HTTP/1.1 200 "), answers[0][:300]
    assert b"connection: close" in answers[0].lower()  # the last answer of a stopping server
