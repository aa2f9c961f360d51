"""The rate budget and 429 handling: requests stay under the limit across processes."""

from __future__ import annotations

import json
import multiprocessing
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from tickets_contract.network.budget import RateBudget, RateLimit
from tickets_contract.network.guards import GuardedAdapter
from tickets_contract.twin import DEMO_TOKEN, Twin, TwinConfig, serve_in_thread

READ = "/crm/v3/objects/tickets/batch/read"


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_budget_waits_once_the_window_is_full(tmp_path: Path) -> None:
    fake = FakeTime()
    budget = RateBudget(
        RateLimit(requests=3, seconds=10), tmp_path / "b.json", clock=fake.clock, sleep=fake.sleep
    )
    assert [budget.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    fake.now += 4
    assert budget.acquire() == pytest.approx(6.0)  # the oldest send leaves the window at +10
    assert fake.slept == [pytest.approx(6.0)]


def test_two_budgets_on_one_file_share_the_window(tmp_path: Path) -> None:
    fake = FakeTime()
    path = tmp_path / "shared.json"
    first = RateBudget(RateLimit(requests=2, seconds=10), path, clock=fake.clock, sleep=fake.sleep)
    second = RateBudget(RateLimit(requests=2, seconds=10), path, clock=fake.clock, sleep=fake.sleep)
    first.acquire()
    second.acquire()
    assert second.acquire() == pytest.approx(10.0)


def _take(path: str, count: int) -> None:
    budget = RateBudget(RateLimit(requests=1000, seconds=60), Path(path))
    for _ in range(count):
        budget.acquire()


def test_processes_never_lose_a_send_under_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "procs.json"
    workers = [
        multiprocessing.get_context("fork").Process(target=_take, args=(str(path), 40))
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=20)
    assert len(json.loads(path.read_text())) == 120


def test_a_damaged_state_file_is_survivable(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text("{not json")
    assert RateBudget(RateLimit(requests=1, seconds=1), path).acquire() == 0.0


def _session(adapter: GuardedAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("http://", adapter)
    return session


def test_a_burst_429_is_retried_after_the_limiter_interval() -> None:
    clock_now = [Twin().now()]
    twin = Twin(config=TwinConfig(rate_limit_ten_secondly=1), clock=lambda: clock_now[0])
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # advancing the twin's clock stands in for waiting
        waits.append(seconds)
        clock_now[0] += timedelta(seconds=seconds)

    adapter = GuardedAdapter(token=DEMO_TOKEN, allowed_hosts=(), read_only=True, sleep=sleep)
    with serve_in_thread(twin) as base_url:
        session = _session(adapter)
        headers = {"Authorization": f"Bearer {DEMO_TOKEN}"}
        assert (
            session.post(base_url + READ, json={"inputs": []}, headers=headers).status_code == 200
        )
        second = session.post(base_url + READ, json={"inputs": []}, headers=headers)
    assert second.status_code == 200
    assert waits == [10.0]  # X-HubSpot-RateLimit-Interval-Milliseconds: 10000


def test_retries_are_bounded_and_the_last_429_is_returned() -> None:
    frozen = Twin().now()
    twin = Twin(config=TwinConfig(rate_limit_ten_secondly=1), clock=lambda: frozen)
    waits: list[float] = []
    adapter = GuardedAdapter(token=DEMO_TOKEN, allowed_hosts=(), read_only=True, sleep=waits.append)
    with serve_in_thread(twin) as base_url:
        session = _session(adapter)
        headers = {"Authorization": f"Bearer {DEMO_TOKEN}"}
        session.post(base_url + READ, json={"inputs": []}, headers=headers)
        response = session.post(base_url + READ, json={"inputs": []}, headers=headers)
    assert response.status_code == 429
    assert response.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert len(waits) == GuardedAdapter.MAX_RETRIES


def test_a_daily_429_is_not_retried() -> None:
    frozen = Twin().now()
    twin = Twin(config=TwinConfig(rate_limit_daily=1), clock=lambda: frozen)
    waits: list[float] = []
    adapter = GuardedAdapter(token=DEMO_TOKEN, allowed_hosts=(), read_only=True, sleep=waits.append)
    with serve_in_thread(twin) as base_url:
        session = _session(adapter)
        headers = {"Authorization": f"Bearer {DEMO_TOKEN}"}
        session.post(base_url + READ, json={"inputs": []}, headers=headers)
        response = session.post(base_url + READ, json={"inputs": []}, headers=headers)
    assert response.status_code == 429
    assert waits == []


def test_sends_under_the_budget_never_wait(tmp_path: Path) -> None:
    fake = FakeTime()
    budget = RateBudget(
        RateLimit(requests=50, seconds=1), tmp_path / "b.json", clock=fake.clock, sleep=fake.sleep
    )
    assert [budget.acquire() for _ in range(50)] == [0.0] * 50
    assert fake.slept == []
