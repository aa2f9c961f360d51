"""The twin in a user's tests: the hubspot_twin fixture, its settings, the in-process mode,
the context manager, and the README's example with HubSpot's official SDK."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tickets_contract.testing import HUBSPOT_BASE_URL, hubspot_twin

README = Path(__file__).resolve().parents[1] / "README.md"
BATCH_READ = "/crm/v3/objects/tickets/batch/read"


def _readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### The twin in your own tests", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README: the hubspot_twin section has no python example"
    return match.group(1)


def test_the_readme_example_drives_the_official_sdk(pytester: pytest.Pytester) -> None:
    example = _readme_example()
    assert "from hubspot import HubSpot" in example
    pytester.makepyfile(test_user=example)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def _read(client: httpx.Client, base_url: str, token: str, ids: list[str]) -> httpx.Response:
    return client.post(
        f"{base_url}{BATCH_READ}",
        json={"inputs": [{"id": i} for i in ids], "properties": ["subject"]},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_served_twin_holds_its_records_and_stops_with_the_block() -> None:
    with hubspot_twin(size=30, seed=3) as twin, httpx.Client() as client:
        assert twin.base_url.startswith("http://127.0.0.1:")
        assert len(twin.twin.store) == 30
        ids = list(twin.records.ids[:3])
        response = _read(client, twin.base_url, twin.token, ids)
        assert response.status_code == 200
        assert sorted(r["id"] for r in response.json()["results"]) == sorted(ids)
        assert _read(client, twin.base_url, "pat-na1-wrong", ids).status_code == 401
        base_url = twin.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{base_url}{BATCH_READ}", json={"inputs": []}, timeout=2)


def test_in_process_mode_answers_hubspots_url_without_a_socket() -> None:
    with hubspot_twin(mode="in_process", size=20) as twin, httpx.Client() as client:
        assert twin.base_url == HUBSPOT_BASE_URL
        known = twin.records.ids[0]
        response = _read(client, twin.base_url, twin.token, [known, "9000000000001"])
        assert response.status_code == 207
        assert response.headers["content-type"] == "application/json;charset=utf-8"
        assert [r["id"] for r in response.json()["results"]] == [known]
        assert twin.router.calls.call_count == 1


@pytest.mark.parametrize("mode", ["served", "in_process"])
def test_every_twin_setting_reaches_the_twin(mode: str) -> None:
    settings = {
        "seed": 5,
        "size": 40,
        "all_missing_status": 404,
        "duplicate_ids": "reject",
        "rate_limit_ten_secondly": 3,
    }
    with hubspot_twin(mode, **settings) as twin, httpx.Client() as client:  # type: ignore[arg-type]
        assert twin.config.seed == 5
        assert len(twin.twin.store) == 40
        with hubspot_twin(mode, seed=6, size=40) as other:  # type: ignore[arg-type]
            assert other.records.ids != twin.records.ids  # the seed makes the store
        known = twin.records.ids[0]
        assert _read(client, twin.base_url, twin.token, ["9000000000001"]).status_code == 404
        assert _read(client, twin.base_url, twin.token, [known, known]).status_code == 400
        assert _read(client, twin.base_url, twin.token, [known]).status_code == 200
        # The limit: 3 per 10 s, all spent above.
        assert _read(client, twin.base_url, twin.token, [known]).status_code == 429


def test_the_fixture_takes_its_settings_from_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
import httpx
import pytest

@pytest.mark.hubspot_twin(mode="in_process", size=12, all_missing_status=404)
def test_marker(hubspot_twin):
    assert len(hubspot_twin.twin.store) == 12
    response = httpx.post(
        "https://api.hubapi.com/crm/v3/objects/tickets/batch/read",
        json={"inputs": [{"id": "9000000000001"}], "properties": []},
        headers={"Authorization": f"Bearer {hubspot_twin.token}"},
    )
    assert response.status_code == 404

def test_default(hubspot_twin):
    assert hubspot_twin.mode == "served"
    assert len(hubspot_twin.twin.store) == 1000

@pytest.mark.hubspot_twin(sise=12)
def test_typo(hubspot_twin):
    pass
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    out = result.stdout.str()
    assert "hubspot_twin" in out
    assert "sise" in out
    assert "size" in out  # the message lists the settings
