"""Spec drift on files as HubSpot publishes them: flaws outside the operation, the
date-versioned paths, URLs, a history of versions, and the effective contract moved.

Every document here is written for the purpose, small, with the shape of HubSpot's
tickets.json and each kind of flaw its history has shown.
"""

from __future__ import annotations

import copy
import http.server
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from loopback import serving
from tickets_contract.cli import EXIT_DEVIATION, EXIT_INPUT, EXIT_OK, EXIT_UNREACHABLE, main
from tickets_contract.drift import ChangeKind, diff_specs, read_spec
from tickets_contract.drift.history import expand_versions, walk
from tickets_contract.drift.sources import show_source
from tickets_contract.errors import SpecError, UnreachableError
from tickets_contract.spec.contract import BATCH_READ_PATH, specs_dir

K = ChangeKind
FRAGMENT = specs_dir() / "tickets-batch-read.openapi.yaml"
V2026_03 = "/crm/objects/2026-03/tickets/batch/read"
V2025_09 = "/crm/objects/2025-09/{objectType}/batch/read"


def escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def batch_read(path: str = BATCH_READ_PATH) -> dict[str, Any]:
    return {
        "operationId": f"post-{path}_read",
        "security": [{"oauth2": ["tickets"]}],
        "parameters": [
            {
                "name": "archived",
                "in": "query",
                "style": "form",
                "explode": True,
                "schema": {"type": "boolean", "default": False},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Input"}}},
        },
        "responses": {
            "200": {
                "description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}},
            }
        },
    }


def document(path: str = BATCH_READ_PATH) -> dict[str, Any]:
    """A small tickets spec: the batch read, one unrelated operation, two schemes."""
    operation = batch_read(path)
    if "{objectType}" in path:
        operation["parameters"].insert(
            0,
            {
                "name": "objectType",
                "in": "path",
                "required": True,
                "style": "simple",
                "schema": {"type": "string"},
            },
        )
    return {
        "openapi": "3.0.1",
        "info": {"title": "Tickets", "version": "v3"},
        "servers": [{"url": "https://api.hubapi.com"}],
        "paths": {
            path: {"post": operation},
            "/crm/v3/objects/tickets/{ticketId}": {
                "get": {
                    "parameters": [
                        {
                            "name": "ticketId",
                            "in": "path",
                            "required": True,
                            "style": "simple",
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            },
        },
        "components": {
            "schemas": {
                "Input": {
                    "type": "object",
                    "required": ["inputs"],
                    "properties": {
                        "inputs": {"type": "array", "items": {"type": "string"}, "maxItems": 100}
                    },
                },
                "Batch": {
                    "type": "object",
                    "required": ["results"],
                    "properties": {"results": {"type": "array", "items": {"type": "object"}}},
                },
            },
            "securitySchemes": {
                "oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": "https://app.hubspot.com/oauth/authorize",
                            "tokenUrl": "https://api.hubapi.com/oauth/v1/token",
                            "scopes": {"tickets": ""},
                        }
                    },
                },
                "private_apps_legacy": {
                    "type": "apiKey",
                    "name": "private-app-legacy",
                    "in": "header",
                },
            },
        },
    }


def with_simple_style(doc: dict[str, Any]) -> dict[str, Any]:
    """HubSpot's flaw: an unrelated operation's path parameter styled "SIMPLE"."""
    flawed = copy.deepcopy(doc)
    flawed["paths"]["/crm/v3/objects/tickets/{ticketId}"]["get"]["parameters"][0]["style"] = (
        "SIMPLE"
    )
    return flawed


def with_legacy_flows(doc: dict[str, Any]) -> dict[str, Any]:
    """HubSpot's other flaw: private_apps_legacy, an apiKey scheme, given oauth2 flows."""
    flawed = copy.deepcopy(doc)
    flawed["components"]["securitySchemes"]["private_apps_legacy"]["flows"] = {
        "authorizationCode": {"scopes": {"tickets": ""}}
    }
    return flawed


def with_swagger_body(doc: dict[str, Any]) -> dict[str, Any]:
    """A flaw with no certain reading: an unrelated parameter `in: body` (Swagger 2)."""
    flawed = copy.deepcopy(doc)
    flawed["paths"]["/crm/v3/objects/tickets/{ticketId}"]["get"]["parameters"].append(
        {"name": "payload", "in": "body", "schema": {"type": "object"}}
    )
    return flawed


def save(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc) if path.suffix == ".json" else yaml.safe_dump(doc))
    return path


