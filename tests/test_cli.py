"""The tickets-contract command: output, exit codes and error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from tickets_contract.cli import EXIT_INPUT, EXIT_OK, EXIT_SAFETY, EXIT_USAGE, main
from tickets_contract.spec.contract import load_fragment

TOKEN = "pat-na1-99999999-8888-7777-6666-555555555555"


def test_spec_published_prints_the_fragment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "--published"]) == EXIT_OK
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed == load_fragment()


def test_spec_effective_prints_valid_openapi_with_the_overlays(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(["spec", "--effective", "--format", "json", "--unique-property", "my_ref"]) == EXIT_OK
    )
    document = json.loads(capsys.readouterr().out)
    validate(document)
    request = document["components"]["schemas"]["BatchReadInputSimplePublicObjectId"]
    assert "required" not in request  # quirks request-property-lists-optional, missing-inputs-...
    assert request["properties"]["idProperty"]["allOf"] == [{"enum": ["hs_object_id", "my_ref"]}]
    assert "request-property-lists-optional" in document["info"]["x-derived-from"]["quirks"]


def test_spec_defaults_to_the_twins_unique_property(capsys: pytest.CaptureFixture[str]) -> None:
    from tickets_contract.twin import UNIQUE_PROPERTY

    assert main(["spec"]) == EXIT_OK
    document = yaml.safe_load(capsys.readouterr().out)
    enum = document["components"]["schemas"]["BatchReadInputSimplePublicObjectId"]["properties"][
        "idProperty"
    ]["allOf"]
    assert enum == [{"enum": ["hs_object_id", UNIQUE_PROPERTY]}]


def test_a_malformed_fragment_is_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.3\ninfo: {title: x\n")
    assert main(["spec", "--published", "--fragment", str(broken)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert str(broken) in err
    assert "fix:" in err
    assert "Traceback" not in err


def test_a_malformed_ledger_is_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "quirks.yaml"
    ledger.write_text(
        "version: 1\nsources: {S1: {type: spec, text: the spec}}\nquirks:\n  - id: x\n"
    )
    assert (
        main(["spec", "--effective", "--unique-property", "x", "--ledger", str(ledger)])
        == EXIT_INPUT
    )
    err = capsys.readouterr().err
    assert f"{ledger}: quirks[0] (id x).title: is missing" in err


def test_run_with_a_bad_target_fails_before_running(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--target", "staging"]) == EXIT_USAGE
    assert "expected twin, live or an http(s) base URL" in capsys.readouterr().err


def test_run_live_without_a_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    assert main(["run", "--target", "live"]) == EXIT_INPUT
    assert "HUBSPOT_ACCESS_TOKEN" in capsys.readouterr().err


def test_run_refuses_a_host_that_is_not_allowed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    assert main(["run", "--target", "https://collector.example.net"]) == EXIT_SAFETY
    captured = capsys.readouterr()
    assert "refused" in captured.err
    assert "collector.example.net" in captured.err
    assert TOKEN not in captured.err + captured.out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["spec", "--published", "--effective"])
    assert info.value.code == EXIT_USAGE
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == EXIT_USAGE


def test_serve_takes_any_twin_setting(capsys: pytest.CaptureFixture[str]) -> None:
    from tickets_contract.cli import _twin_settings
    from tickets_contract.twin import TwinConfig

    settings = _twin_settings(["missing_inputs=reject", "result_urls=false", "portal_id=7"])
    config = TwinConfig(**settings)  # type: ignore[arg-type]
    assert (config.missing_inputs, config.result_urls, config.portal_id) == ("reject", False, 7)
    assert main(["serve", "--setting", "missing_input=reject"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--setting" in err
    assert "missing_inputs" in err
    assert main(["serve", "--setting", "missing_inputs=maybe"]) == EXIT_USAGE
    assert "missing_inputs must be one of 'empty', 'reject'" in capsys.readouterr().err
    assert main(["serve", "--setting", "max_body_bytes=many"]) == EXIT_USAGE
    assert "wrong type" in capsys.readouterr().err
    # A setting with an option of its own is given with that option.
    assert main(["serve", "--setting", "size=many"]) == EXIT_USAGE
    assert "use --size" in capsys.readouterr().err


def test_the_plugin_ends_a_run_with_the_commands_exit_codes() -> None:
    # The plugin may import no other module of the package at load time
    # (tests/test_toolchain.py), so it spells the codes it ends a session with; they must
    # be the command's, which documents them, or `run` and `pytest` would disagree.
    from tickets_contract import cli, plugin

    for name in ("EXIT_INCONCLUSIVE", "EXIT_UNREACHABLE", "EXIT_INTERNAL", "EXIT_INTERRUPTED"):
        assert getattr(plugin, name) == getattr(cli, name), name
