"""Bad input gets a clear error: the file or option, the place and the fix, no traceback.

Exit 4 for a bad file, 2 for a bad command-line value (README: exit codes).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tickets_contract.cli import EXIT_INPUT, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, main
from tickets_contract.files import write_atomically
from tickets_contract.spec.contract import specs_dir

NOT_UTF8 = b"openapi: 3.0.3\ninfo: \xff\xfe broken\n"


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    printed = capsys.readouterr()
    assert "Traceback" not in printed.err + printed.out
    return printed.err


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "records.toml"
    path.write_text('[tool.tickets-contract.records]\nids = ["17000001856"]\n')
    return path


# --- files that are not UTF-8 ------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["spec", "--ledger", "{bad}"],
        ["spec", "--published", "--fragment", "{bad}"],
        ["run", "--config", "{bad}"],
        ["record", "--target", "http://127.0.0.1:9", "--source", "twin", "--records", "{bad}"],
    ],
    ids=["ledger", "fragment", "config", "records"],
)
def test_a_file_that_is_not_utf8_is_one_clear_message(
    argv: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "a-token-of-some-length")
    bad = tmp_path / "bad.file"
    bad.write_bytes(NOT_UTF8)
    assert main([a.replace("{bad}", str(bad)) for a in argv]) == EXIT_INPUT
    err = _error(capsys)
    assert str(bad) in err
    assert "line 2" in err
    assert "not UTF-8" in err
    assert "fix: save the file as UTF-8" in err


def test_a_stale_page_check_against_a_file_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "QUIRKS.md"
    page.write_bytes(NOT_UTF8)
    assert main(["quirks", "--check", str(page)]) == EXIT_INPUT
    assert "not UTF-8" in _error(capsys)


def test_a_cassette_dir_that_is_a_file_is_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    argv = ["record", "--cassette-dir", str(a_file), "--scenario", "missing-token"]
    assert main(argv) == EXIT_INPUT
    err = _error(capsys)
    assert err.startswith("tickets-contract: error: --cassette-dir")


def test_a_cassette_that_is_not_utf8_is_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "missing-token.yaml").write_bytes(NOT_UTF8)
    argv = ["record", "--cassette-dir", str(tmp_path), "--scenario", "missing-token"]
    assert main([*argv, "--mode", "new"]) == EXIT_INPUT
    err = _error(capsys)
    assert "missing-token.yaml" in err
    assert "not UTF-8" in err


def test_an_unquoted_date_in_the_fragment_stays_a_string(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fragment = tmp_path / "fragment.yaml"
    text = (specs_dir() / "tickets-batch-read.openapi.yaml").read_text(encoding="utf-8")
    fragment.write_text(text.replace("openapi: 3.0", "x-released: 2024-01-01\nopenapi: 3.0", 1))
    assert main(["spec", "--fragment", str(fragment), "--format", "json"]) == EXIT_OK
    assert '"x-released": "2024-01-01"' in capsys.readouterr().out


def test_a_ledger_patch_to_a_missing_path_is_a_short_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "quirks.yaml"
    text = (specs_dir() / "quirks.yaml").read_text(encoding="utf-8")
    broken = "/components/schemas/NoSuchSchema/required"
    ledger.write_text(
        text.replace(
            "path: /components/schemas/BatchReadInputSimplePublicObjectId/required",
            f"path: {broken}",
            1,
        )
    )
    assert main(["spec", "--ledger", str(ledger)]) == EXIT_INPUT
    err = _error(capsys)
    assert len(err) < 600, err
    assert "overlay.patch[0]" in err
    assert broken in err
    assert "fix: point the patch at a path that exists" in err


# --- targets that cannot be reached ------------------------------------------------------


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


def test_discover_from_an_unreachable_target_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "a-token-of-some-length")
    assert main(["discover", "--target", f"http://127.0.0.1:{_closed_port()}"]) == EXIT_UNREACHABLE
    err = _error(capsys)
    assert len(err.strip().splitlines()) == 1
    assert "did not answer" in err


def test_record_from_an_unreachable_target_is_one_line_and_writes_nothing(
    tmp_path: Path,
    records: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "a-token-of-some-length")
    out = tmp_path / "cassettes"
    argv = ["record", "--target", f"http://127.0.0.1:{_closed_port()}", "--source", "twin"]
    assert main([*argv, "--records", str(records), "--cassette-dir", str(out)]) == EXIT_UNREACHABLE
    err = _error(capsys)
    assert len(err.strip().splitlines()) == 1
    assert "did not answer" in err
    assert list(out.iterdir()) == []


# --- command-line values -----------------------------------------------------------------


def test_serve_on_an_invalid_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "99999"]) == EXIT_USAGE
    err = _error(capsys)
    assert "--port" in err
    assert "65535" in err


def test_serve_on_a_busy_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == EXIT_USAGE
    err = _error(capsys)
    assert len(err.strip().splitlines()) == 2
    assert f"127.0.0.1:{port}" in err
    assert "--port" in err


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["run", "--target", "bogus"], "--target"),
        (["run", "--twin-size", "-1"], "--twin-size"),
        (["run", "--max-examples", "0"], "--max-examples"),
        (["serve", "--size", "-1"], "--size"),
        (["record", "--scenario", "no-such-scenario"], "--scenario"),
        (["discover", "--count", "0"], "--count"),
        (["run", "--phases", "examples,bogus"], "--phases"),
        (["run", "--report-dir", "{file}"], "--report-dir"),
    ],
)
def test_bad_command_line_values_are_usage_errors_naming_the_option(
    argv: list[str], option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    assert main([a.replace("{file}", str(a_file)) for a in argv]) == EXIT_USAGE
    err = _error(capsys)
    assert err.startswith(f"tickets-contract: error: {option}")
    assert "TwinConfig" not in err
    assert "fix:" in err


# --- interrupted writes ------------------------------------------------------------------


def _dead_pid() -> int:
    pid = 2**22 - 1
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "by-id-all-found.yaml"
    stale = tmp_path / f".{target.name}.{_dead_pid()}.abc123.tmp"
    stale.write_text("half a cassette")
    # A writer that is still running keeps its file.
    live = tmp_path / f".{target.name}.{os.getpid()}.def456.tmp"
    live.write_text("being written")
    other = tmp_path / ".another.yaml.1.x.tmp"
    other.write_text("not ours to judge")
    write_atomically(target, "whole\n")
    assert target.read_text() == "whole\n"
    assert not stale.exists()
    assert live.exists()
    assert other.exists()


def test_an_atomic_write_leaves_nothing_behind_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.yaml"

    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt  # what SIGTERM now raises in the CLI

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, "text")
    assert list(tmp_path.iterdir()) == []
