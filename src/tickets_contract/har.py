"""The HAR of a contract run: every exchange, for a HAR viewer, with no secret in it.

schemathesis writes ``exchanges.har`` (HAR 1.2, http://www.softwareishard.com/blog/har-12-spec/)
when ``--tc-report-dir`` is given, merging pytest-xdist workers' exchanges on the
controller, and masks the headers it knows to be sensitive. Then ``scrub_har`` passes the
file through the cassettes' scrubber (cassettes/scrub.py), as for a cassette: every
occurrence of the run's token is replaced, any ``Authorization`` value becomes
``<redacted>``, and the result is searched for the token and for anything shaped like a
credential before it replaces the file. A hit deletes the file (``SafetyError``): a
report that might leak is not kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tickets_contract.cassettes.scrub import REDACTED, Scrubber
from tickets_contract.errors import SafetyError
from tickets_contract.files import write_atomically

__all__ = ["scrub_har"]

_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})


def scrub_har(path: Path, token: str | None) -> None:
    """Rewrite the HAR at ``path`` without ``token`` or credentials; see the module."""
    scrubber = Scrubber({"access": token} if token else {})
    try:
        har = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        path.unlink()
        raise SafetyError(
            f"{path} is not the JSON schemathesis writes ({exc}); it was deleted unread"
        ) from None
    for entry in har.get("log", {}).get("entries", []):
        for side in ("request", "response"):
            message = entry.get(side) or {}
            for header in message.get("headers", []):
                if str(header.get("name", "")).lower() in _SECRET_HEADERS:
                    header["value"] = REDACTED
    text = json.dumps(_scrubbed(har, scrubber), indent=2, ensure_ascii=False) + "\n"
    try:
        scrubber.ensure_clean(text, where=str(path))
    except SafetyError:
        path.unlink()
        raise
    write_atomically(path, text)


def _scrubbed(value: Any, scrubber: Scrubber) -> Any:
    if isinstance(value, str):
        return scrubber.redact(value)
    if isinstance(value, list):
        return [_scrubbed(item, scrubber) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, scrubber) for key, item in value.items()}
    return value
