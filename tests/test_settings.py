"""Settings: the [tool.tickets-contract] table, known records, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickets_contract.errors import ConfigError
from tickets_contract.network.budget import RateLimit
from tickets_contract.records import KnownRecords
from tickets_contract.settings import load_records, load_settings, render_records

FULL = """
[tool.tickets-contract]
allowed_hosts = ["proxy.internal"]
rate_limit = "50/10s"

[tool.tickets-contract.max_examples]
live = 5

[tool.tickets-contract.records]
ids = ["17000000934", "17000001021"]
archived_ids = ["17000000101"]
unique_property = "external_ticket_ref"
unique_values = ["TCK-000001"]
"""


def _file(tmp_path: Path, text: str, name: str = "contract.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_full_table_loads(tmp_path: Path) -> None:
    settings = load_settings(_file(tmp_path, FULL))
    assert settings.allowed_hosts == ("proxy.internal",)
    assert settings.rate_limit == RateLimit(requests=50, seconds=10)
    assert settings.max_examples == {"twin": 25, "url": 25, "live": 5}
    assert settings.records == KnownRecords(
        ids=("17000000934", "17000001021"),
        archived_ids=("17000000101",),
        unique_property="external_ticket_ref",
        unique_values=("TCK-000001",),
    )


def test_no_file_and_no_table_mean_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().rate_limit is None  # each target's default applies
    _file(tmp_path, "[project]\nname = 'x'\n", "pyproject.toml")
    assert load_settings().records is None


def test_records_round_trip_through_render(tmp_path: Path) -> None:
    records = load_records(_file(tmp_path, FULL))
    text = render_records(records, comment="made by a test")
    assert load_records(_file(tmp_path, text, "again.toml")) == records


def test_rendered_records_stay_valid_toml_whatever_the_values(tmp_path: Path) -> None:
    # Values come from a portal: quotes, backslashes, newlines and control characters
    # must be escaped, or discover would write a file nothing can read back.
    records = KnownRecords(
        ids=("1", "2"),
        unique_property="ref",
        unique_values=('a"b', "c\\d", "line\nbreak", "tab\there", "bell\x07", "é"),
    )
    text = render_records(records, comment="two lines\nof comment")
    assert "[tool.tickets-contract.records]" in text
    assert load_records(_file(tmp_path, text)) == records


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("[tool.tickets-contract]\nrate_limt = '1/s'\n", "rate_limt", "is not a setting"),
        ("[tool.tickets-contract]\nrate_limit = '100/10x'\n", "rate_limit", "expected N/<window>"),
        ("[tool.tickets-contract]\nallowed_hosts = 'x'\n", "allowed_hosts", "list of host names"),
        ("[tool.tickets-contract.max_examples]\nlive = 0\n", "max_examples.live", "positive whole"),
        (
            "[tool.tickets-contract.max_examples]\nstaging = 3\n",
            "max_examples.staging",
            "twin, url or live",
        ),
        (
            "[tool.tickets-contract.records]\nids = [17000000934]\n",
            "records.ids",
            "list of strings",
        ),
        ("[tool.tickets-contract.records]\nids = []\n", "records.ids", "is empty"),
        (
            "[tool.tickets-contract.records]\nids = ['1']\nunique_values = ['a']\n",
            "records.unique_values",
            "without unique_property",
        ),
        ("[tool.tickets-contract\n", "", "not valid TOML"),
        ("[tool.other]\nx = 1\n", "[tool.tickets-contract]", "the table is missing"),
    ],
    ids=[
        "unknown-key",
        "bad-rate",
        "hosts-type",
        "examples-zero",
        "examples-kind",
        "ids-numbers",
        "ids-empty",
        "values-without-property",
        "toml-syntax",
        "no-table",
    ],
)
def test_bad_settings_name_file_place_and_fix(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message
    assert where in message
    assert problem in message
    assert "fix:" in message


def test_records_missing_says_how_to_discover(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tickets-contract discover"):
        load_records(_file(tmp_path, "[tool.tickets-contract]\nrate_limit = '1/s'\n"))
