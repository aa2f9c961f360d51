"""The published fragment, its examples, and the effective contract built from the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from tickets_contract.errors import LedgerError, SpecError
from tickets_contract.spec.contract import (
    BATCH_READ_PATH,
    ContractKind,
    Portal,
    build_contract,
    load_fragment,
    specs_dir,
)

PUBLISHED_JSON = (
    Path(__file__).resolve().parents[2]
    / "shared/reference/hubspot-tickets-batch-read.published.json"
)


def _examples(document: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    """Every (label, schema, example value) pair of the batch read operation."""
    operation = document["paths"][BATCH_READ_PATH]["post"]
    found = []
    media = operation["requestBody"]["content"]["application/json"]
    for name, example in media["examples"].items():
        found.append((f"request:{name}", media["schema"], example["value"]))
    for status, response in operation["responses"].items():
        if "$ref" in response:
            response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        for media_type in response["content"].values():
            for name, example in media_type.get("examples", {}).items():
                found.append((f"{status}:{name}", media_type["schema"], example["value"]))
    return found


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> OAS30Validator:
    return OAS30Validator({**schema, "components": document["components"]})


def test_fragment_is_valid_openapi() -> None:
    validate(load_fragment())


def test_fragment_has_the_named_examples() -> None:
    labels = {label for label, _, _ in _examples(load_fragment())}
    assert {
        "request:byId",
        "request:byIdProperty",
        "request:partialMiss",
        "200:archived",
        "207:partialMiss",
    } <= labels


@pytest.mark.parametrize(
    ("label", "schema", "value"),
    _examples(load_fragment()),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_examples_validate_against_their_own_schemas(label: str, schema: Any, value: Any) -> None:
    errors = list(_validator(load_fragment(), schema).iter_errors(value))
    assert not errors, f"{label}: {errors[0].message}"


def test_an_example_that_breaks_its_schema_is_caught() -> None:
    document = load_fragment()
    label, schema, value = next(e for e in _examples(document) if e[0] == "200:byId")
    broken = {**value, "results": [{k: v for k, v in value["results"][0].items() if k != "id"}]}
    assert not _validator(document, schema).is_valid(broken)


@pytest.mark.skipif(
    not PUBLISHED_JSON.is_file(), reason="shared/ reference data not beside the checkout"
)
def test_fragment_matches_published_names_types_and_required_lists() -> None:
    """Names, types, formats, enums and required lists are HubSpot's."""
    import json

    published = json.loads(PUBLISHED_JSON.read_text())
    ours = load_fragment()

    def shape(node: Any) -> Any:
        if isinstance(node, dict):
            keep = {
                "type",
                "format",
                "enum",
                "required",
                "properties",
                "items",
                "additionalProperties",
                "$ref",
            }
            return {k: shape(v) for k, v in node.items() if k in keep}
        if isinstance(node, list):
            return [shape(v) for v in node]
        return node

    for name, schema in published["components"]["schemas"].items():
        assert shape(ours["components"]["schemas"][name]) == shape(schema), name
    op_ours = ours["paths"][BATCH_READ_PATH]["post"]
    op_pub = published["paths"][BATCH_READ_PATH]["post"]
    assert op_ours["operationId"] == op_pub["operationId"]
    assert op_ours["security"] == op_pub["security"]
    assert set(op_ours["responses"]) == set(op_pub["responses"])
    assert [
        (p["name"], p["in"], p["schema"]["type"], p["schema"]["default"])
        for p in op_ours["parameters"]
    ] == [
        (p["name"], p["in"], p["schema"]["type"], p["schema"]["default"])
        for p in op_pub["parameters"]
    ]
    assert set(ours["components"]["securitySchemes"]) == set(
        published["components"]["securitySchemes"]
    )


def test_effective_contract_is_valid_openapi_and_differs_where_the_ledger_says() -> None:
    effective = build_contract(
        ContractKind.EFFECTIVE, portal=Portal(unique_properties=("hs_object_id", "ref"))
    )
    validate(dict(effective.document))
    schemas = effective.document["components"]["schemas"]
    # Neither the property lists nor `inputs` (quirks request-property-lists-optional,
    # missing-inputs-empty-answer): OpenAPI 3.0 writes "nothing required" as no list.
    assert "required" not in schemas["BatchReadInputSimplePublicObjectId"]
    assert schemas["BatchReadInputSimplePublicObjectId"]["properties"]["idProperty"]["allOf"] == [
        {"enum": ["hs_object_id", "ref"]}
    ]
    assert schemas["BatchReadInputSimplePublicObjectId"]["properties"]["inputs"]["maxItems"] == 100
    assert (
        schemas["SimplePublicObject"]["properties"]["properties"]["additionalProperties"][
            "nullable"
        ]
        is True
    )
    assert "errors" not in schemas["StandardError"]["required"]
    assert "application/json" in effective.document["components"]["responses"]["Error"]["content"]
    assert "429" in effective.document["paths"][BATCH_READ_PATH]["post"]["responses"]
    # The fragment itself is untouched: the effective contract is derived, never edited in.
    assert load_fragment()["components"]["schemas"]["BatchReadInputSimplePublicObjectId"][
        "required"
    ] == ["inputs", "properties", "propertiesWithHistory"]


