"""One table of gate options for pytest and `tickets-contract run`, one schemathesis call,
one default twin size (issue 12, "One of each")."""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Any

import pytest

from tickets_contract import plugin
from tickets_contract.cli import _parser, main
from tickets_contract.defaults import DEFAULT_TWIN_SIZE

# A value for each option that differs from its default, as the command reads it.
GIVEN = {
    "target": "http://127.0.0.1:9",
    "allow-host": ["a.example", "b.example"],
    "unique-property": ["ticket_ref"],
    "seed": 7,
    "max-examples": 3,
    "checks": "a,b",
    "exclude-checks": "c",
    "phases": "examples",
    "accept-inconclusive": True,
    "twin-seed": 3,
    "twin-size": 9,
    "config": "my.toml",
    "report-dir": "out",
    "cassette-dir": "mine",
}


def _pytest_parser() -> pytest.Parser:
    parser = pytest.Parser(_ispytest=True)
    plugin.pytest_addoption(parser)
    return parser


def _pytest_options(*argv: str) -> argparse.Namespace:
    namespace = _pytest_parser().parse(list(argv))
    return namespace


def _run_args(*argv: str) -> argparse.Namespace:
    return _parser(with_run_options=True).parse_args(["run", *argv])


def _argv(values: dict[str, Any]) -> list[str]:
    argv: list[str] = []
    for name, value in values.items():
        if value is True:
            argv.append(f"--{name}")
        elif isinstance(value, list):
            for item in value:
                argv += [f"--{name}", item]
        else:
            argv += [f"--{name}", str(value)]
    return argv


def test_both_surfaces_offer_the_options_of_the_table() -> None:
    pytest_names = {
        name
        for option in _pytest_parser().getgroup("tickets-contract").options
        for name in option.names()
    }
    run = _parser(with_run_options=True)._subparsers._group_actions[0].choices["run"]  # type: ignore[union-attr]
    cli_names = {flag for action in run._actions for flag in action.option_strings}
    shared = [o for o in plugin.RUN_OPTIONS if o.surface == "both"]
    assert len(shared) >= 14
    for option in shared:
        assert f"--tc-{option.name}" in pytest_names
        assert f"--{option.name}" in cli_names
    assert "--tc-record-mode" in pytest_names
    assert "--record-mode" not in cli_names
    assert {"--strict", "--profile", "--workers"} <= cli_names


def test_both_surfaces_have_the_same_defaults() -> None:
    ours = _pytest_options()
    theirs = _run_args()
    for option in plugin.RUN_OPTIONS:
        if option.surface == "both":
            assert getattr(ours, "tc_" + option.dest) == getattr(theirs, option.dest), option.name


def test_every_value_of_the_command_reaches_the_plugin_unchanged() -> None:
    args = _run_args(*_argv(GIVEN), "--strict", "--profile", "ci", "--workers", "2")
    forwarded = plugin.forward_to_pytest(args)
    assert forwarded[forwarded.index("--hypothesis-profile") + 1] == "ci"
    assert forwarded[forwarded.index("-n") + 1] == "2"
    # Pytest's own options aside, the plugin's parser reads back exactly what was given.
    own = ("--hypothesis-profile", "-n")
    plugin_argv = [
        arg
        for index, arg in enumerate(forwarded)
        if arg not in own and (index == 0 or forwarded[index - 1] not in own)
    ]
    read = _pytest_options(*plugin_argv)
    for name, value in GIVEN.items():
        got = getattr(read, "tc_" + name.replace("-", "_"))
        assert got == value or got == str(value), name
    assert read.tc_contract == "published"


