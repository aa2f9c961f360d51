"""A good citizen in the user's toolchain: namespaced options, a plugin that loads nothing
until used, --version, and (slow) life beside other popular pytest plugins."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import venv
from importlib.metadata import Distribution, PackageNotFoundError, distribution, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tickets_contract import plugin
from tickets_contract.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_every_option_carries_the_tc_prefix() -> None:
    parser = pytest.Parser(_ispytest=True)
    plugin.pytest_addoption(parser)
    names = [
        name for option in parser.getgroup("tickets-contract").options for name in option.names()
    ]
    assert len(names) >= 15
    assert all(name.startswith("--tc-") for name in names), names


MODULES_CONFTEST = """
import json, os, sys

def pytest_unconfigure(config):
    with open(os.environ["MODULES_OUT"], "w") as f:
        json.dump(sorted(sys.modules), f)
"""


def _session_modules(directory: Path, *extra: str) -> set[str]:
    out = directory / "modules.json"
    # --assert=plain in both sessions: rewriting the asserts of schemathesis and Hypothesis
    # (their plugins autoload) is ~1.4 s of CPU a session and imports no module more or
    # less; the difference between the two sessions is the plugin's either way.
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--assert=plain", *extra],
        cwd=directory,
        env={**os.environ, "MODULES_OUT": str(out)},
        check=True,
        capture_output=True,
    )
    modules: set[str] = set(json.loads(out.read_text()))
    return modules


def test_a_session_that_does_not_use_the_plugin_imports_only_the_plugin(
    tmp_path: Path,
) -> None:
    (tmp_path / "conftest.py").write_text(MODULES_CONFTEST)
    (tmp_path / "test_mine.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    loaded = _session_modules(tmp_path)
    absent = _session_modules(tmp_path, "-p", "no:tickets_contract")
    assert "tickets_contract.plugin" in loaded
    # (Before: the whole package, starlette, uvicorn and the drift engine, ~300 modules.)
    assert loaded - absent == {"tickets_contract", "tickets_contract.plugin"}


def _requirement_closure(name: str, extras: set[str]) -> list[Distribution]:
    """The installed distributions ``name[extras]`` requires, itself included, transitively."""
    found: dict[str, Distribution] = {}
    todo = [(name, extras)]
    while todo:
        wanted, wanted_extras = todo.pop()
        if canonicalize_name(wanted) in found:
            continue
        try:
            dist = distribution(wanted)
        except PackageNotFoundError:  # an optional dependency for another platform
            continue
        found[canonicalize_name(wanted)] = dist
        for text in dist.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(
                marker.evaluate({"extra": extra}) for extra in {"", *wanted_extras}
            ):
                todo.append((requirement.name, set(requirement.extras)))
    return list(found.values())


def test_the_suite_loads_every_pytest_plugin_its_dependencies_ship(
    pytestconfig: pytest.Config,
) -> None:
    # pyproject.toml names this suite's plugins and turns autoloading off (assert
    # rewriting of whole distributions, see there): a dependency that starts shipping a
    # plugin must be named too, or it would silently not load here.
    plugins = {
        entry_point.value
        for dist in _requirement_closure("hubspot-tickets-contract", {"test", "lint"})
        for entry_point in dist.entry_points
        if entry_point.group == "pytest11"
    }
    assert {"tickets_contract.plugin", "schemathesis.pytest.plugin", "xdist.plugin"} <= plugins
    missing = {
        name
        for name in plugins
        if not pytestconfig.pluginmanager.is_registered(importlib.import_module(name))
    }
    assert missing == set()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert (
        capsys.readouterr().out.strip() == f"tickets-contract {version('hubspot-tickets-contract')}"
    )


# --- slow: a fresh venv with the plugins VCR and pytest users have -----------------------

OTHER_PLUGINS = ("pytest-recording", "pytest-cov", "pytest-randomly", "pytest-asyncio")

USER_SUITE = {
    "test_sync.py": "def test_sum():\n    assert sum([1, 2]) == 3\n",
    "test_async.py": (
        "import asyncio\nimport pytest\n\n"
        "@pytest.mark.asyncio\nasync def test_sleep():\n    await asyncio.sleep(0)\n"
    ),
    "test_vcr.py": ("import pytest\n\n@pytest.mark.vcr\ndef test_marked():\n    assert True\n"),
}


@pytest.mark.slow
def test_coexists_with_pytest_recording_cov_randomly_and_asyncio(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"

    def run(*argv: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=900)

    installed = run(str(python), "-m", "pip", "install", "-q", str(ROOT), *OTHER_PLUGINS)
    assert installed.returncode == 0, installed.stderr
    user = tmp_path / "user"
    user.mkdir()
    for name, text in USER_SUITE.items():
        (user / name).write_text(text)
    # The user's own suite, with pytest-recording's --record-mode and coverage on.
    suite = run(
        str(python), "-m", "pytest", "-p", "no:cacheprovider", "--record-mode", "none",
        "--cov", "--tc-target", "twin", cwd=user,
    )  # fmt: skip
    assert suite.returncode == 0, suite.stdout + suite.stderr
    assert "3 passed" in suite.stdout
    assert "conflicting option" not in suite.stderr
    # And the gate, in the same environment.
    gate = run(str(env_dir / "bin" / "tickets-contract"), "run", "--phases", "examples", cwd=user)
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert "tickets-contract: " in gate.stdout
    assert "exchanges judged" in gate.stdout


def test_run_passes_schemathesis_style_options_to_the_plugin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[list[str]] = []

    def fake_main(args: list[str]) -> int:
        seen.append(list(args))
        return 0

    monkeypatch.setattr(pytest, "main", fake_main)
    argv = ["run", "--seed", "7", "--max-examples", "30", "--checks", "a,b"]
    argv += ["--exclude-checks", "c", "--workers", "2", "--twin-seed", "3", "--twin-size", "9"]
    argv += ["--cassette-dir", "mine", "-x"]
    assert main(argv) == 0
    args = seen[0]

    def value(option: str) -> str:
        return args[args.index(option) + 1]

    assert value("--tc-seed") == "7"
    assert value("--tc-max-examples") == "30"
    assert value("--tc-checks") == "a,b"
    assert value("--tc-exclude-checks") == "c"
    assert value("-n") == "2"
    assert value("--tc-twin-seed") == "3"
    assert value("--tc-twin-size") == "9"
    assert value("--tc-cassette-dir") == "mine"
    assert args[-1] == "-x"  # unknown arguments still go to pytest
    # Every option the command passes to pytest is pytest's own or the plugin's --tc- one.
    own = {"--pyargs", "--hypothesis-profile", "--rootdir", "--noconftest", "--assert"}
    passed = {a.split("=")[0] for a in args if a.startswith("--")}
    assert {a for a in passed - own if not a.startswith("--tc-")} == set()
