"""Which properties come back, null for empty ones, and property histories (S6,
S13, S21)."""

from __future__ import annotations

import pytest

from tickets_contract.twin import UNIQUE_PROPERTY, Ticket, TicketStore, Twin

from .helpers import JAVA_INSTANT, inputs, live, read

DEFAULTS = [
    "content",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_category",
    "hs_ticket_priority",
    "subject",
]
ALWAYS = ["createdate", "hs_lastmodifieddate", "hs_object_id"]


def one(twin: Twin, ticket: Ticket, **body: object) -> dict[str, object]:
    response = read(twin, {"inputs": inputs(ticket.id), **body})
    assert response.status == 200
    (result,) = response.json()["results"]
    assert isinstance(result, dict)
    return result


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="absent"),
        pytest.param({"properties": None}, id="null"),
        pytest.param({"properties": []}, id="empty-list"),
    ],
)
def test_naming_no_properties_returns_the_defaults(
    twin: Twin, store: TicketStore, body: dict[str, object]
) -> None:
    ticket = live(store, 1)[0]
    result = one(twin, ticket, **body)
    assert list(result["properties"]) == DEFAULTS  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        pytest.param(["subject"], ["subject", *ALWAYS], id="one"),
        pytest.param(
            ["hubspot_owner_id", "source_type"],
            ["hubspot_owner_id", "source_type", *ALWAYS],
            id="two",
        ),
        pytest.param(["no_such_property"], ALWAYS, id="unknown-ignored"),
        pytest.param(["hs_object_id"], ALWAYS, id="always-named"),
        pytest.param(["subject", "subject", ""], ["subject", *ALWAYS], id="repeats-and-blank"),
        pytest.param(["SUBJECT"], ALWAYS, id="names-are-case-sensitive"),
    ],
)
def test_requested_properties_plus_the_always_included(
    twin: Twin, store: TicketStore, requested: list[str], expected: list[str]
) -> None:
    result = one(twin, live(store, 1)[0], properties=requested)
    assert list(result["properties"]) == sorted(expected)  # type: ignore[call-overload]


def test_defined_but_empty_is_null(twin: Twin, store: TicketStore) -> None:
    ticket = next(t for t in live(store) if t.properties["content"] is None)
    props = one(twin, ticket, properties=["content", "hs_file_upload", "subject"])["properties"]
    assert props == {
        "content": None,
        "hs_file_upload": None,
        "subject": ticket.properties["subject"],
        "createdate": ticket.properties["createdate"],
        "hs_lastmodifieddate": ticket.properties["hs_lastmodifieddate"],
        "hs_object_id": ticket.id,
    }


def test_values_are_the_stored_strings(twin: Twin, store: TicketStore) -> None:
    for ticket in live(store, 20):
        names = sorted(ticket.properties)
        props = one(twin, ticket, properties=names)["properties"]
        assert props == dict(ticket.properties)


def test_history_is_newest_first_and_starts_at_the_current_value(
    twin: Twin, store: TicketStore
) -> None:
    tickets = sorted(live(store), key=lambda t: -len(t.history["hs_pipeline_stage"]))[:5]
    names = ["hs_pipeline_stage", "hs_ticket_priority", "subject"]
    for ticket in tickets:
        result = one(twin, ticket, properties=names, propertiesWithHistory=names)
        history = result["propertiesWithHistory"]
        assert isinstance(history, dict)
        assert list(history) == sorted(names)
        for name in names:
            entries = history[name]
            stamps = [entry["timestamp"] for entry in entries]
            assert all(JAVA_INSTANT.fullmatch(stamp) for stamp in stamps)
            assert len(entries) == len(ticket.history.get(name, ()))
            if entries:
                assert entries[0]["value"] == result["properties"][name]  # type: ignore[index]
                assert [e["timestamp"] for e in entries] == sorted(stamps, reverse=True)
    assert max(len(t.history["hs_pipeline_stage"]) for t in tickets) >= 3


def test_history_entries_say_who_wrote_them(twin: Twin, store: TicketStore) -> None:
    seen: dict[str, dict[str, object]] = {}
    for ticket in live(store, 60):
        result = one(twin, ticket, propertiesWithHistory=["hs_pipeline_stage", "subject"])
        for entries in result["propertiesWithHistory"].values():  # type: ignore[attr-defined]
            for entry in entries:
                seen.setdefault(entry["sourceType"], entry)
    crm = seen["CRM_UI"]
    assert list(crm) == ["value", "timestamp", "sourceType", "sourceId", "updatedByUserId"]
    assert crm["sourceId"] == f"userId:{crm['updatedByUserId']}"
    assert list(seen["API"]) == ["value", "timestamp", "sourceType"]
    assert list(seen["INTEGRATION"]) == ["value", "timestamp", "sourceType", "sourceId"]
    assert "AUTOMATION_PLATFORM" in seen


def test_history_only_properties_stay_out_of_properties(twin: Twin, store: TicketStore) -> None:
    result = one(
        twin,
        live(store, 1)[0],
        properties=["subject"],
        propertiesWithHistory=["hubspot_owner_id", "nope"],
    )
    assert "hubspot_owner_id" not in result["properties"]  # type: ignore[operator]
    assert list(result["propertiesWithHistory"]) == ["hubspot_owner_id"]  # type: ignore[call-overload]


def test_history_of_an_empty_property_is_empty(twin: Twin, store: TicketStore) -> None:
    ticket = next(t for t in live(store) if t.properties["content"] is None)
    result = one(twin, ticket, propertiesWithHistory=["content", UNIQUE_PROPERTY])
    assert result["propertiesWithHistory"]["content"] == []  # type: ignore[index]


@pytest.mark.parametrize(
    "history",
    [
        pytest.param(None, id="absent"),
        pytest.param([], id="empty"),
        pytest.param(["no_such_property"], id="only-unknown"),
    ],
)
def test_no_history_key_without_a_defined_history_property(
    twin: Twin, store: TicketStore, history: list[str] | None
) -> None:
    body = {} if history is None else {"propertiesWithHistory": history}
    result = one(twin, live(store, 1)[0], **body)
    assert "propertiesWithHistory" not in result
    assert list(result) == ["id", "properties", "createdAt", "updatedAt", "archived", "url"]


def test_history_comes_between_properties_and_timestamps(twin: Twin, store: TicketStore) -> None:
    result = one(twin, live(store, 1)[0], propertiesWithHistory=["subject"])
    assert list(result) == [
        "id",
        "properties",
        "propertiesWithHistory",
        "createdAt",
        "updatedAt",
        "archived",
        "url",
    ]
