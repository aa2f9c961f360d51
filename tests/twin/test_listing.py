"""GET /crm/v3/objects/tickets: paging through the portal to discover known records."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tickets_contract.twin import TicketStore, Twin, TwinConfig

from .helpers import FakeClock, archived, list_request, live


def page(twin: Twin, **query: str) -> dict[str, object]:
    response = twin.handle(list_request(list(query.items())))
    assert response.status == 200, response.json()
    body = response.json()
    assert isinstance(body, dict)
    return body


def test_paging_walks_every_live_ticket_once(twin: Twin, store: TicketStore) -> None:
    seen: list[str] = []
    body = page(twin, limit="100")
    pages = 1
    while True:
        seen += [result["id"] for result in body["results"]]  # type: ignore[attr-defined]
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]  # type: ignore[index]
        body = page(twin, limit="100", after=after)
        pages += 1
    assert seen == [t.id for t in live(store)]
    assert pages == 4


def test_default_page_and_next_link(twin: Twin, store: TicketStore) -> None:
    body = page(twin, properties="subject,hs_pipeline_stage")
    results = body["results"]
    assert isinstance(results, list)
    assert len(results) == 10
    assert [r["id"] for r in results] == [t.id for t in live(store, 10)]
    assert sorted(results[0]["properties"]) == [
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
        "hs_pipeline_stage",
        "subject",
    ]
    link = urlsplit(body["paging"]["next"]["link"])  # type: ignore[index]
    assert (link.scheme, link.netloc, link.path) == ("http", "twin.test", "/crm/v3/objects/tickets")
    assert dict(parse_qsl(link.query)) == {
        "limit": "10",
        "after": body["paging"]["next"]["after"],  # type: ignore[index]
        "properties": "subject,hs_pipeline_stage",
    }


def test_properties_may_repeat_and_default(twin: Twin) -> None:
    response = twin.handle(list_request([("properties", "subject"), ("properties", "source_type")]))
    props = response.json()["results"][0]["properties"]
    assert {"subject", "source_type"} <= set(props)
    props = page(twin)["results"][0]["properties"]  # type: ignore[index]
    assert "hs_ticket_priority" in props


def test_archived_lists_only_archived(twin: Twin, store: TicketStore) -> None:
    body = page(twin, archived="true", limit="100")
    assert [r["id"] for r in body["results"]] == [t.id for t in archived(store)]  # type: ignore[attr-defined]
    assert all(r["archived"] and r["archivedAt"] for r in body["results"])  # type: ignore[attr-defined]
    assert "paging" not in body


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("limit", "0", id="limit-0"),
        pytest.param("limit", "101", id="limit-101"),
        pytest.param("limit", "ten", id="limit-text"),
        pytest.param("after", "-1", id="after-negative"),
        pytest.param("archived", "sometimes", id="archived-text"),
    ],
)
def test_bad_parameters_are_400(twin: Twin, name: str, value: str) -> None:
    response = twin.handle(list_request([(name, value)]))
    assert response.status == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert name in response.json()["message"]


def test_a_page_beyond_the_end_is_empty(twin: Twin) -> None:
    assert page(twin, after="100000") == {"results": []}


def test_a_page_never_scans_the_whole_store(clock: FakeClock) -> None:
    big = Twin(config=TwinConfig(size=1_000_000, archived_fraction=0.0), clock=clock)
    body = page(big, archived="true", limit="100")
    assert body["results"] == []
    assert int(body["paging"]["next"]["after"]) < 1_000_000  # type: ignore[index]
