"""The semantic invariants, each on crafted exchanges: one that holds, ones that break it.

Cases and responses are small stand-ins with the attributes a schemathesis check reads
(``method``, ``path``, ``meta``, ``body``, ``query``; ``status_code``, ``json()``); the
last tests run the invariants through schemathesis itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from tickets_contract.judging import invariants
from tickets_contract.judging.invariants import (
    HELD,
    INVARIANTS,
    NOT_APPLICABLE,
    InvariantViolation,
    ReadExchange,
    record_key,
)
from tickets_contract.judging.judges import check_name_of
from tickets_contract.spec.contract import BATCH_READ_PATH

ALWAYS = {"createdate": "2024-01-01T00:00:00Z", "hs_lastmodifieddate": "2024-01-02T00:00:00Z"}


@dataclass
class Case:
    body: Any
    query: dict[str, Any] | None = None
    method: str = "POST"
    path: str = BATCH_READ_PATH
    meta: Any = None
    id: str = "case-1"
    operation: Any = field(default_factory=lambda: SimpleNamespace(label="POST batch/read"))


@dataclass
class Response:
    status_code: int
    payload: Any

    def json(self) -> Any:
        return self.payload


def ticket(rid: str, archived: bool = False, **properties: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": rid,
        "properties": {**ALWAYS, "hs_object_id": rid, **properties},
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-02T00:00:00Z",
        "archived": archived,
    }
    if archived:
        result["archivedAt"] = "2024-02-01T00:00:00Z"
    return result


def answer(results: list[dict[str, Any]], missing: Sequence[str] = ()) -> Response:
    payload: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if missing:
        payload["numErrors"] = 1
        payload["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some TICKET objects",
                "context": {"ids": list(missing)},
            }
        ]
    payload["startedAt"] = payload["completedAt"] = "2024-03-01T00:00:00Z"
    return Response(207 if missing else 200, payload)


def read(*ids: str, **fields: Any) -> Case:
    query = fields.pop("query", None)
    return Case(body={"inputs": [{"id": i} for i in ids], **fields}, query=query)


def violation(check: Any, case: Case, response: Response) -> InvariantViolation:
    with pytest.raises(InvariantViolation) as raised:
        check(None, response, case)
    assert raised.value.invariant == check.__name__
    assert raised.value.title == f"Invariant violated: {check.__name__}"
    return raised.value


def holds(case: Case, response: Response) -> None:
    # Held, or had nothing to judge: never None (the gate counts what each rule judged).
    for check in INVARIANTS:
        assert check(None, response, case) in (HELD, NOT_APPLICABLE), check.__name__


# --- every invariant holds on faithful answers ------------------------------------------


FAITHFUL = {
    "all found": (read("1", "2"), answer([ticket("2"), ticket("1")])),
    "some missing": (read("1", "2", "x"), answer([ticket("1")], missing=["2", "x"])),
    "all missing": (read("7", "8"), answer([], missing=["7", "8"])),
    "no inputs": (read(), answer([])),
    "duplicates answered once": (read("1", "1"), answer([ticket("1")])),
    "ids read as Java longs": (read("017", "+2"), answer([ticket("17"), ticket("2")])),
    "an unnormalised spelling missing": (read("17", "017"), answer([ticket("17")], ["017"])),
    "by unique value, mapped": (
        read("A", "B", properties=["ref"], idProperty="ref"),
        answer([ticket("1", ref="A")], missing=["B"]),
    ),
    "by unique value, counted": (
        read("A", "B", "C", idProperty="ref"),
        answer([ticket("1"), ticket("2")], missing=["C"]),
    ),
    "unique values matched in any case": (
        read("tck-1", properties=["ref"], idProperty="ref"),
        answer([ticket("1", ref="TCK-1")]),
    ),
    "idProperty hs_object_id": (read("1", idProperty="hs_object_id"), answer([ticket("1")])),
    "archived": (read("1", query={"archived": "true"}), answer([ticket("1", archived=True)])),
    "default properties": (
        read("1", "2"),
        answer([ticket("1", subject="a", content=None), ticket("2", subject=None, content="b")]),
    ),
    "empty property list means defaults": (
        read("1", properties=[]),
        answer([ticket("1", subject="s")]),
    ),
    "requested properties, null when empty": (
        read("1", "2", properties=["closed_date", "unknown"]),
        answer([ticket("1", closed_date=None), ticket("2", closed_date="2024-05-01T00:00:00Z")]),
    ),
    "history newest first": (
        read("1", properties=["subject"], propertiesWithHistory=["subject", "unknown"]),
        answer(
            [
                {
                    **ticket("1", subject="new"),
                    "propertiesWithHistory": {
                        "subject": [
                            {"value": "new", "timestamp": "2024-02-01T00:00:00.5Z"},
                            {"value": "old", "timestamp": "2024-01-01T00:00:00Z"},
                        ]
                    },
                }
            ]
        ),
    ),
    "history-only name in properties": (
        read("1", properties=["subject"], propertiesWithHistory=["content"]),
        answer(
            [{**ticket("1", subject="s", content="c"), "propertiesWithHistory": {"content": []}}]
        ),
    ),
}


@pytest.mark.parametrize(("case", "response"), FAITHFUL.values(), ids=list(FAITHFUL))
def test_every_invariant_holds_on_a_faithful_answer(case: Case, response: Response) -> None:
    holds(case, response)


# --- what the invariants do not judge ---------------------------------------------------


NOT_JUDGED = {
    "negative mode": Case(
        body={"inputs": [{"id": "1"}]},
        meta=SimpleNamespace(generation=SimpleNamespace(mode=SimpleNamespace(is_negative=True))),
    ),
    "another path": Case(body={"inputs": [{"id": "1"}]}, path="/crm/v3/objects/tickets"),
    "body not an object": Case(body=[{"id": "1"}]),
    "inputs not a list": Case(body={"inputs": "1"}),
    "an input without a string id": Case(body={"inputs": [{"id": 1}]}),
}


@pytest.mark.parametrize("case", NOT_JUDGED.values(), ids=list(NOT_JUDGED))
def test_requests_the_invariants_do_not_judge(case: Case) -> None:
    # An answer that breaks nearly every invariant passes: the exchange is not judged.
    broken = Response(200, {"results": [ticket("9"), ticket("9", archived=True)], "errors": [{}]})
    holds(case, broken)


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500])
def test_answers_other_than_200_and_207_are_not_judged(status: int) -> None:
    # Including quirk all-missing-answer's alternative: 404 for an all-missing batch.
    not_found = {"status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": ["1"]}}
    holds(read("1", "2"), Response(status, not_found))


def test_an_answer_that_is_not_json_is_not_judged() -> None:
    class Text(Response):
        def json(self) -> Any:
            raise ValueError("not JSON")

    holds(read("1"), Text(200, None))


# --- each invariant, broken -------------------------------------------------------------


def test_an_input_neither_returned_nor_missing_is_named() -> None:
    failure = violation(
        invariants.inputs_accounted_for, read("1", "2", "3"), answer([ticket("1")], ["3"])
    )
    assert "Neither returned nor listed as missing: ['2']" in failure.message
    assert "Received: results ['1'], listed missing ['3']" in failure.message


def test_an_input_both_returned_and_missing_is_named() -> None:
    failure = violation(
        invariants.inputs_accounted_for, read("1", "2"), answer([ticket("1"), ticket("2")], ["2"])
    )
    assert "Both returned and listed as missing: ['2']" in failure.message


def test_missing_ids_must_be_sent_and_listed_once() -> None:
    response = answer([ticket("1")], ["2", "2", "5"])
    failure = violation(invariants.inputs_accounted_for, read("1", "2"), response)
    assert "Listed as missing but never sent: ['5']" in failure.message
    assert "Listed as missing more than once: ['2']" in failure.message


def test_unique_values_map_back_through_the_requested_property() -> None:
    case = read("A", "B", properties=["ref"], idProperty="ref")
    failure = violation(invariants.inputs_accounted_for, case, answer([ticket("1", ref="A")]))
    assert "Neither returned nor listed as missing: ['B']" in failure.message


def test_unique_values_are_counted_when_the_property_was_not_requested() -> None:
    case = read("A", "B", "C", idProperty="ref")
    failure = violation(invariants.inputs_accounted_for, case, answer([ticket("1")], ["C"]))
    assert "1 of the inputs not listed as missing were not returned" in failure.message
    assert "['A', 'B', 'C']" in failure.message


def test_an_unrequested_record_is_named() -> None:
    failure = violation(
        invariants.no_unrequested_results, read("1"), answer([ticket("1"), ticket("99")])
    )
    assert "Results that answer no input: ['99']" in failure.message


def test_an_unrequested_record_by_unique_value_is_named() -> None:
    case = read("A", properties=["ref"], idProperty="ref")
    response = answer([ticket("1", ref="A"), ticket("2", ref="Z")])
    failure = violation(invariants.no_unrequested_results, case, response)
    assert "Results that answer no input: ['2']" in failure.message


def test_more_records_than_unique_values_is_a_violation() -> None:
    case = read("A", idProperty="ref")
    failure = violation(invariants.no_unrequested_results, case, answer([ticket("1"), ticket("2")]))
    assert "Received: results ['1', '2']" in failure.message


def test_207_without_errors_and_200_with_errors_are_violations() -> None:
    without = Response(207, {**answer([ticket("1")]).payload})
    failure = violation(invariants.status_matches_errors, read("1"), without)
    assert "Expected: status 200" in failure.message
    with_errors = answer([ticket("1")], ["2"])
    with_errors.status_code = 200
    failure = violation(invariants.status_matches_errors, read("1", "2"), with_errors)
    assert "Expected: status 207" in failure.message
    assert "OBJECT_NOT_FOUND" in failure.message


def test_an_empty_error_list_in_a_200_is_tolerated() -> None:
    response = answer([ticket("1")])
    response.payload["errors"] = []
    response.payload["numErrors"] = 0
    holds(read("1"), response)


@pytest.mark.parametrize("num_errors", [2, 0, None, "1"])
def test_num_errors_counts_error_entries(num_errors: Any) -> None:
    response = answer([ticket("1")], ["2"])
    if num_errors is None:
        del response.payload["numErrors"]
    else:
        response.payload["numErrors"] = num_errors
    failure = violation(invariants.num_errors_consistent, read("1", "2"), response)
    assert f"Received: numErrors {num_errors!r}" in failure.message


def test_an_archived_record_in_a_live_read_is_named() -> None:
    response = answer([ticket("1"), ticket("2", archived=True)])
    failure = violation(invariants.archived_consistent, read("1", "2"), response)
    assert "Results that disagree with archived=false: ['2']" in failure.message


def test_an_archived_read_needs_archived_at() -> None:
    record = ticket("1", archived=True)
    del record["archivedAt"]
    case = read("1", query={"archived": True})
    failure = violation(invariants.archived_consistent, case, answer([record]))
    assert "['1']" in failure.message
    assert "archivedAt set" in failure.message


def test_an_unrequested_property_is_named_with_its_record() -> None:
    response = answer([ticket("1", subject="s"), ticket("2", subject="s", secret="x")])
    case = read("1", "2", properties=["subject"])
    failure = violation(invariants.properties_within_requested, case, response)
    assert "2 ['secret']" in failure.message


def test_without_properties_only_the_default_set_comes_back() -> None:
    failure = violation(
        invariants.properties_within_requested, read("1"), answer([ticket("1", closed_date=None)])
    )
    assert "1 ['closed_date']" in failure.message


def test_a_property_missing_from_one_result_is_named() -> None:
    response = answer([ticket("1", subject=None), ticket("2")])
    case = read("1", "2", properties=["subject"])
    failure = violation(invariants.requested_properties_in_every_result, case, response)
    assert "2 ['subject']" in failure.message


def test_history_not_asked_for_is_named() -> None:
    record = {**ticket("1"), "propertiesWithHistory": {"subject": [], "content": []}}
    case = read("1", propertiesWithHistory=["subject"])
    failure = violation(invariants.history_keys_as_asked, case, answer([record]))
    assert "1 ['content']" in failure.message


def test_history_without_asking_is_a_violation() -> None:
    record = {**ticket("1"), "propertiesWithHistory": {"subject": "not a list"}}
    failure = violation(invariants.history_keys_as_asked, read("1"), answer([record]))
    assert "1 ['subject']" in failure.message
    assert "History that is not a list: ['subject']" in failure.message


def test_history_oldest_first_is_named() -> None:
    entries = [
        {"value": "old", "timestamp": "2024-01-01T00:00:00Z"},
        {"value": "new", "timestamp": "2024-02-01T00:00:00Z"},
    ]
    record = {**ticket("1"), "propertiesWithHistory": {"subject": entries}}
    case = read("1", propertiesWithHistory=["subject"])
    failure = violation(invariants.history_newest_first, case, answer([record]))
    assert "1.subject: timestamps not newest first" in failure.message


def test_history_whose_newest_value_is_not_the_current_one_is_named() -> None:
    entries = [{"value": "old", "timestamp": "2024-01-01T00:00:00Z"}]
    record = {**ticket("1", subject="new"), "propertiesWithHistory": {"subject": entries}}
    case = read("1", properties=["subject"], propertiesWithHistory=["subject"])
    failure = violation(invariants.history_newest_first, case, answer([record]))
    assert "1.subject: newest history value 'old', current value 'new'" in failure.message


def test_a_duplicate_result_is_named() -> None:
    failure = violation(
        invariants.no_duplicate_results, read("1", "2"), answer([ticket("1"), ticket("1")])
    )
    assert "Records returned more than once: ['1']" in failure.message


def test_long_id_lists_are_cut_short() -> None:
    ids = [str(n) for n in range(1, 31)]
    failure = violation(invariants.inputs_accounted_for, read(*ids), answer([]))
    assert "... (20 more)" in failure.message


# --- helpers and wiring -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [("17", "17"), ("017", "17"), ("+17", "17"), ("-0", "0"), ("000", "0"), ("-07", "-7")]
    + [(" 17", " 17"), ("1e3", "1e3"), ("abc", "abc"), ("", "")],
)
def test_record_key_reads_ids_as_java_longs(raw: str, key: str) -> None:
    assert record_key(raw) == key


def test_the_report_names_the_invariant() -> None:
    failure = violation(invariants.no_duplicate_results, read("1"), answer([ticket("1")] * 2))
    assert check_name_of(failure) == "no_duplicate_results"


def test_distinct_invariants_are_distinct_failures() -> None:
    # schemathesis collects failures in a set: one per class and key.
    first = InvariantViolation(invariant="a", message="", operation="op")
    second = InvariantViolation(invariant="b", message="", operation="op")
    assert len({first, second, InvariantViolation(invariant="a", message="x", operation="op")}) == 2


def test_a_read_exchange_parses_the_request_and_answer() -> None:
    case = read("1", "1", "2", properties=["a", 3], idProperty="ref", query={"archived": "TRUE"})
    exchange = ReadExchange.of(case, answer([ticket("1")], ["2"]))
    assert exchange is not None
    assert exchange.distinct_inputs == ("1", "2")
    assert exchange.properties == ("a",)
    assert exchange.archived
    assert exchange.listed_missing == ("2",)
    assert not exchange.by_record_id


@pytest.fixture(scope="module")
def operation() -> Any:
    from tickets_contract.spec.contract import ContractKind, Portal, build_contract

    contract = build_contract(ContractKind.EFFECTIVE, portal=Portal(unique_properties=("ref",)))
    return contract.schemathesis_schema()[BATCH_READ_PATH]["POST"]


def _response(status: int, payload: Any) -> Any:
    import json

    import requests
    from schemathesis.core.transport import Response as StResponse

    request = requests.Request("POST", f"http://testserver{BATCH_READ_PATH}", json={}).prepare()
    return StResponse(
        status_code=status,
        headers={"Content-Type": ["application/json;charset=utf-8"]},
        content=json.dumps(payload).encode(),
        request=request,
        elapsed=0.01,
        verify=True,
    )


def test_the_invariants_run_as_schemathesis_checks(operation: Any) -> None:
    from schemathesis.core.failures import FailureGroup

    case = operation.Case(
        body={"inputs": [{"id": "1"}, {"id": "2"}]}, media_type="application/json"
    )
    good = answer([ticket("2"), ticket("1")]).payload
    case.validate_response(_response(200, good), checks=list(INVARIANTS))
    bad = answer([ticket("1"), ticket("1"), ticket("3")]).payload
    with pytest.raises(FailureGroup) as raised:
        case.validate_response(_response(200, bad), checks=list(INVARIANTS))
    names = sorted(check_name_of(failure) for failure in raised.value.exceptions)
    assert names == ["inputs_accounted_for", "no_duplicate_results", "no_unrequested_results"]


@pytest.mark.parametrize("module", ["invariants", "relations"])
def test_the_public_names_exist_and_are_sorted(module: str) -> None:
    import importlib

    loaded = importlib.import_module(f"tickets_contract.judging.{module}")
    assert loaded.__all__ == sorted(loaded.__all__, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(loaded, name) for name in loaded.__all__)


# --- the rules added for facts nothing checked (docs/RULES.md) --------------------------


UUID = "aeb5f871-7f07-4993-9211-075dc63e7cbf"


@dataclass
class Answered(Response):
    """A response with headers, as schemathesis gives them: lowercase name -> values."""

    headers: dict[str, list[str]] = field(default_factory=dict)


def test_created_at_must_be_createdate_and_updated_at_hs_lastmodifieddate() -> None:
    record = ticket("1")
    record["createdAt"] = "2024-01-01T01:00:00Z"  # a local-time conversion
    record["updatedAt"] = "2024-01-01T00:00:00Z"  # stale
    failure = violation(invariants.timestamps_match_properties, read("1"), answer([record]))
    assert "1: createdAt '2024-01-01T01:00:00Z', createdate '2024-01-01T00:00:00Z'" in (
        failure.message
    )
    assert "1: updatedAt '2024-01-01T00:00:00Z', hs_lastmodifieddate" in failure.message


def test_timestamps_equal_as_instants_match_and_absent_properties_do_not_apply() -> None:
    record = ticket("1")
    record["createdAt"] = "2024-01-01T00:00:00.000Z"
    check = invariants.timestamps_match_properties
    assert check(None, answer([record]), read("1")) is HELD
    del record["properties"]["createdate"]
    record["properties"]["hs_lastmodifieddate"] = None
    assert check(None, answer([record]), read("1")) is NOT_APPLICABLE


def test_the_correlation_header_must_echo_the_body() -> None:
    body = {"status": "error", "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf"}
    check = invariants.correlation_id_matches_header
    same = Answered(401, body, {"x-hubspot-correlation-id": [body["correlationId"]]})
    assert check(None, same, read("1")) is HELD
    other = Answered(401, body, {"x-hubspot-correlation-id": ["00000000-0000-0000-0000-0"]})
    failure = violation(check, read("1"), other)
    assert "Expected: header X-HubSpot-Correlation-Id 'aeb5f871-" in failure.message
    assert "on a 401 answer" in failure.message
    # Quoted bodies (docs, reports) come without headers: no header is not judged.
    assert check(None, Answered(400, body), read("1")) is NOT_APPLICABLE
    twice = {"X-HubSpot-Correlation-Id": [body["correlationId"], "another"]}
    failure = violation(check, read("1"), Answered(400, body, twice))
    assert "'another'" in failure.message


def test_the_correlation_rule_judges_every_answer_with_the_header() -> None:
    check = invariants.correlation_id_matches_header
    assert check(None, answer([ticket("1")]), read("1")) is NOT_APPLICABLE
    ok = Answered(200, answer([ticket("1")]).payload, {"x-hubspot-correlation-id": [UUID]})
    assert check(None, ok, read("1")) is HELD
    bad = Answered(200, ok.payload, {"x-hubspot-correlation-id": ["req-42"]})
    assert (
        "Expected: header X-HubSpot-Correlation-Id one UUID"
        in violation(check, read("1"), bad).message
    )
    elsewhere = Case(body={}, path="/crm/v3/objects/tickets")
    assert (
        check(
            None,
            Answered(401, {"correlationId": "x"}, {"x-hubspot-correlation-id": ["y"]}),
            elsewhere,
        )
        is NOT_APPLICABLE
    )


@pytest.mark.parametrize("status", ["PROCESSING", "PENDING", "CANCELED", None])
def test_a_batch_read_is_complete(status: Any) -> None:
    response = answer([ticket("1")])
    response.payload["status"] = status
    failure = violation(invariants.batch_status_complete, read("1"), response)
    assert f"Received: status {status!r} with 1 results" in failure.message


def test_result_ids_are_record_ids_not_unique_values() -> None:
    case = read("TCK-1", properties=["ref"], idProperty="ref")
    record = ticket("1", ref="TCK-1")
    record["id"] = "TCK-1"
    failure = violation(invariants.result_ids_are_record_ids, case, answer([record]))
    assert "'TCK-1' is not a record id" in failure.message
    shifted = ticket("2")
    shifted["properties"]["hs_object_id"] = "3"
    failure = violation(invariants.result_ids_are_record_ids, read("2"), answer([shifted]))
    assert "'2' differs from its hs_object_id '3'" in failure.message
    nothing = answer([], ["2"])
    assert invariants.result_ids_are_record_ids(None, nothing, read("2")) is NOT_APPLICABLE


@pytest.mark.parametrize(
    "stamp", ["2024-01-02T00:00:00+00:00", "2024-01-02T01:00:00+01:00", "2024-01-02T00:00:00"]
)
def test_timestamps_are_utc_with_z(stamp: str) -> None:
    record = ticket("1")
    record["updatedAt"] = stamp
    record["properties"]["hs_lastmodifieddate"] = stamp
    failure = violation(invariants.timestamps_in_utc, read("1"), answer([record]))
    assert f"1.updatedAt {stamp!r}" in failure.message
    history = {**ticket("1"), "propertiesWithHistory": {"subject": [{"timestamp": stamp}]}}
    failure = violation(invariants.timestamps_in_utc, read("1"), answer([history]))
    assert f"1.subject history {stamp!r}" in failure.message


def test_a_batch_completes_after_it_starts() -> None:
    response = answer([ticket("1")])
    response.payload["completedAt"] = "2024-02-29T23:59:59.999Z"
    failure = violation(invariants.batch_times_ordered, read("1"), response)
    assert "completedAt '2024-02-29T23:59:59.999Z'" in failure.message


@pytest.mark.parametrize(
    "entry",
    [
        {"status": "error", "category": "OBJECT_NOT_FOUND", "message": "ids 2"},
        {"status": "error", "category": "VALIDATION_ERROR", "context": {"ids": ["2"]}},
        {"status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": []}},
    ],
)
def test_error_entries_of_a_read_are_not_found_with_ids(entry: dict[str, Any]) -> None:
    response = answer([ticket("1")], ["2"])
    response.payload["errors"] = [entry]
    failure = violation(invariants.not_found_errors_list_ids, read("1", "2"), response)
    assert f"category {entry['category']!r}" in failure.message
    found = answer([ticket("1")])
    assert invariants.not_found_errors_list_ids(None, found, read("1")) is NOT_APPLICABLE


def test_the_always_included_properties_come_back_whatever_was_asked() -> None:
    record = ticket("1", subject="s")
    del record["properties"]["hs_lastmodifieddate"]
    del record["properties"]["hs_object_id"]
    case = read("1", properties=["subject"])
    failure = violation(invariants.always_included_properties_returned, case, answer([record]))
    assert "1 ['hs_lastmodifieddate', 'hs_object_id']" in failure.message
    assert "when `properties` was ['subject']" in failure.message
    check = invariants.always_included_properties_returned
    assert check(None, answer([]), read("1")) is NOT_APPLICABLE


def test_a_result_url_names_its_record() -> None:
    check = invariants.result_ids_are_record_ids
    good = {**ticket("17"), "url": "https://app-eu1.hubspot.com/contacts/123/record/0-5/17"}
    assert check(None, answer([good]), read("17")) is HELD
    # Recorded answers of contacts (0-1) are judged too: the object type is not checked.
    contact = {**ticket("17"), "url": "https://app.hubspot.com/contacts/123/record/0-1/17"}
    assert check(None, answer([contact]), read("17")) is HELD
    other = {**ticket("17"), "url": "https://app.hubspot.com/contacts/123/record/0-5/170"}
    failure = violation(check, read("17"), answer([other]))
    assert (
        "'17' is not the record of its url 'https://app.hubspot.com/contacts/123/record/0-5/170'"
        in (failure.message)
    )
    violation(check, read("17"), answer([{**ticket("17"), "url": "https://app.hubspot.com/"}]))


def test_contacts_name_their_last_modified_property_lastmodifieddate() -> None:
    record = ticket("1")
    record["properties"]["lastmodifieddate"] = record["properties"].pop("hs_lastmodifieddate")
    check = invariants.always_included_properties_returned
    assert check(None, answer([record]), read("1")) is HELD


def test_each_invariant_says_whether_it_judged_the_exchange() -> None:
    # A rich answer: every invariant has something to judge.
    results = [ticket(rid, subject="s") for rid in ("1", "2")]
    for result in results:
        result["propertiesWithHistory"] = {
            "subject": [{"value": "s", "timestamp": "2024-01-01T00:00:00Z"}]
        }
    rich = (
        read("1", "2", "9", properties=["subject"], propertiesWithHistory=["subject"]),
        answer(results, missing=["9"]),
    )
    for check in INVARIANTS:
        if check is invariants.correlation_id_matches_header:
            continue  # it judges answers with the header: below
        assert check(None, rich[1], rich[0]) is HELD, check.__name__
    echoed = {"x-hubspot-correlation-id": [UUID]}
    error = Answered(401, {"status": "error", "correlationId": UUID}, echoed)
    assert invariants.correlation_id_matches_header(None, error, read("1")) is HELD
    # An answer that is not a batch read's: nothing to judge.
    rejected = Response(status_code=400, payload={"status": "error"})
    for check in INVARIANTS:
        assert check(None, rejected, read("1")) is NOT_APPLICABLE, check.__name__
