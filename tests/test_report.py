"""The report: statuses per check and per quirk, Markdown, and xdist merging."""

from __future__ import annotations

import pytest

from tickets_contract.judging.judges import Deviation
from tickets_contract.judging.report import Tally
from tickets_contract.spec.contract import ContractKind, build_contract

LEDGER = build_contract(ContractKind.PUBLISHED).ledger


def _deviation(check: str, *quirks: str, title: str = "t") -> Deviation:
    return Deviation(check=check, title=title, message="details", case_id="c", quirks=quirks)


def _tally(kind: ContractKind = ContractKind.PUBLISHED) -> Tally:
    tally = Tally(kind=kind, ledger=LEDGER, exchanges=10)
    tally.checks = {"response_schema_conformance", "negative_data_rejection", "not_a_server_error"}
    return tally


def test_statuses_per_check_and_quirk() -> None:
    tally = _tally()
    tally.add([_deviation("response_schema_conformance", "null-property-values")])
    tally.add([_deviation("negative_data_rejection")])
    assert tally.check_statuses() == {
        "negative_data_rejection": "regression",
        "not_a_server_error": "pass",
        "response_schema_conformance": "known quirk",
    }
    statuses = tally.quirk_statuses()
    assert statuses["null-property-values"] == "known quirk"
    assert statuses["batch-input-limit"] == "not exercised"


def test_markdown_names_verdict_checks_quirks_and_regressions() -> None:
    tally = _tally()
    tally.add([_deviation("negative_data_rejection", title="Schema-violating request accepted")])
    text = tally.render_markdown()
    assert text.startswith("# tickets-contract run\n")
    assert "**FAIL**" in text
    assert "| `negative_data_rejection` | regression |" in text
    assert "| `null-property-values` | not exercised |" in text
    assert "### `negative_data_rejection`: Schema-violating request accepted" in text


def test_a_clean_run_passes() -> None:
    tally = _tally(ContractKind.EFFECTIVE)
    assert not tally.failed
    assert "**PASS**" in tally.render_markdown()
    assert "## Quirks" not in tally.render_markdown()


def test_worker_tallies_merge_into_the_serial_verdict() -> None:
    first, second = _tally(), _tally()
    first.add([_deviation("response_schema_conformance", "null-property-values")])
    second.add(
        [
            _deviation("response_schema_conformance", "null-property-values"),
            _deviation("negative_data_rejection", "request-property-lists-optional"),
        ]
    )
    merged = Tally.from_dict(first.to_dict(), ledger=LEDGER)
    merged.merge(Tally.from_dict(second.to_dict(), ledger=LEDGER))
    assert merged.exchanges == 20
    assert len(merged.deviations) == 2  # the repeated deviation is kept once
    assert merged.check_statuses()["negative_data_rejection"] == "known quirk"


@pytest.mark.parametrize("workers", ["1"])
def test_xdist_run_gives_the_serial_verdicts(pytester: pytest.Pytester, workers: str) -> None:
    pytester.makepyfile(
        test_gate_run="from tickets_contract.suite.test_conformance import "
        "test_batch_read_conforms\n"
    )
    args = (
        "-p",
        "no:cacheprovider",
        "--hypothesis-profile",
        "ci",
        "--tc-contract",
        "published",
        "--tc-phases",
        "examples",
        # As `tickets-contract run` does: the gate has no asserts, and the xdist worker
        # would otherwise rewrite those of every schemathesis and hypothesis module.
        "--assert=plain",
    )
    serial = pytester.runpytest(*args)
    parallel = pytester.runpytest(*args, "-n", workers)

    def quirks(result: pytest.RunResult) -> list[str]:
        out = result.stdout.str().split("= tickets-contract =")[-1]
        return sorted(q for q in LEDGER.ids if f"    {q} " in out)

    assert serial.ret == parallel.ret == pytest.ExitCode.OK
    assert quirks(serial) == quirks(parallel)
    assert "standard-error-optional-fields" in quirks(parallel)


def test_probe_statuses_reach_the_summary_and_markdown() -> None:
    tally = _tally(ContractKind.EFFECTIVE)
    tally.probe = {
        "null-property-values": "no longer reproduces",
        "batch-input-limit": "reproduces",
    }
    assert tally.quirk_statuses()["null-property-values"] == "no longer reproduces"
    assert tally.quirk_statuses()["batch-input-limit"] == "known quirk"
    assert "quirks that no longer reproduce (update specs/quirks.yaml): null-property-values" in (
        tally.render()
    )
    assert "| `null-property-values` | no longer reproduces |" in tally.render_markdown()
    assert not tally.failed  # a vanished quirk is news, not a regression


