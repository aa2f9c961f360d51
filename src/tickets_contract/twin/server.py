"""Serving a twin over real HTTP with uvicorn: in a background thread, or blocking.

The socket is bound here, before uvicorn starts, so that port 0 yields an ephemeral port
whose number is known, and the base URL is announced only once uvicorn has started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from .asgi import create_app
from .twin import Twin

__all__ = ["run_server", "serve_in_thread"]

_START_TIMEOUT = 10.0


class _Server(uvicorn.Server):
    """uvicorn's server, telling ``on_started`` when it listens and ``stop`` when to end."""

    def __init__(
        self,
        config: uvicorn.Config,
        on_started: Callable[[], None],
        stop: threading.Event | None,
    ) -> None:
        super().__init__(config)
        self._on_started = on_started
        self._stop = stop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        await super().startup(sockets)
        if self.started:
            self._on_started()

    async def main_loop(self) -> None:
        # uvicorn's main loop, except that ``exit_soon`` wakes it: uvicorn looks at
        # should_exit every 0.1 s, so every ``serve_in_thread`` block (each served
        # ``hubspot_twin`` test) waited ~0.07 s on average before the shutdown began.
        wake = self._wake
        assert wake is not None, "startup() sets it before uvicorn runs the main loop"
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    def exit_soon(self) -> None:
        """Ask the server to stop, from any thread, without waiting for its next tick."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn's own shutdown stops accepting, asks each connection to close, then
        # sleeps a fixed 0.1 s before it waits for the connections and tasks to end,
        # whether or not any was open. Every served-twin block paid that 0.1 s (each
        # served ``hubspot_twin`` test, the quirk probe's twin, ~46 blocks in the self-tests'
        # default run). This is the same sequence with the pause ended as soon as the
        # connections have closed; the waits after it are uvicorn's own. On a uvicorn
        # without those parts, its shutdown runs unchanged.
        wait_for_tasks = getattr(self, "_wait_tasks_to_complete", None)
        lifespan = getattr(self, "lifespan", None)
        if wait_for_tasks is None or lifespan is None:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 0.1
        while self.server_state.connections and loop.time() < deadline:
            await asyncio.sleep(0.002)
        try:
            async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                await wait_for_tasks()
        except TimeoutError:
            logging.getLogger("uvicorn.error").error(
                "Cancel %s running task(s), timeout graceful shutdown exceeded",
                len(self.server_state.tasks),
            )
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await lifespan.shutdown()

    async def on_tick(self, counter: int) -> bool:
        if self._stop is not None and self._stop.is_set():
            return True
        return await super().on_tick(counter)


def _config(twin: Twin) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(twin),
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="on",
        timeout_graceful_shutdown=2,
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this on Linux: without it, Nagle's algorithm meets the
    # client's delayed ACK and small answers wait ~40 ms on loopback.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()  # a busy port: the caller reports it; no socket is left open
        raise
    return sock


def _base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextmanager
def serve_in_thread(twin: Twin, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``twin`` on ``host:port`` (0: an ephemeral port) while the block runs.

    Yields the base URL, e.g. ``http://127.0.0.1:54321``; on exit the server stops and
    its thread is joined.

    >>> with serve_in_thread(Twin()) as base_url:  # doctest: +SKIP
    ...     httpx.post(f"{base_url}/crm/v3/objects/tickets/batch/read", ...)
    """
    sock = _bind(host, port)
    started = threading.Event()
    server = _Server(_config(twin), on_started=started.set, stop=None)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="tickets-twin-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not started.wait(0.01):
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the twin's server on {_base_url(sock)} did not start within "
                    f"{_START_TIMEOUT} s; uvicorn's log above says why"
                )
        yield _base_url(sock)
    finally:
        server.exit_soon()
        thread.join(_START_TIMEOUT)
        sock.close()


def run_server(
    twin: Twin,
    host: str,
    port: int,
    on_ready: Callable[[str], None],
    *,
    stop: threading.Event | None = None,
) -> None:
    """Serve ``twin`` until interrupted (Ctrl-C) or ``stop`` is set; blocks.

    ``on_ready`` gets the base URL once the server accepts connections.
    """
    sock = _bind(host, port)
    url = _base_url(sock)
    try:
        _Server(_config(twin), on_started=lambda: on_ready(url), stop=stop).run(sockets=[sock])
    finally:
        sock.close()
