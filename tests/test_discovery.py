"""Discovery: known records found by listing tickets, read-only, through the guards."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickets_contract.cli import EXIT_INPUT, EXIT_OK, main
from tickets_contract.network.discovery import discover
from tickets_contract.settings import load_records
from tickets_contract.targets import HttpTarget, parse_target
from tickets_contract.twin import DEMO_TOKEN, UNIQUE_PROPERTY, Twin, serve_in_thread


@pytest.fixture(scope="module")
def served() -> object:
    twin = Twin()
    with serve_in_thread(twin) as base_url:
        yield twin, base_url


def test_discovered_records_exist_on_the_target_as_described(served: tuple[Twin, str]) -> None:
    twin, base_url = served
    target = parse_target(base_url, environ={"HUBSPOT_ACCESS_TOKEN": DEMO_TOKEN})
    assert isinstance(target, HttpTarget)
    records = discover(
        target.session(), base_url, DEMO_TOKEN, unique_property=UNIQUE_PROPERTY, count=5
    )
    assert len(records.ids) == 5
    assert len(records.archived_ids) == 5
    for ticket_id in records.ids:
        ticket = twin.store.get(ticket_id)
        assert ticket is not None
        assert not ticket.archived
    for ticket_id in records.archived_ids:
        ticket = twin.store.get(ticket_id)
        assert ticket is not None
        assert ticket.archived
    for value in records.unique_values:
        ticket = twin.store.by_unique(UNIQUE_PROPERTY, value)
        assert ticket is not None
        assert not ticket.archived


def test_discover_command_writes_a_loadable_table_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "records.toml"
    assert main(["discover", "--count", "3", "--output", str(output)]) == EXIT_OK
    records = load_records(output)
    assert len(records.ids) == 3
    assert records.unique_property == UNIQUE_PROPERTY
    before = output.read_text()
    assert main(["discover", "--count", "4", "--output", str(output)]) == EXIT_INPUT
    assert "never overwrites" in capsys.readouterr().err
    assert output.read_text() == before
    assert main(["discover", "--count", "4", "--output", str(output), "--force"]) == EXIT_OK
    assert len(load_records(output).ids) == 4


def test_a_run_discovers_ids_the_unique_property_and_history_in_a_few_reads(
    served: tuple[Twin, str],
) -> None:
    from tickets_contract.network.discovery import RUN_PAGES, discover_run

    twin, base_url = served
    target = parse_target(base_url, environ={"HUBSPOT_ACCESS_TOKEN": DEMO_TOKEN})
    assert isinstance(target, HttpTarget)
    found = discover_run(target.session(), base_url, DEMO_TOKEN)
    records = found.records
    assert found.requests <= 2 * RUN_PAGES + 2
    assert records.unique_property == UNIQUE_PROPERTY  # from the Properties API
    assert len(records.ids) >= 20
    assert len(records.archived_ids) >= 20
    assert all(not twin.store.get(i).archived for i in records.ids)  # type: ignore[union-attr]
    assert all(twin.store.get(i).archived for i in records.archived_ids)  # type: ignore[union-attr]
    for value in records.unique_values:
        assert twin.store.by_unique(UNIQUE_PROPERTY, value) is not None
    assert "subject" in records.properties
    assert records.history_properties
    assert set(records.history_properties) <= set(records.properties)
    assert found.gaps == ()
    assert "60 live and" in found.summary()


def test_a_run_on_an_empty_portal_says_what_it_cannot_exercise() -> None:
    from tickets_contract.network.discovery import discover_run
    from tickets_contract.twin import TwinConfig

    with serve_in_thread(Twin(config=TwinConfig(size=0))) as base_url:
        target = parse_target(base_url, environ={"HUBSPOT_ACCESS_TOKEN": DEMO_TOKEN})
        assert isinstance(target, HttpTarget)
        found = discover_run(target.session(), base_url, DEMO_TOKEN)
    assert found.records.ids == ()
    gaps = "\n".join(found.gaps)
    assert "no live tickets" in gaps
    assert "no archived tickets" in gaps
    assert "could not exercise: the portal lists no live tickets" in found.summary()


def test_an_unreachable_target_is_one_clear_error() -> None:
    import socket

    from tickets_contract.errors import UnreachableError
    from tickets_contract.network.discovery import discover_run

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    target = parse_target(base_url, environ={"HUBSPOT_ACCESS_TOKEN": DEMO_TOKEN})
    assert isinstance(target, HttpTarget)
    with pytest.raises(UnreachableError, match="did not answer"):
        discover_run(target.session(), base_url, DEMO_TOKEN)