SIMPLE_POINTER = "#/paths/~1crm~1v3~1objects~1tickets~1{ticketId}/get/parameters/0/style"
LEGACY_POINTER = "#/components/securitySchemes/private_apps_legacy/flows"
BODY_POINTER = "#/paths/~1crm~1v3~1objects~1tickets~1{ticketId}/get/parameters/1/in"


# --- 1. flaws: repaired when certain, else warnings outside the operation, errors in it --


@pytest.mark.parametrize(
    ("flaw", "where", "problem"),
    [
        pytest.param(
            with_simple_style,
            SIMPLE_POINTER,
            "repaired: style 'SIMPLE' read as 'simple' (OpenAPI 3.0's values are case-sensitive)",
            id="style",
        ),
        pytest.param(
            with_legacy_flows,
            LEGACY_POINTER,
            "repaired: `flows` dropped: an apiKey scheme has none (only oauth2 schemes do)",
            id="flows",
        ),
        pytest.param(
            with_swagger_body,
            BODY_POINTER,
            "in 'body' is not one of query, header, path, cookie (OpenAPI 3.0's values are "
            "case-sensitive) (outside the batch read: ignored)",
            id="no-certain-reading",
        ),
    ],
)
def test_a_flaw_outside_the_operation_is_a_warning(
    tmp_path: Path, flaw: Any, where: str, problem: str
) -> None:
    spec = read_spec(save(tmp_path / "tickets.json", flaw(document())))
    assert [(w.where, w.problem) for w in spec.warnings] == [(where, problem)]
    assert spec.located.path == BATCH_READ_PATH


