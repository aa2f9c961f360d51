"""The quirk explainer keeps the verdicts of its trials per exchange: the same exchange
is explained the same way again, and another answer to the same request on its own."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

from tickets_contract.judging.judges import QuirkExplainer, check_exchange
from tickets_contract.spec.contract import (
    BATCH_READ_METHOD,
    BATCH_READ_PATH,
    ContractKind,
    build_contract,
)

BODY = {"inputs": [{"id": "1"}], "properties": ["subject"], "propertiesWithHistory": []}


def _answer(subject: Any) -> dict[str, Any]:
    when = "2024-01-01T00:00:00Z"
    return {
        "status": "COMPLETE",
        "startedAt": when,
        "completedAt": when,
        "results": [
            {
                "id": "1",
                "properties": {"subject": subject, "hs_object_id": "1"},
                "createdAt": when,
                "updatedAt": when,
                "archived": False,
            }
        ],
    }


def _explain(explainer: QuirkExplainer, operation: Any, subject: Any) -> list[tuple[str, tuple]]:
    from schemathesis.checks import response_schema_conformance

    case = operation.Case(body=BODY, media_type="application/json")
    response = httpx.Response(
        200,
        headers={"content-type": "application/json;charset=utf-8"},
        content=json.dumps(_answer(subject)).encode(),
        request=httpx.Request(BATCH_READ_METHOD, f"https://api.hubapi.com{BATCH_READ_PATH}"),
    )
    response.elapsed = dt.timedelta(0)
    group = check_exchange(case, response, checks=[response_schema_conformance])
    failures = list(group.exceptions) if group is not None else []
    return [(d.check, d.quirks) for d in explainer.explain(case, response, failures)]


def test_the_same_request_answered_differently_is_explained_on_its_own() -> None:
    published = build_contract(ContractKind.PUBLISHED)
    operation = published.schemathesis_schema()[BATCH_READ_PATH][BATCH_READ_METHOD]
    explainer = QuirkExplainer(published)
    # A defined property without a value: null, which only the quirk explains.
    null = _explain(explainer, operation, None)
    assert null == [("response_schema_conformance", ("null-property-values",))]
    # The same request, an integer where a string belongs (as long as `null`: the same
    # headers): no quirk explains it, though the trials of the other answer were kept.
    assert _explain(explainer, operation, 1234) == [("response_schema_conformance", ())]
    # And the first answer again, from what was kept, as the first time.
    assert _explain(explainer, operation, None) == null
    assert _explain(explainer, operation, "a subject") == []