def test_the_plugin_never_replaces_an_existing_hypothesis_profile(
    pytester: pytest.Pytester,
) -> None:
    # A user's own "dev" profile, registered before the plugin configures, must survive.
    pytester.makeconftest(
        "from hypothesis import settings\nsettings.register_profile('dev', max_examples=3)\n"
    )
    pytester.makepyfile(
        test_mine=(
            "from hypothesis import given, settings, strategies as st\n"
            "N = []\n"
            "@given(st.integers())\n"
            "def test_a(x):\n"
            "    N.append(x)\n"
            "def test_b():\n"
            "    assert len(N) == 3\n"
        )
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--hypothesis-profile", "dev")
    assert result.ret == pytest.ExitCode.OK


def test_live_verdicts_on_the_ledger_are_reported_and_survive_xdist() -> None:
    from tickets_contract.cassettes import RecordedRequest, RecordedResponse
    from tickets_contract.spec.witness import settled, witness

    answer = {
        "completedAt": "2026-01-01T00:00:00.001Z",
        "status": "COMPLETE",
        "startedAt": "2026-01-01T00:00:00Z",
        "results": [
            {
                "id": "1",
                "properties": {"hs_lastmodifieddate": "x", "hs_object_id": "1"},
                "createdAt": "2026-01-01T00:00:00Z",
                "updatedAt": "2026-01-01T00:00:00Z",
                "archived": False,
            }
        ],
    }
    exchange = (
        "live.yaml#interactions[0]",
        RecordedRequest(method="POST", path="/p", json={"inputs": [{"id": "1"}]}),
        RecordedResponse(status=200, json=answer),
    )
    worker = _tally(ContractKind.EFFECTIVE)
    worker.settled = settled(LEDGER, witness([exchange]))
    tally = _tally(ContractKind.EFFECTIVE)
    tally.merge(Tally.from_dict(worker.to_dict(), ledger=LEDGER))
    assert tally.settled["result-url"].startswith("refuted: result 1 has url None")
    assert tally.settled["envelope-key-order"].startswith("confirmed")
    assert tally.settled["duplicate-ids"] == "not witnessed"
    assert "observed" not in {LEDGER[q].confidence.value for q in tally.settled}
    text = tally.render()
    assert "the target's answers against the ledger's assumed and reported entries:" in text
    assert text.index("result-url") < text.index("envelope-key-order")  # refuted first
    markdown = tally.render_markdown()
    assert "## Ledger entries the target's answers settle" in markdown
    assert "| `result-url` | reported | refuted: " in markdown


def test_evaluation_counts_and_read_shares_reach_the_summary_markdown_and_workers() -> None:
    tally = _tally(ContractKind.EFFECTIVE)
    tally.rules = {"inputs_accounted_for", "split_and_merge"}
    tally.evaluated.update({"inputs_accounted_for": 7})
    tally.reads.update({"reads": 10, "with tickets": 8, "two or more": 5, "history": 2})
    assert tally.inconclusive
    assert tally.verdict == "INCONCLUSIVE"
    assert tally.unevaluated() == ["split_and_merge"]
    text = tally.render()
    assert "batch reads: 10; returned tickets 8 (80%), two or more 5 (50%)" in text
    assert "with history 2" in text
    assert "INCONCLUSIVE: rules this run never evaluated:" in text
    assert "split_and_merge: needs a read that returned two or more tickets" in text
    markdown = tally.render_markdown(preamble="records discovered (4 read-only requests)")
    assert "**INCONCLUSIVE**" in markdown
    assert "records discovered (4 read-only requests)" in markdown
    assert "| `inputs_accounted_for` | pass | 7 |" in markdown
    assert "| `split_and_merge` | not evaluated | 0 |" in markdown
    # A worker's counts add up in the controller's tally.
    other = Tally.from_dict(tally.to_dict(), ledger=LEDGER)
    other.evaluated.update({"split_and_merge": 4})
    tally.merge(other)
    assert tally.evaluated["inputs_accounted_for"] == 14
    assert tally.reads["two or more"] == 10
    assert not tally.inconclusive
    assert tally.verdict == "PASS"
    # A regression outranks an unevaluated rule.
    tally.evaluated["split_and_merge"] = 0
    tally.add([_deviation("inputs_accounted_for")])
    assert tally.verdict == "FAIL"
    assert not tally.inconclusive
