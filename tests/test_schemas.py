"""The shipped JSON Schemas: what an editor checks is what loading checks.

Editors validate with the schema alone (tests here do the same, with `jsonschema` and a
YAML loader that, like an editor's, keeps dates as text); loading validates with the
same schema through `validation.Reader`, which adds the project's messages.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from tickets_contract.cassettes import corpus_dir, load_cassette
from tickets_contract.cassettes.format import FORMAT_VERSION, SourceKind, parse_cassette
from tickets_contract.cli import EXIT_OK, main
from tickets_contract.errors import CassetteError, ConfigError, InputError, LedgerError
from tickets_contract.files import PLAIN_LOADER
from tickets_contract.records import KnownRecords
from tickets_contract.settings import load_settings, render_records
from tickets_contract.spec.contract import specs_dir
from tickets_contract.spec.ledger import (
    LEDGER_VERSION,
    Confidence,
    SourceType,
    Weight,
    load_ledger,
    parse_ledger,
)
from tickets_contract.validation import SCHEMAS, schema_text

CORPUS = sorted(corpus_dir().glob("*.yaml"))
LEDGER = specs_dir() / "quirks.yaml"
# The README and docs/ sit beside the tests in a checkout and in the wheel check.
ROOT = Path(__file__).parents[1]
DOCS = [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md"))]


def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded


def _editor(name: str) -> Draft7Validator:
    return Draft7Validator(_schema(name))


def _yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=PLAIN_LOADER)


def _messages(node: Any) -> Iterator[dict[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "x-error":
                yield value
            elif key in ("x-errors", "x-defaults"):
                yield from value.values()
            else:
                yield from _messages(value)
    elif isinstance(node, list):
        for item in node:
            yield from _messages(item)


@pytest.mark.parametrize("name", SCHEMAS)
def test_each_schema_is_valid_draft_07_and_its_messages_render(name: str) -> None:
    schema = _schema(name)
    Draft7Validator.check_schema(schema)
    fields = {
        "value": "v",
        "kind": "str",
        "type": "str",
        "key": "k",
        "parent": {"kind": "report"},
        "required": "a, b",
        "known": "a, b",
    }
    messages = list(_messages(schema))
    assert messages
    for message in messages:
        assert set(message) <= {"problem", "fix", "place"}, message
        assert message["problem"].format(**fields)
        assert message["fix"].format(**fields)


def test_the_schemas_are_the_package_files_and_the_cli_prints_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "ledger"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == _schema("ledger")
    out = tmp_path / "cassette.schema.json"
    assert main(["schema", "cassette", "--output", str(out)]) == EXIT_OK
    assert out.read_text(encoding="utf-8") == schema_text("cassette")


def test_the_schemas_say_what_the_code_says() -> None:
    cassette, ledger = _schema("cassette"), _schema("ledger")
    assert cassette["properties"]["format"]["const"] == FORMAT_VERSION
    source = cassette["properties"]["source"]["properties"]
    assert source["kind"]["enum"] == [kind.value for kind in SourceKind]
    assert ledger["properties"]["version"]["const"] == LEDGER_VERSION
    quirk = ledger["definitions"]["quirk"]["properties"]
    assert quirk["confidence"]["enum"] == [c.value for c in Confidence]
    types = next(iter(ledger["properties"]["sources"]["patternProperties"].values()))
    assert types["properties"]["type"]["enum"] == [t.value for t in SourceType]
    weight = quirk["evidence"]["items"]["properties"]["weight"]
    assert weight["enum"] == [w.value for w in Weight]
    records = _schema("settings")["definitions"]["table"]["properties"]["records"]["properties"]
    assert set(records) == {*KnownRecords.__dataclass_fields__} - {
        "properties",
        "history_properties",
    }


# --- every file the project ships passes ---------------------------------------------


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_an_editor_accepts_every_shipped_cassette(path: Path) -> None:
    errors = [e.message for e in _editor("cassette").iter_errors(_yaml(path))]
    assert errors == []
    assert load_cassette(path).name == path.stem


def test_an_editor_accepts_the_shipped_ledger() -> None:
    assert [e.message for e in _editor("ledger").iter_errors(_yaml(LEDGER))] == []
    assert load_ledger(LEDGER).quirks


def test_the_ledger_points_editors_at_its_schema() -> None:
    text = LEDGER.read_text(encoding="utf-8")
    match = re.search(r"^# yaml-language-server: \$schema=(\S+)$", text, re.M)
    assert match
    target = (LEDGER.parent / match.group(1)).resolve()
    # In a checkout the line names the schema in src/; a wheel keeps the line as written.
    if "site-packages" not in str(LEDGER):
        assert json.loads(target.read_text(encoding="utf-8")) == _schema("ledger")


def _documented_settings() -> list[tuple[str, str]]:
    blocks = []
    for doc in DOCS:
        for block in re.findall(r"```toml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S):
            if "[tool.tickets-contract" in block:
                blocks.append((doc.name, block))
    return blocks


def test_an_editor_accepts_every_documented_settings_example(tmp_path: Path) -> None:
    blocks = _documented_settings()
    assert blocks, "the README documents the [tool.tickets-contract] table"
    rendered = render_records(KnownRecords(ids=("1",), unique_property="p"), comment="x")
    for where, text in [*blocks, ("render_records", rendered)]:
        document = tomllib.loads(text)
        assert [e.message for e in _editor("settings").iter_errors(document)] == [], where
        path = tmp_path / "contract.toml"
        path.write_text(text, encoding="utf-8")
        assert load_settings(path).source == str(path)


# --- a broken file: the editor flags it, loading names the file, place and fix --------

Break = Callable[[dict[str, Any]], Any]

CASSETTE_BREAKS: list[tuple[Break, str, str, str]] = [
    # (break, place, problem, fix)
    (
        lambda d: d["interactions"][0]["response"].update(status=600),
        "interactions[0].response.status",
        "expected an HTTP status code (100-599), got 600",
        "write the status as a number, e.g. 207",
    ),
    (
        lambda d: d["source"].update(kind="docs", citation="a blog"),
        "source.citation",
        "a docs cassette needs a citation, got 'a blog'",
        "cite a source id of the ledger",
    ),
    (
        lambda d: d["source"].update(twin={"seed": 1}) or d["source"].update(kind="live"),
        "source.twin",
        "expected the TwinConfig settings of a twin recording",
        "only when source.kind is twin",
    ),
    (
        lambda d: d["interactions"][0]["request"].update(json={}, text="x"),
        "interactions[0].request.text",
        "a body is either json or text, not both",
        "keep `json:` for a JSON body",
    ),
    (
        lambda d: d["interactions"][0].update(reply={}),
        "interactions[0].reply",
        "is not a field of this part of a cassette",
        "use only request, response; check the spelling",
    ),
    (lambda d: d.update(interactions={}), "interactions", "expected a non-empty list", "at least"),
    (lambda d: d["portal"].pop("unique_properties"), "portal.unique_properties", "is missing", ""),
]


@pytest.mark.parametrize(
    ("breaker", "where", "problem", "fix"), CASSETTE_BREAKS, ids=[b[1] for b in CASSETTE_BREAKS]
)
def test_a_broken_cassette_fails_in_the_editor_and_on_loading(
    breaker: Break, where: str, problem: str, fix: str
) -> None:
    name = "by-id-partial-miss"
    data = copy.deepcopy(_yaml(corpus_dir() / f"{name}.yaml"))
    breaker(data)
    assert list(_editor("cassette").iter_errors(data))
    with pytest.raises(CassetteError) as info:
        parse_cassette(data, source=f"cassettes/{name}.yaml")
    assert (info.value.source, info.value.where) == (f"cassettes/{name}.yaml", where)
    assert info.value.problem.startswith(problem)
    assert fix in info.value.fix


def test_a_broken_ledger_entry_is_named_by_its_id_in_the_editor_and_on_loading() -> None:
    data = copy.deepcopy(_yaml(LEDGER))
    data["quirks"][3]["evidence"][0] = {"cassette": "x.yaml", "cite": "?"}
    assert list(_editor("ledger").iter_errors(data))
    with pytest.raises(LedgerError) as info:
        parse_ledger(data, source="quirks.yaml")
    assert str(info.value) == (
        f"quirks.yaml: quirks[3] (id {data['quirks'][3]['id']}).evidence[0]: expected "
        "{source: S<n>|U<n>, cite: text, about?, weight?} or {cassette: path, weight?}, got "
        "{'cassette': 'x.yaml', 'cite': '?'}\n"
        "  fix: use a source id from the ledger's sources table, or a cassette path"
    )


def test_a_broken_settings_file_fails_in_the_editor_and_on_loading(tmp_path: Path) -> None:
    text = "[tool.tickets-contract]\nallowed_hosts = ['proxy.internal', '']\n"
    assert list(_editor("settings").iter_errors(tomllib.loads(text)))
    path = tmp_path / "contract.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == (
        f"{path}: [tool.tickets-contract] allowed_hosts: expected a list of host names, got "
        "['proxy.internal', '']\n  fix: e.g. [\"proxy.internal\"]"
    )


def test_what_only_loading_checks_passes_the_editor_and_fails_on_loading() -> None:
    # Rules across entries are the loader's: the schema cannot see them.
    data = copy.deepcopy(_yaml(LEDGER))
    data["quirks"][1]["id"] = data["quirks"][0]["id"]
    assert list(_editor("ledger").iter_errors(data)) == []
    with pytest.raises(LedgerError, match=r"quirks\[1\] .*used by an earlier entry"):
        parse_ledger(data, source="quirks.yaml")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("format: 1\nname: x\n7: y\n", "top level"),
        ("format: 1\nname: x\nsource: {true: 1}\n", "source"),
    ],
)
def test_a_key_that_is_not_text_names_its_place(tmp_path: Path, text: str, where: str) -> None:
    # YAML allows numbers and booleans as keys; JSON, and so the schemas, do not.
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_cassette(path)
    assert (info.value.where, info.value.fix.startswith("quote the key")) == (where, True)


def test_an_alias_loop_is_a_message_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("format: 1\nname: loop\nsource: &s {kind: twin, detail: x, twin: *s}\n")
    with pytest.raises(CassetteError) as info:
        load_cassette(path)
    assert (info.value.where, info.value.problem) == (
        "source.twin",
        "contains itself (a YAML alias loop)",
    )


def test_data_that_passed_once_is_checked_again_when_it_changes() -> None:
    # Loading remembers what passed (the ledger is read many times a run); a change of
    # a value, or of its type only, must be checked afresh.
    data = _yaml(LEDGER)
    parse_ledger(data, source="quirks.yaml")
    data["quirks"][0]["title"] = 7
    with pytest.raises(LedgerError, match=r"\.title: expected non-empty text, got 7"):
        parse_ledger(data, source="quirks.yaml")
    data["quirks"][0]["title"] = "7"
    parse_ledger(data, source="quirks.yaml")