def test_published_contract_is_the_fragment() -> None:
    assert build_contract(ContractKind.PUBLISHED).document == load_fragment()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("openapi: 3.0.3\ninfo: [unclosed", "line", "not valid YAML"),
        ("- a list\n", "top level", "expected an OpenAPI mapping"),
        (
            "openapi: 3.0.3\ninfo: {title: x, version: '1'}\n"
            "paths: {/x: {get: {responses: {'200': {description: ok}}}}}\n",
            "#/paths/",
            "batch read operation",
        ),
        ("openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n", "", "not valid OpenAPI"),
    ],
    ids=["yaml-syntax", "not-a-mapping", "operation-missing", "invalid-openapi"],
)
def test_malformed_fragment_names_file_place_and_fix(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    path = _write(tmp_path, "broken.yaml", text)
    with pytest.raises(SpecError) as info:
        build_contract(ContractKind.PUBLISHED, fragment_path=path)
    message = str(info.value)
    assert str(path) in message
    assert where in message
    assert problem in message
    assert "fix:" in message


def test_overlay_that_does_not_apply_names_the_entry(tmp_path: Path) -> None:
    ledger = yaml.safe_load((specs_dir() / "quirks.yaml").read_text())
    ledger["quirks"][0]["overlay"]["patch"][0]["path"] = "/components/schemas/NoSuchSchema/required"
    path = _write(tmp_path, "quirks.yaml", yaml.safe_dump(ledger))
    with pytest.raises(LedgerError) as info:
        build_contract(ContractKind.EFFECTIVE, ledger_path=path)
    assert f"quirk {ledger['quirks'][0]['id']}" in str(info.value)
    assert "does not apply" in str(info.value)


def test_overlay_that_breaks_openapi_names_the_entry(tmp_path: Path) -> None:
    ledger = yaml.safe_load((specs_dir() / "quirks.yaml").read_text())
    ledger["quirks"][0]["overlay"]["patch"] = [{"op": "replace", "path": "/openapi", "value": 7}]
    path = _write(tmp_path, "quirks.yaml", yaml.safe_dump(ledger))
    with pytest.raises(LedgerError, match="invalid OpenAPI"):
        build_contract(ContractKind.EFFECTIVE, ledger_path=path)


def test_overlays_walk_only_what_they_touched_yet_drop_every_empty_required() -> None:
    # The overlays after the first walk only the subtrees their operations touched for a
    # `required: []`; every variant the explainer builds (all overlays, each left out, in
    # either portal) must equal the document that walking the whole of it gives.
    import copy
    import json

    from tickets_contract.spec import contract as module
    from tickets_contract.spec.ledger import load_ledger as load

    fragment = module.load_fragment()
    patched = [q for q in load(module.specs_dir() / module.LEDGER_NAME).quirks if q.patch]
    assert len(patched) >= 2
    compared = 0
    for portal in (module.Portal(), module.Portal(unique_properties=("hs_object_id", "email"))):
        for left_out in [None, *(q.id for q in patched)]:
            quirks = [q for q in patched if q.id != left_out]
            fast = module.effective_document(fragment, quirks, portal=portal, validate=False)
            whole: dict[str, Any] = copy.deepcopy(fragment)
            for quirk in quirks:  # walked=False: the whole document after every overlay
                whole = module._apply(whole, quirk, portal, "test", in_place=True)
            whole["info"] = fast["info"]
            assert json.dumps(fast, sort_keys=True) == json.dumps(whole, sort_keys=True)
            compared += 1
    assert compared == 2 * (len(patched) + 1)


def test_an_edited_ledger_is_read_afresh(tmp_path: Path) -> None:
    from tickets_contract.spec.ledger import load_ledger as load

    # The ledger as packaged: .ci/wheel-check runs these tests with no specs/ beside them.
    shipped = (specs_dir() / "quirks.yaml").read_text(encoding="utf-8")
    path = tmp_path / "quirks.yaml"
    path.write_text(shipped, encoding="utf-8")
    first = load(path)
    assert load(path) is first  # unchanged: kept
    data = yaml.safe_load(shipped)
    data["quirks"] = data["quirks"][:1]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert len(load(path).quirks) == 1 != len(first.quirks)
