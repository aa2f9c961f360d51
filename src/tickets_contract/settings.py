"""Settings: the ``[tool.tickets-contract]`` table, in pyproject.toml or a TOML file.

    [tool.tickets-contract]
    allowed_hosts = ["sandbox-proxy.internal"]     # besides api.hubapi.com and loopback
    rate_limit = "90/10s"       # client-side budget (default 80/10s remote, none on loopback)

    [tool.tickets-contract.max_examples]            # fuzzing examples per target kind
    twin = 25
    url = 25
    live = 10

    [tool.tickets-contract.records]                 # known records of the live portal
    ids = ["17000000934", "17000001021"]
    archived_ids = ["17000000101"]
    unique_property = "external_ticket_ref"
    unique_values = ["TCK-000001"]
    archived_unique_values = []

``tickets-contract discover`` writes the records table from any target. The table's shape
is ``schemas/settings.schema.json``, shipped in the package (see the README on editors).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tickets_contract.errors import ConfigError
from tickets_contract.files import read_text
from tickets_contract.network.budget import RateLimit
from tickets_contract.records import KnownRecords
from tickets_contract.validation import Reader

__all__ = ["Settings", "load_records", "load_settings", "render_records"]

TABLE = ("tool", "tickets-contract")
_RECORD_KEYS = ("ids", "archived_ids", "unique_values", "archived_unique_values")


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the table configures, with defaults when there is no table."""

    source: str = "(defaults)"
    allowed_hosts: tuple[str, ...] = ()
    # None: the target's default (80/10s, or none for loopback).
    rate_limit: RateLimit | None = None
    max_examples: Mapping[str, int] = field(
        default_factory=lambda: {"twin": 25, "url": 25, "live": 10}
    )
    records: KnownRecords | None = None


def load_settings(path: Path | None = None) -> Settings:
    """Read ``path``, or ./pyproject.toml when it has the table, or use defaults."""
    if path is None:
        candidate = Path("pyproject.toml")
        if not candidate.is_file():
            return Settings()
        table = _table(candidate, required=False)
        return Settings() if table is None else _settings(table, str(candidate))
    table = _table(path, required=True)
    assert table is not None
    return _settings(table, str(path))


def load_records(path: Path) -> KnownRecords:
    """The known records of a settings file; an error says how to create them."""
    records = load_settings(path).records
    if records is None:
        raise ConfigError(
            source=str(path),
            where="[tool.tickets-contract.records]",
            problem="the table is missing",
            fix="run `tickets-contract discover --target live --output "
            f"{path}` to fill it from the portal",
        )
    return records


def render_records(records: KnownRecords, *, comment: str) -> str:
    """The records table as TOML text, for discover to write (tomli-w escapes values)."""
    # why: tomli-w is needed only by discover, which writes settings
    import tomli_w

    table: dict[str, Any] = {key: list(getattr(records, key)) for key in _RECORD_KEYS[:2]}
    if records.unique_property is not None:
        table["unique_property"] = records.unique_property
    table |= {key: list(getattr(records, key)) for key in _RECORD_KEYS[2:]}
    body = tomli_w.dumps({"tool": {"tickets-contract": {"records": table}}})
    lines = [f"# {line}" for line in comment.splitlines()]
    return "\n".join(lines) + "\n" + body


def _table(path: Path, *, required: bool) -> Mapping[str, Any] | None:
    text = read_text(
        path,
        ConfigError,
        missing_fix="pass an existing TOML file with a [tool.tickets-contract] table",
    )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            source=str(path), where="", problem=f"is not valid TOML ({exc})", fix="correct it"
        ) from None
    table: Any = data
    for key in TABLE:
        table = table.get(key) if isinstance(table, Mapping) else None
    if table is None:
        if not required:
            return None
        raise ConfigError(
            source=str(path),
            where="[tool.tickets-contract]",
            problem="the table is missing",
            fix="add a [tool.tickets-contract] table (see the README, Configuration)",
        )
    if not isinstance(table, Mapping):
        raise ConfigError(
            source=str(path),
            where="tool.tickets-contract",
            problem="is not a table",
            fix="write it as [tool.tickets-contract]",
        )
    return table


def _settings(table: Mapping[str, Any], source: str) -> Settings:
    # The shape is schemas/settings.schema.json; the rate's syntax and the records'
    # cross-field rule are checked here.
    read = Reader("settings", source, ConfigError, part="table", prefix="[tool.tickets-contract] ")
    read.check(table)
    rate = table.get("rate_limit")
    return Settings(
        source=source,
        allowed_hosts=tuple(table.get("allowed_hosts", ())),
        rate_limit=RateLimit.parse(rate, source=source) if rate else None,
        max_examples={**Settings().max_examples, **table.get("max_examples", {})},
        records=_records(read, table.get("records")),
    )


def _records(read: Reader, value: Mapping[str, Any] | None) -> KnownRecords | None:
    if value is None:
        return None
    lists = {key: tuple(value.get(key, ())) for key in _RECORD_KEYS}
    unique = value.get("unique_property")
    if (lists["unique_values"] or lists["archived_unique_values"]) and unique is None:
        raise read.fail(
            ["records", "unique_values"],
            "values are given without unique_property",
            "name the property",
        )
    return KnownRecords(unique_property=unique, **lists)
