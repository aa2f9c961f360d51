"""The cassette format: what a file holds, and how a broken one is reported."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tickets_contract.cassettes import corpus_dir, dump_cassette, load_cassette, load_cassettes
from tickets_contract.cassettes.format import parse_cassette
from tickets_contract.cli import EXIT_INPUT, main
from tickets_contract.errors import CassetteError

CORPUS = sorted(corpus_dir().glob("*.yaml"))


def _data(name: str = "by-id-partial-miss") -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((corpus_dir() / f"{name}.yaml").read_text())
    return loaded


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_every_committed_cassette_is_canonical(path: Path) -> None:
    # Loading and writing again gives the same text: files are what the recorder writes,
    # so a re-recording diffs only where something changed.
    assert dump_cassette(load_cassette(path)) == path.read_text(encoding="utf-8")


def test_the_header_says_what_where_when_and_against_what() -> None:
    cassette = load_cassette(corpus_dir() / "by-id-partial-miss.yaml")
    assert cassette.demonstrates.startswith("Two known tickets")
    assert cassette.quirks == (
        "multi-status-on-read",
        "aggregated-not-found-error",
        "standard-error-optional-fields",
        "ticket-not-found-wording",
    )
    assert cassette.source.kind.value == "twin"
    assert cassette.recorded_at.endswith("Z")
    assert cassette.contract.version == "v3"
    request = cassette.interactions[0].request
    assert request.headers["authorization"] == "Bearer <access token, redacted>"
    assert cassette.interactions[0].response.volatile.body == ("/startedAt", "/completedAt")


BROKEN = [
    # (what to break, the place the error names, words of the fix)
    (lambda d: d.pop("name"), "name", "add `name:`"),
    (lambda d: d.update(format=2), "format", "format: 1"),
    (lambda d: d.update(surprise=1), "surprise", "check the spelling"),
    (lambda d: d["source"].update(kind="hubspot"), "source.kind", "live only"),
    (
        lambda d: d["source"].update(kind="report", citation=None, twin=None),
        "source.citation",
        "S<n>",
    ),
    (lambda d: d.update(recorded_at="yesterday"), "recorded_at", "quote the UTC time"),
    (lambda d: d.update(interactions=[]), "interactions", "at least one"),
    (
        lambda d: d["interactions"][0]["response"].update(status="207"),
        "interactions[0].response.status",
        "as a number",
    ),
    (
        lambda d: d["interactions"][0]["request"].update(path="crm/v3?x=1"),
        "interactions[0].request.path",
        "under `query:`",
    ),
    (
        lambda d: d["interactions"][0]["request"].update(query={"archived": True}),
        "interactions[0].request.query",
        "quote every value",
    ),
    (
        lambda d: d["interactions"][0]["response"].update(text="x"),
        "interactions[0].response.text",
        "`json:` for a JSON body",
    ),
    (
        lambda d: d["interactions"][0]["response"]["volatile"].update(body=["startedAt"]),
        "interactions[0].response.volatile.body[0]",
        "start it with /",
    ),
]


@pytest.mark.parametrize(("breaker", "where", "fix"), BROKEN, ids=[b[1] for b in BROKEN])
def test_a_broken_cassette_names_the_file_the_place_and_the_fix(
    breaker: Any, where: str, fix: str
) -> None:
    data = copy.deepcopy(_data())
    breaker(data)
    with pytest.raises(CassetteError) as info:
        parse_cassette(data, source="tests/cassettes/by-id-partial-miss.yaml")
    error = info.value
    assert error.source == "tests/cassettes/by-id-partial-miss.yaml"
    assert error.where == where
    assert fix in error.fix


def test_the_file_name_must_be_the_cassette_name(tmp_path: Path) -> None:
    path = tmp_path / "renamed.yaml"
    path.write_text((corpus_dir() / "by-id-partial-miss.yaml").read_text())
    with pytest.raises(CassetteError, match="rename the file to by-id-partial-miss.yaml"):
        load_cassette(path)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("format: 1\nname: [x\n")
    with pytest.raises(CassetteError) as info:
        load_cassette(path)
    assert info.value.where.startswith("line ")


def test_unsafe_yaml_is_not_executed(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("!!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(CassetteError, match="not valid YAML"):
        load_cassette(path)


def test_load_cassettes_reads_a_directory_in_name_order() -> None:
    names = [c.name for c in load_cassettes(corpus_dir())]
    assert names == sorted(names)
    assert "by-id-all-found" in names


def test_the_cli_reports_a_broken_cassette_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "by-id-all-found.yaml"
    broken.write_text("format: 1\nname: by-id-all-found\n")
    code = main(
        [
            "record",
            "--mode",
            "all",
            "--cassette-dir",
            str(tmp_path),
            "--scenario",
            "by-id-all-found",
        ]
    )
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    assert str(broken) in err
    assert "demonstrates" in err
    assert "fix:" in err
    assert "Traceback" not in err