def test_diff_of_a_document_with_an_invalid_unrelated_operation_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = save(tmp_path / "old.json", document())
    new = save(
        tmp_path / "new.json", with_swagger_body(with_legacy_flows(with_simple_style(document())))
    )
    assert main(["diff", str(old), str(new)]) == EXIT_OK
    captured = capsys.readouterr()
    assert "**0 breaking, 0 non-breaking**" in captured.out
    assert "## Warnings" in captured.out
    assert f"`{BODY_POINTER}`" in captured.out
    warnings = captured.err.splitlines()
    assert len(warnings) == 3
    assert warnings[0].startswith(f"tickets-contract: warning: {new}: {SIMPLE_POINTER}: repaired")
    assert warnings[1].startswith(f"tickets-contract: warning: {new}: {LEGACY_POINTER}: repaired")
    assert warnings[2].startswith(f"tickets-contract: warning: {new}: {BODY_POINTER}: in 'body'")
    assert warnings[2].endswith("(outside the batch read: ignored)")
    assert main(["diff", str(old), str(new), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert [w["where"] for w in report["warnings"]] == [
        SIMPLE_POINTER,
        LEGACY_POINTER,
        BODY_POINTER,
    ]


def test_the_operation_still_changes_next_to_flaws(tmp_path: Path) -> None:
    new = with_swagger_body(document())
    del new["components"]["schemas"]["Batch"]["required"]
    drift = diff_specs(
        read_spec(save(tmp_path / "old.json", document())),
        read_spec(save(tmp_path / "new.json", new)),
    )
    assert [(c.location, c.kind, c.breaking) for c in drift.changes] == [
        ("response 200 > results", K.BECAME_OPTIONAL, True)
    ]
    assert len(drift.warnings) == 1


def test_certain_flaws_in_the_operation_are_repaired_and_invent_no_change(
    tmp_path: Path,
) -> None:
    """HubSpot's history: `"style": "FORM"` on the batch read's own parameter, the generic
    API's `objectType` path parameter on the fixed v3 path, capitalised scheme types."""
    flawed = document()
    operation = flawed["paths"][BATCH_READ_PATH]["post"]
    operation["parameters"][0]["style"] = "FORM"
    operation["parameters"].append(
        {"name": "objectType", "in": "path", "required": True, "schema": {"type": "string"}}
    )
    operation["security"].append({"private_apps_legacy": []})
    flawed["components"]["securitySchemes"]["private_apps_legacy"]["type"] = "APIKEY"
    flawed["components"]["securitySchemes"]["private_apps_legacy"]["in"] = "HEADER"
    clean = document()
    clean["paths"][BATCH_READ_PATH]["post"]["security"].append({"private_apps_legacy": []})
    spec = read_spec(save(tmp_path / "flawed.json", flawed))
    here = f"#/paths/{escape(BATCH_READ_PATH)}/post/parameters"
    assert [(w.where, w.problem.split(":")[0]) for w in spec.warnings] == [
        (f"{here}/1", "repaired"),
        (f"{here}/0/style", "repaired"),
        ("#/components/securitySchemes/private_apps_legacy/type", "repaired"),
        ("#/components/securitySchemes/private_apps_legacy/in", "repaired"),
    ]
    assert "path parameter 'objectType' dropped" in spec.warnings[0].problem
    for old, new in [(clean, spec.document), (spec.document, clean)]:
        assert (
            diff_specs(
                read_spec(save(tmp_path / "old.json", dict(old))),
                read_spec(save(tmp_path / "new.json", dict(new))),
            ).changes
            == ()
        )


def flawed_operation_place(doc: dict[str, Any]) -> dict[str, Any]:
    doc["paths"][BATCH_READ_PATH]["post"]["parameters"][0]["in"] = "body"
    return doc


def flawed_scheme_in_use(doc: dict[str, Any]) -> dict[str, Any]:
    doc["paths"][BATCH_READ_PATH]["post"]["security"].append({"private_apps_legacy": []})
    doc["components"]["securitySchemes"]["private_apps_legacy"]["in"] = "body"
    return doc


def flawed_dangling_ref(doc: dict[str, Any]) -> dict[str, Any]:
    del doc["components"]["schemas"]["Batch"]
    return doc


def flawed_referenced_schema(doc: dict[str, Any]) -> dict[str, Any]:
    doc["components"]["schemas"]["Input"]["required"] = "inputs"
    return doc


@pytest.mark.parametrize(
    ("flaw", "where", "problem"),
    [
        pytest.param(
            flawed_operation_place,
            f"#/paths/{escape(BATCH_READ_PATH)}/post/parameters/0/in",
            "in 'body' is not one of",
            id="operation-parameter",
        ),
        pytest.param(
            flawed_scheme_in_use,
            "#/components/securitySchemes/private_apps_legacy/in",
            "in 'body' is not one of query, header, cookie",
            id="its-scheme",
        ),
        pytest.param(
            flawed_referenced_schema,
            "#/components/schemas/Input",
            "this value is not valid",
            id="referenced-schema",
        ),
    ],
)
def test_a_flaw_in_the_operation_exits_4_naming_the_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flaw: Any, where: str, problem: str
) -> None:
    bad = save(tmp_path / "bad.json", flaw(document()))
    assert main(["diff", str(FRAGMENT), str(bad)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"tickets-contract: error: {bad}: {where}: the batch read operation")
    assert problem in err
    assert "\n  fix: " in err


def test_a_dangling_ref_of_the_operation_exits_4_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = save(tmp_path / "bad.json", flawed_dangling_ref(document()))
    assert main(["diff", str(bad), str(FRAGMENT)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.startswith(
        f"tickets-contract: error: {bad}: $ref '#/components/schemas/Batch' (reached from "
        f"POST {BATCH_READ_PATH}): the batch read operation refers to a component that does "
        "not exist"
    )


# --- 2. across paths and versions ------------------------------------------------------


def test_v3_against_a_fixed_date_versioned_path_reports_the_move_alone(tmp_path: Path) -> None:
    old = read_spec(save(tmp_path / "v3.json", document()))
    new = read_spec(save(tmp_path / "2026-03.json", document(V2026_03)))
    drift = diff_specs(old, new, include_docs=True)
    # The operationId HubSpot derives from the path moves with it: not a second change.
    (change,) = drift.changes
    assert (change.location, change.kind, change.breaking) == (
        "operation > path",
        K.PATH_MOVED,
        True,
    )
    assert change.old == f"POST {BATCH_READ_PATH}"
    assert change.new == f"POST {V2026_03}"
    assert f"hard-code {BATCH_READ_PATH}" in change.reason
    assert (drift.old_path, drift.new_path) == (BATCH_READ_PATH, V2026_03)


def test_a_templated_path_is_found_and_its_object_type_is_part_of_the_path(
    tmp_path: Path,
) -> None:
    old = read_spec(save(tmp_path / "v3.json", document()))
    new = read_spec(save(tmp_path / "2025-09.json", document(V2025_09)))
    assert (new.located.template, new.located.url_path) == (
        "objectType",
        "/crm/objects/2025-09/tickets/batch/read",
    )
    (change,) = diff_specs(old, new).changes  # no "parameter added: path objectType"
    assert change.kind is K.PATH_MOVED
    assert change.new == f"POST {V2025_09} (objectType=tickets or 0-5)"
    assert "/crm/objects/2025-09/tickets/batch/read" in change.reason


def test_a_path_written_as_a_template_for_the_same_url_does_not_break(tmp_path: Path) -> None:
    fixed = read_spec(
        save(tmp_path / "a.json", document("/crm/objects/2025-09/tickets/batch/read"))
    )
    templated = read_spec(save(tmp_path / "b.json", document(V2025_09)))
    (change,) = diff_specs(fixed, templated).changes
    assert (change.kind, change.breaking) == (K.PATH_MOVED, False)


def test_the_tickets_type_id_path_is_found(tmp_path: Path) -> None:
    spec = read_spec(save(tmp_path / "a.json", document("/crm/objects/2026-09/0-5/batch/read")))
    assert spec.located.path == "/crm/objects/2026-09/0-5/batch/read"


def test_a_template_restricted_to_other_objects_is_not_the_tickets_operation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = document(V2025_09)
    doc["paths"][V2025_09]["post"]["parameters"][0]["schema"]["enum"] = ["contacts", "0-1"]
    bad = save(tmp_path / "contacts.json", doc)
    assert main(["diff", str(FRAGMENT), str(bad)]) == EXIT_INPUT
    assert "does not declare the batch read operation" in capsys.readouterr().err


def test_the_v3_path_wins_in_a_document_with_several(tmp_path: Path) -> None:
    doc = document(V2025_09)
    doc["paths"][V2026_03] = {"post": batch_read(V2026_03)}
    doc["paths"][BATCH_READ_PATH] = {"post": batch_read()}
    assert read_spec(save(tmp_path / "a.json", doc)).located.path == BATCH_READ_PATH
    del doc["paths"][BATCH_READ_PATH]
    assert read_spec(save(tmp_path / "b.json", doc)).located.path == V2026_03


def test_markdown_names_both_paths_of_a_moved_operation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = save(tmp_path / "v3.json", document())
    new = save(tmp_path / "2026-03.json", document(V2026_03))
    assert main(["diff", str(old), str(new)]) == EXIT_DEVIATION
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"# Spec drift: POST {BATCH_READ_PATH} -> {V2026_03}"
    assert "**1 breaking, 0 non-breaking**" in out


# --- the effective contract at a date-versioned path -----------------------------------


def spec_output(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["spec", "--format", "json", *args]) == EXIT_OK
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_spec_effective_at_a_date_versioned_path_keeps_the_overlays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v3 = spec_output(capsys, "--effective")
    moved = spec_output(capsys, "--effective", "--path", V2026_03)
    assert BATCH_READ_PATH not in moved["paths"]
    # The overlays (the 429 quirk among them) are applied to the moved operation.
    assert moved["paths"][V2026_03]["post"] == v3["paths"][BATCH_READ_PATH]["post"]
    assert "429" in moved["paths"][V2026_03]["post"]["responses"]
    published = spec_output(capsys, "--published", "--path", V2026_03)
    assert "429" not in published["paths"][V2026_03]["post"]["responses"]
    # And diff sees the two effective contracts differ by the move alone.
    old = save(tmp_path / "v3.json", v3)
    new = save(tmp_path / "2026-03.json", moved)
    assert main(["diff", str(old), str(new), "--format", "json"]) == EXIT_DEVIATION
    report = json.loads(capsys.readouterr().out)
    assert [c["kind"] for c in report["changes"]] == ["path moved"]


def test_spec_at_a_templated_path_declares_its_object_type(
    capsys: pytest.CaptureFixture[str],
) -> None:
    moved = spec_output(capsys, "--effective", "--path", V2025_09)
    item = moved["paths"][V2025_09]
    (parameter,) = [p for p in item["parameters"] if p["in"] == "path"]
    assert parameter["name"] == "objectType"
    assert parameter["schema"]["enum"] == ["tickets", "0-5"]


def test_spec_refuses_a_path_of_another_operation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "--path", "/crm/v3/objects/contacts/batch/read"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "is not a path of the tickets batch read" in err
    assert "fix:" in err


# --- 3. straight from the source: URLs -------------------------------------------------


class _Files(http.server.BaseHTTPRequestHandler):
    files: dict[str, tuple[str, bytes]] = {}
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.seen.append(dict(self.headers.items()))
        path = self.path.split("?", 1)[0]
        if path not in self.files:
            self.send_error(404)
            return
        media_type, body = self.files[path]
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def served() -> Iterator[tuple[str, type[_Files]]]:
    """A real HTTP server on loopback serving static files; yields its base URL."""

    class Handler(_Files):
        files = {
            "/tickets.json": (
                "application/json",
                json.dumps(with_simple_style(document())).encode(),
            ),
            "/2026-03/tickets.json": ("application/json", json.dumps(document(V2026_03)).encode()),
            "/raw/clean": ("text/plain", yaml.safe_dump(document()).encode()),
        }
        seen = []

    with serving(Handler) as url:
        yield url, Handler


def test_diff_reads_urls_without_sending_a_token(
    served: tuple[str, type[_Files]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, handler = served
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-11111111-2222-3333-4444-555555555555")
    # A clean version (YAML, served as text/plain) against a flawed one: a warning.
    argv = ["diff", f"{base}/raw/clean", f"{base}/tickets.json", "--format", "json"]
    assert main(argv) == EXIT_OK
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert (report["old"], report["new"]) == (f"{base}/raw/clean", f"{base}/tickets.json")
    assert report["changes"] == []
    assert [w["where"] for w in report["warnings"]] == [SIMPLE_POINTER]
    assert len(handler.seen) == 2
    for headers in handler.seen:
        assert not {k.lower() for k in headers} & {"authorization", "cookie", "private-app"}
    assert "pat-na1" not in captured.out + captured.err


def test_diff_between_two_urls_reports_the_move(
    served: tuple[str, type[_Files]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = served
    assert main(["diff", f"{base}/tickets.json", f"{base}/2026-03/tickets.json"]) == 1
    assert "| **breaking** | `operation > path` | path moved |" in capsys.readouterr().out


def test_a_missing_url_exits_7_in_one_line_without_its_query(
    served: tuple[str, type[_Files]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = served
    argv = ["diff", str(FRAGMENT), f"{base}/nothing.json?token=secret-value"]
    assert main(argv) == EXIT_UNREACHABLE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"tickets-contract: unreachable: {base}/nothing.json?...: answered HTTP 404; "
        "check the URL and the network, or download the file and pass its path\n"
    )


def test_a_refused_connection_exits_7(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["diff", str(FRAGMENT), f"http://127.0.0.1:{port}/t.json"]) == EXIT_UNREACHABLE
    err = capsys.readouterr().err
    assert err.startswith(f"tickets-contract: unreachable: http://127.0.0.1:{port}/t.json: cannot")
    assert len(err.splitlines()) == 1


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/tickets.json"
        with pytest.raises(UnreachableError) as caught:
            read_spec(url, timeout=0.2)
    assert caught.value.problem == "did not answer within 0.2 s"


def test_a_url_that_is_not_a_spec_is_a_malformed_input(
    served: tuple[str, type[_Files]],
) -> None:
    base, handler = served
    handler.files["/page"] = ("text/html", b"<html><body>not a spec</body></html>")
    with pytest.raises(SpecError) as caught:
        read_spec(f"{base}/page")
    assert caught.value.source == f"{base}/page"


# --- 4. a history report ---------------------------------------------------------------


@pytest.fixture
def versions(tmp_path: Path) -> Path:
    """Five versions in name order: a breaking change, a flaw, a broken one, a move."""
    folder = tmp_path / "history"
    folder.mkdir()
    first = document()
    save(folder / "2024-01-05.json", first)
    save(folder / "2024-02-01.json", first)  # no change
    second = copy.deepcopy(first)
    second["components"]["schemas"]["Input"]["properties"]["inputs"]["maxItems"] = 50
    save(folder / "2024-03-10.yaml", with_simple_style(second))
    save(folder / "2024-04-01.json", flawed_operation_place(copy.deepcopy(second)))
    moved = document(V2026_03)
    moved["components"]["schemas"]["Input"]["properties"]["inputs"]["maxItems"] = 50
    save(folder / "2024-05-20.json", moved)
    (folder / "notes.txt").write_text("not a version")
    return folder


def test_history_says_when_each_change_happened(
    versions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", str(versions), "--format", "json"]) == EXIT_DEVIATION
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert [v["label"] for v in report["versions"]] == [
        "2024-01-05.json",
        "2024-02-01.json",
        "2024-03-10.yaml",
        "2024-04-01.json",
        "2024-05-20.json",
    ]
    steps = [
        (s["since"], s["when"], [(c["location"], c["kind"], c["breaking"]) for c in s["changes"]])
        for s in report["steps"]
    ]
    assert steps == [
        (
            "2024-02-01.json",
            "2024-03-10.yaml",
            [("request body > inputs", "constraint changed", True)],
        ),
        # The broken 2024-04-01 is skipped: 2024-05-20 is compared with 2024-03-10.
        ("2024-03-10.yaml", "2024-05-20.json", [("operation > path", "path moved", True)]),
    ]
    assert [(s["label"], "in 'body'" in s["problem"]) for s in report["skipped"]] == [
        ("2024-04-01.json", True)
    ]
    assert [(w["version"], w["where"]) for w in report["warnings"]] == [
        ("2024-03-10.yaml", SIMPLE_POINTER)
    ]
    assert (report["changes"], report["breaking"]) == (2, 2)
    assert "skipped 2024-04-01.json" in captured.err


def test_history_markdown_has_one_row_per_change_with_its_version(
    versions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = sorted(str(p) for p in versions.glob("*.json"))
    labelled = [f"jan={files[0]}", f"may={files[-1]}"]
    assert main(["history", *labelled]) == EXIT_DEVIATION
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"# Spec history: POST {BATCH_READ_PATH} -> {V2026_03}"
    rows = [line for line in lines if line.startswith("| `may`")]
    assert len(rows) == 2
    assert all(row.startswith("| `may` | `jan` | **breaking** |") for row in rows)
    assert {"path moved", "constraint changed"} == {row.split(" | ")[4] for row in rows}


def test_history_without_change_exits_0(versions: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pattern = str(versions / "2024-0[12]-*.json")
    assert main(["history", pattern]) == EXIT_OK
    out = capsys.readouterr().out
    assert "No change to the operation." in out
    assert "**2 versions, 0 with a change" in out


def test_history_expands_directories_globs_and_labels(versions: Path) -> None:
    found = expand_versions([str(versions / "2024-05-*"), f"start={versions / '2024-01-05.json'}"])
    assert [(v.label, Path(v.source).name) for v in found] == [
        ("2024-05-20.json", "2024-05-20.json"),
        ("start", "2024-01-05.json"),
    ]


def test_history_needs_two_readable_versions(
    versions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["history", str(versions / "2024-04-01.json"), str(versions / "2024-05-20.json")]
    assert main(argv) == EXIT_INPUT
    assert "in 'body'" in capsys.readouterr().err
    with pytest.raises(SpecError):
        walk(expand_versions([str(versions / "2024-04-01.json")] * 2))
    assert main(["history", str(versions / "empty-*.json")]) == EXIT_INPUT
    assert "holds no spec file" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-1", "soon", "7200"])
def test_a_bad_timeout_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["diff", str(FRAGMENT), str(FRAGMENT), "--timeout", value])
    assert caught.value.code == 2
    assert "expected seconds between 0 and 3600" in capsys.readouterr().err


def test_reports_name_a_url_without_its_credentials() -> None:
    url = "https://user:secret@raw.example.com:8443/specs/tickets.json?token=secret#x"
    assert show_source(url) == "https://raw.example.com:8443/specs/tickets.json?..."
    assert show_source(Path("specs/a.yaml")) == "specs/a.yaml"
