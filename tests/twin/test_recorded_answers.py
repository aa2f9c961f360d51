"""What third-party recordings of live answers show (S26-S34), and each alternative.

Envelope and result key order, 404 pages, parse-error categories, missing ``inputs`` and
rate-limit headers have their tests beside the behaviour they change (test_batch_read,
test_validation, test_rate_limit); this file holds the rest.
"""

from __future__ import annotations

import pytest

from tickets_contract.twin import TicketStore, Twin, TwinConfig

from .helpers import FakeClock, inputs, live, read


def test_results_carry_their_record_url(twin: Twin, store: TicketStore) -> None:
    # S26, S27: "url": "https://app.hubspot.com/contacts/<portalId>/record/
    # <objectTypeId>/<id>"; 0-5 is tickets' object type id (S34; quirk result-url).
    tickets = live(store, 3)
    body = read(twin, {"inputs": inputs(*(t.id for t in tickets))}).json()
    portal = twin.config.portal_id
    assert {r["url"] for r in body["results"]} == {
        f"https://app.hubspot.com/contacts/{portal}/record/0-5/{t.id}" for t in tickets
    }


def test_an_eu1_portal_or_no_url(store: TicketStore, clock: FakeClock) -> None:
    ticket = live(store, 1)[0]
    eu = Twin(store, TwinConfig(app_host="app-eu1.hubspot.com", portal_id=5), clock)
    result = read(eu, {"inputs": inputs(ticket.id)}).json()["results"][0]
    assert result["url"] == f"https://app-eu1.hubspot.com/contacts/5/record/0-5/{ticket.id}"
    bare = Twin(store, TwinConfig(result_urls=False), clock)
    assert "url" not in read(bare, {"inputs": inputs(ticket.id)}).json()["results"][0]


def _cleared(store: TicketStore) -> tuple[str, str]:
    for ticket in store:
        if not ticket.archived:
            for name, value in ticket.properties.items():
                if value == "":
                    return ticket.id, name
    raise AssertionError("the seeded store holds no cleared property")


def _never_set(store: TicketStore) -> tuple[str, str]:
    for ticket in store:
        if not ticket.archived:
            for name, value in ticket.properties.items():
                if value is None:
                    return ticket.id, name
    raise AssertionError("the seeded store holds no never-set property")


def test_cleared_properties_are_empty_strings_and_never_set_ones_null(
    twin: Twin, store: TicketStore
) -> None:
    # S28 (commit b984ebd05): "" for cleared properties, null for never-set
    # ones (quirk cleared-properties-empty-string).
    for (ticket_id, name), expected in ((_cleared(store), ""), (_never_set(store), None)):
        body = {"inputs": inputs(ticket_id), "properties": [name], "propertiesWithHistory": [name]}
        result = read(twin, body).json()["results"][0]
        assert result["properties"][name] == expected
        history = result["propertiesWithHistory"][name]
        if expected == "":
            assert history[0]["value"] == ""
            assert len(history) >= 2
        else:
            assert history == []


def test_cleared_properties_can_be_null(store: TicketStore, clock: FakeClock) -> None:
    ticket_id, name = _cleared(store)
    twin = Twin(store, TwinConfig(cleared_values="null"), clock)
    result = read(twin, {"inputs": inputs(ticket_id), "properties": [name]}).json()["results"][0]
    assert result["properties"][name] is None


def test_calculated_history_entries_carry_a_source_id(twin: Twin, store: TicketStore) -> None:
    # S28: CALCULATED entries "mostly carry a sourceId (e.g.
    # "RollupProperties")" (quirk calculated-history-source-id).
    tickets = live(store, 20)
    body = {
        "inputs": inputs(*(t.id for t in tickets)),
        "propertiesWithHistory": ["hs_lastmodifieddate", "hs_object_id"],
    }
    entries = [
        entry
        for result in read(twin, body).json()["results"]
        for history in result["propertiesWithHistory"].values()
        for entry in history
    ]
    calculated = [e for e in entries if e["sourceType"] == "CALCULATED"]
    assert len(calculated) >= 20
    assert all(e["sourceId"] == "RollupProperties" for e in calculated)
    assert all(list(e) == ["value", "timestamp", "sourceType", "sourceId"] for e in calculated)


@pytest.mark.parametrize(("order", "same"), [("shuffled", False), ("input", True)])
def test_result_order_setting(store: TicketStore, clock: FakeClock, order: str, same: bool) -> None:
    tickets = live(store, 6)
    twin = Twin(store, TwinConfig(result_order=order), clock)  # type: ignore[arg-type]
    got = [
        r["id"] for r in read(twin, {"inputs": inputs(*(t.id for t in tickets))}).json()["results"]
    ]
    assert sorted(got) == sorted(t.id for t in tickets)
    assert (got == [t.id for t in tickets]) is same


def test_missing_inputs_can_be_refused(store: TicketStore, clock: FakeClock) -> None:
    twin = Twin(store, TwinConfig(missing_inputs="reject"), clock)
    response = read(twin, {"properties": ["subject"]})
    assert response.status == 400
    assert response.json()["message"].endswith("Some required fields were not set: [inputs]")
    assert response.json()["category"] == "VALIDATION_ERROR"