def test_the_default_twin_size_is_one_constant() -> None:
    from tickets_contract.cassettes import twin_recording_target
    from tickets_contract.targets import TwinTarget, parse_target
    from tickets_contract.twin import TicketStore, TwinConfig

    assert TwinConfig().size == DEFAULT_TWIN_SIZE
    target = parse_target("twin")
    assert isinstance(target, TwinTarget)
    assert target.size == DEFAULT_TWIN_SIZE
    assert twin_recording_target().twin["size"] == DEFAULT_TWIN_SIZE
    assert len(TicketStore.generate()) == DEFAULT_TWIN_SIZE
    # The plugin may import nothing of the package when loaded, so its help states the
    # number: it must be this one, and the option's absence must mean it.
    option = next(o for o in plugin.RUN_OPTIONS if o.name == "twin-size")
    assert f"(default {DEFAULT_TWIN_SIZE})" in option.help
    assert option.default is None


def test_serve_defaults_to_the_same_twin_size() -> None:
    args = _parser().parse_args(["serve"])
    assert args.size == DEFAULT_TWIN_SIZE


def test_run_help_shows_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for option in plugin.RUN_OPTIONS:
        if option.surface != "pytest":
            assert f"--{option.name}" in text
    assert "names as for --checks" in text  # cross-references spelled as this surface spells them
    assert f"(default {DEFAULT_TWIN_SIZE})" in text


def test_the_judge_names_the_plugins_check_options() -> None:
    from tickets_contract.gate import CHECK_OPTIONS

    assert CHECK_OPTIONS == (plugin.OPT_CHECKS, plugin.OPT_EXCLUDE_CHECKS)


def test_plugin_judge_is_the_gates() -> None:
    from tickets_contract.gate import Judge

    assert plugin.Judge is Judge
    with pytest.raises(AttributeError):
        _ = plugin.NoSuchThing  # type: ignore[attr-defined]


def test_commands_other_than_run_do_not_load_pytest() -> None:
    # run's options are the plugin's table; only `run` imports the plugin (and pytest).
    code = (
        "import sys\n"
        "from tickets_contract.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('pytest' in sys.modules, 'tickets_contract.plugin' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split()[-2:] == ["False", "False"]


# --- one place that asks schemathesis for a verdict ---------------------------------------


def _case_and_response() -> tuple[Any, Any]:
    import datetime as dt
    import json

    import httpx

    from tickets_contract.spec.contract import BATCH_READ_PATH, ContractKind, build_contract

    schema = build_contract(ContractKind.EFFECTIVE).schemathesis_schema()
    case = schema[BATCH_READ_PATH]["POST"].Case(
        body={"inputs": [{"id": "1"}], "properties": []}, media_type="application/json"
    )
    body = {"status": "COMPLETE", "results": [], "startedAt": "x", "completedAt": "y"}
    response = httpx.Response(
        200,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        request=httpx.Request("POST", "https://api.hubapi.com" + BATCH_READ_PATH),
    )
    response.elapsed = dt.timedelta(0)
    return case, response


def test_check_exchange_collects_a_bare_assert_as_a_failure() -> None:
    # schemathesis 4.32 wraps a check's AssertionError into its one FailureGroup: the
    # `except AssertionError` branches the callers had could never run.
    from schemathesis.core.failures import FailureGroup

    from tickets_contract.judging.judges import check_exchange

    def bare(ctx: Any, response: Any, case: Any) -> None:
        raise AssertionError("bare assert of a check")

    def passes(ctx: Any, response: Any, case: Any) -> bool:
        return True

    case, response = _case_and_response()
    assert check_exchange(case, response, checks=[passes]) is None
    group = check_exchange(case, response, checks=[bare])
    assert isinstance(group, FailureGroup)
    assert not isinstance(group, AssertionError)
    assert [str(getattr(f, "message", f)) for f in group.exceptions] == ["bare assert of a check"]


def test_check_exchange_lets_a_broken_check_raise() -> None:
    from tickets_contract.judging.judges import check_exchange

    def broken(ctx: Any, response: Any, case: Any) -> None:
        raise KeyError("a bug of the check, not a verdict")

    case, response = _case_and_response()
    with pytest.raises(KeyError):
        check_exchange(case, response, checks=[broken])
