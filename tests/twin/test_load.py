"""The served twin under load: 64 concurrent clients mixing valid and hostile requests.

Marked ``slow`` (deselected by default; CI runs ``pytest -m slow tests/twin/test_load.py``).
The twin runs as ``tickets-contract serve`` (uvicorn on 127.0.0.1) in its own process, so
that its memory is measured alone: resident memory after a warm-up round, and again after
more rounds of the same traffic, must stay flat. Counted, not timed: every client sends a
fixed number of requests, and not one answer may be a 5xx.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tickets_contract.twin import BATCH_READ_PATH, DEMO_TOKEN, LIST_PATH

pytestmark = pytest.mark.slow

CLIENTS = 64
REQUESTS_PER_ROUND = 25  # per client
MEASURED_ROUNDS = 3
SIZE = 300  # small: every ticket is built (and cached) during the warm-up round
# Resident memory may move by allocator noise, not by traffic: three rounds of 1,600
# requests each that leaked even 10 KiB per request would grow it by ~48 MiB.
MAX_GROWTH_KIB = 12 * 1024

AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}", "Content-Type": "application/json"}
GIANT = b"9" * 5000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """``tickets-contract serve --port 0`` in a child process: (base URL, its pid)."""
    log = tmp_path_factory.mktemp("load") / "serve.log"
    command = [sys.executable, "-m", "tickets_contract.cli", "serve", "--port", "0"]
    with (
        log.open("w") as errors,
        subprocess.Popen(
            [*command, "--size", str(SIZE)], stdout=subprocess.PIPE, stderr=errors, text=True
        ) as process,
    ):
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            assert " at http://127.0.0.1:" in first, first + log.read_text()
            yield first.rsplit(" at ", 1)[1].strip(), process.pid
        finally:
            process.terminate()
            process.wait(10)


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")  # pragma: no cover


def _requests(
    rng: random.Random, ids: list[str]
) -> Iterator[tuple[str, str, dict[str, str], bytes | None, dict[str, str]]]:
    """Endless (method, path, headers, body, params): half valid, half hostile."""
    while True:
        kind = rng.randrange(12)
        some = rng.sample(ids, rng.randint(1, 5))
        if kind < 6:
            body = {"inputs": [{"id": i} for i in some], "properties": ["subject", "content"]}
            yield "POST", BATCH_READ_PATH, AUTH, json.dumps(body).encode(), {}
        elif kind == 6:
            yield "POST", BATCH_READ_PATH, AUTH, b'{"inputs":[{"id":"\\ud800"}]}', {}
        elif kind == 7:
            yield "POST", BATCH_READ_PATH, AUTH, b'{"inputs":[{"id":' + GIANT + b"}]}", {}
        elif kind == 8:
            yield "GET", LIST_PATH, AUTH, None, {rng.choice(["limit", "after"]): GIANT.decode()}
        elif kind == 9:
            yield "POST", BATCH_READ_PATH, AUTH, rng.randbytes(rng.randint(0, 400)), {}
        elif kind == 10:
            yield "POST", BATCH_READ_PATH, AUTH, b"[" * rng.randint(900, 3000), {}
        else:
            method = rng.choice(["PUT", "DELETE", "PATCH", "OPTIONS"])
            yield method, rng.choice([BATCH_READ_PATH, "/nope", LIST_PATH]), {}, b"{}", {}


def _client(base_url: str, seed: int, ids: list[str]) -> Counter[int]:
    statuses: Counter[int] = Counter()
    traffic = _requests(random.Random(seed), ids)
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for _ in range(REQUESTS_PER_ROUND):
            method, path, headers, body, params = next(traffic)
            response = client.request(method, path, headers=headers, content=body, params=params)
            statuses[response.status_code] += 1
    return statuses


def _round(base_url: str, ids: list[str], round_number: int) -> Counter[int]:
    total: Counter[int] = Counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [
            pool.submit(_client, base_url, round_number * CLIENTS + n, ids) for n in range(CLIENTS)
        ]
        for future in futures:
            total += future.result()
    return total


def test_64_clients_of_mixed_traffic_get_no_5xx_and_memory_stays_flat(
    served: tuple[str, int],
) -> None:
    base_url, pid = served
    listed = httpx.get(f"{base_url}{LIST_PATH}", params={"limit": "100"}, headers=AUTH).json()
    ids = [item["id"] for item in listed["results"]] + ["1", "not-a-ticket"]
    statuses = _round(base_url, ids, 0)
    warm = _rss_kib(pid)
    for number in range(1, MEASURED_ROUNDS + 1):
        statuses += _round(base_url, ids, number)
    grown = _rss_kib(pid) - warm
    sent = CLIENTS * REQUESTS_PER_ROUND * (MEASURED_ROUNDS + 1)
    assert sum(statuses.values()) == sent
    assert not [s for s in statuses if s >= 500], statuses
    # The traffic was mixed: successes, partial results and client errors all came back.
    assert {200, 207, 400, 405} <= set(statuses) or {207, 400, 405} <= set(statuses), statuses
    assert grown < MAX_GROWTH_KIB, f"resident memory grew by {grown} KiB over {sent} requests"
