"""Reproduce and steer a run as schemathesis users expect: the generation seed printed
and replayed, --tc-max-examples, --tc-checks / --tc-exclude-checks, the HAR of every
exchange, and one count of known quirks in the terminal and in summary.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tickets_contract.twin import DEMO_TOKEN

SUITE = "from tickets_contract.suite.test_conformance import test_batch_read_conforms\n"
# Runs this short may leave some invariant unevaluated: what they test is the steering.
BASE = ("-p", "no:cacheprovider", "--tc-phases", "fuzzing", "--tc-max-examples", "4")
BASE += ("--tc-accept-inconclusive",)


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_gate_run=SUITE)
    return pytester.runpytest(*BASE, *args)


def _har(directory: Path) -> dict[str, Any]:
    har: dict[str, Any] = json.loads((directory / "exchanges.har").read_text())
    return har


def _requests(directory: Path) -> list[tuple[str, str, str]]:
    return [
        (e["request"]["method"], e["request"]["url"], e["request"].get("postData", {}).get("text"))
        for e in _har(directory)["log"]["entries"]
    ]


def test_the_printed_seed_replays_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under CI generation is derandomized (no seed to print): this is the local run.
    monkeypatch.delenv("CI", raising=False)
    first = _run(pytester, "--tc-report-dir", "first")
    assert first.ret == pytest.ExitCode.OK
    match = re.search(r"generation seed: (\d+) \(replay: pytest --tc-seed \1", first.stdout.str())
    assert match, first.stdout.str()
    seed = match.group(1)
    assert f"generation seed: {seed}" in (pytester.path / "first" / "summary.md").read_text()
    _assert_valid_har(pytester.path / "first" / "exchanges.har")

    again = _run(pytester, "--tc-seed", seed, "--tc-report-dir", "again")
    other = _run(pytester, "--tc-seed", str(int(seed) + 1), "--tc-report-dir", "other")
    assert again.ret == other.ret == pytest.ExitCode.OK
    sent = _requests(pytester.path / "first")
    assert len(sent) >= 4
    assert _requests(pytester.path / "again") == sent
    assert _requests(pytester.path / "other") != sent


def _checks_table(directory: Path) -> set[str]:
    text = (directory / "summary.md").read_text()
    statuses = r"(?:pass|known quirk|regression|not evaluated)"
    return set(re.findall(rf"^\| `([a-z_]+)` \| {statuses} \|", text, re.M))


def test_checks_and_max_examples_steer_the_run(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        "--tc-checks",
        "not_a_server_error,status_code_conformance",
        "--tc-max-examples",
        "2",
        "--tc-report-dir",
        "only",
    )
    assert result.ret == pytest.ExitCode.OK
    assert _checks_table(pytester.path / "only") == {
        "not_a_server_error",
        "status_code_conformance",
    }
    match = re.search(r"tickets-contract: (\d+) exchanges judged", result.stdout.str())
    assert match, result.stdout.str()
    # Fuzzing runs positive and negative modes, each up to the count (the default is 25).
    assert 0 < int(match.group(1)) <= 2 * 2


def _judge(**options: Any) -> Any:
    from tickets_contract.judging.report import Tally
    from tickets_contract.plugin import Judge
    from tickets_contract.spec.contract import ContractKind, build_contract
    from tickets_contract.targets import parse_target

    target = parse_target("twin", twin_size=50)
    contract = build_contract(ContractKind.EFFECTIVE, portal=target.portal)
    tally = Tally(kind=contract.kind, ledger=contract.ledger)
    Judge(contract, target, tally, **options)
    return tally


def test_exclude_checks_leaves_the_rest() -> None:
    everything = _judge().checks
    without = _judge(exclude_checks=["not_a_server_error", "inputs_accounted_for"]).checks
    assert without == everything - {"not_a_server_error", "inputs_accounted_for"}
    assert "inputs_accounted_for" in everything  # an invariant, named like the built-ins


def test_an_unknown_check_is_one_message_naming_the_choices() -> None:
    from tickets_contract.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        _judge(checks=["not_a_server_eror"])
    message = str(raised.value)
    assert "--tc-checks" in message
    assert "not_a_server_eror" in message
    assert "not_a_server_error" in message  # the fix lists the known names


# HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): the required members.
_ENTRY = {"startedDateTime", "time", "request", "response", "cache", "timings"}
_REQUEST = {"method", "url", "httpVersion", "cookies", "headers", "queryString"}
_REQUEST |= {"headersSize", "bodySize"}
_RESPONSE = {"status", "statusText", "httpVersion", "cookies", "headers", "content"}
_RESPONSE |= {"redirectURL", "headersSize", "bodySize"}


def _assert_valid_har(path: Path) -> None:
    text = path.read_text()
    assert DEMO_TOKEN not in text
    log = json.loads(text)["log"]
    assert log["version"] == "1.2"
    assert {"name", "version"} <= set(log["creator"])
    assert log["entries"]
    for entry in log["entries"]:
        assert _ENTRY <= set(entry)
        assert _REQUEST <= set(entry["request"])
        assert _RESPONSE <= set(entry["response"])
        assert {"size", "mimeType"} <= set(entry["response"]["content"])
        assert {"send", "wait", "receive"} <= set(entry["timings"])
        assert isinstance(entry["response"]["status"], int)
        for header in entry["request"]["headers"]:
            if header["name"].lower() == "authorization":
                assert header["value"] == "<redacted>"
    assert any(e["request"]["method"] == "POST" for e in log["entries"])


def test_terminal_and_markdown_count_the_same_known_quirks(pytester: pytest.Pytester) -> None:
    # The whole suite, the quirk probe included, against a corpus of one cassette.
    from tickets_contract.cassettes import corpus_dir

    corpus = pytester.mkdir("corpus")
    cassette = corpus_dir() / "by-id-partial-miss.yaml"
    (corpus / cassette.name).write_text(cassette.read_text())
    pytester.makepyfile(test_gate_run="from tickets_contract.suite.test_conformance import *\n")
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--hypothesis-profile",
        "ci",
        "--tc-contract",
        "published",
        "--tc-phases",
        "examples",
        "--tc-cassette-dir",
        str(corpus),
        "--tc-report-dir",
        "reports",
        "--tc-accept-inconclusive",
    )
    assert result.ret == pytest.ExitCode.OK
    terminal = result.stdout.str().split("= tickets-contract =")[-1]
    # The probe sent that cassette's scenario only (the shipped corpus probes 7 quirks).
    assert "quirk probe: 1 of 1 quirks still reproduce" in terminal
    markdown = (pytester.path / "reports" / "summary.md").read_text()
    count = re.search(r"(\d+) known quirk\(s\) shown", terminal)
    assert count, terminal
    assert f"{count.group(1)} known quirk(s) shown" in markdown
    shown = set(re.findall(r"^\| `([a-z0-9-]+)` \| known quirk \|", markdown, re.M))
    assert len(shown) == int(count.group(1)) > 0
    for quirk in shown:
        assert f"    {quirk} " in terminal
