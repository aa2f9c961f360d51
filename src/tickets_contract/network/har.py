"""The HAR of a contract run: every exchange, for a HAR viewer, with no secret in it.

With ``--tc-report-dir DIR`` the judge records every exchange it sends (generated
requests and the relations' follow-up reads) and the run ends by writing
``DIR/exchanges.har``, HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), which
browsers' developer tools, Charles, Fiddler and HAR viewers open. pytest-xdist workers
hand their entries to the controller, which writes one file.

Secrets go through the cassettes' scrubber (cassettes/scrub.py): every occurrence of the
run's token is replaced by ``<redacted>``, ``Authorization`` and cookie headers become
``<redacted>``, and the serialized file is searched for the token and anything shaped
like a credential before it is written; a hit writes nothing (``SafetyError``).

(schemathesis 4.32 can write a HAR from pytest itself, but for a schema from
``from_fixture`` it imports ``allure_commons`` unconditionally and fails without it.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tickets_contract.cassettes.scrub import REDACTED, Scrubber
from tickets_contract.files import write_atomically

__all__ = ["HarLog", "har_entry"]

_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})


def _headers(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [
        {"name": name, "value": REDACTED if name.lower() in _SECRET_HEADERS else value}
        for name, value in pairs
    ]


def _text(content: bytes | str | None) -> str:
    if content is None:
        return ""
    if isinstance(content, bytes):
        return content.decode("utf-8", errors="replace")
    return content


def har_entry(response: Any, started: datetime) -> dict[str, Any]:
    """One HAR entry of a schemathesis ``Response`` (and its ``.request``), unscrubbed."""
    request = response.request
    url = str(request.url)
    body = _text(request.body)
    request_headers = list(request.headers.items())
    response_headers = [
        (name, value) for name, values in response.headers.items() for value in values
    ]
    content_type = next((v for n, v in response_headers if n.lower() == "content-type"), "")
    elapsed_ms = round(float(response.elapsed) * 1000, 3)
    http_version = f"HTTP/{response.http_version}"
    entry: dict[str, Any] = {
        "startedDateTime": started.isoformat(timespec="milliseconds"),
        "time": elapsed_ms,
        "request": {
            "method": str(request.method).upper(),
            "url": url,
            "httpVersion": http_version,
            "cookies": [],
            "headers": _headers(request_headers),
            "queryString": [
                {"name": k, "value": v}
                for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)
            ],
            "headersSize": -1,
            "bodySize": len(body.encode()) if body else 0,
        },
        "response": {
            "status": int(response.status_code),
            "statusText": response.message or "",
            "httpVersion": http_version,
            "cookies": [],
            "headers": _headers(response_headers),
            "content": {
                "size": len(response.content or b""),
                "mimeType": content_type,
                "text": _text(response.content),
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(response.content or b""),
        },
        "cache": {},
        "timings": {"send": 0, "wait": elapsed_ms, "receive": 0},
    }
    if body:
        mime = next((v for n, v in request_headers if n.lower() == "content-type"), "")
        entry["request"]["postData"] = {"mimeType": mime, "text": body}
    return entry


class HarLog:
    """Entries of one run, written as one scrubbed HAR 1.2 file."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, response: Any, started: datetime | None = None) -> None:
        self.entries.append(har_entry(response, started or datetime.now(UTC)))

    def document(self) -> dict[str, Any]:
        entries = sorted(self.entries, key=lambda e: str(e["startedDateTime"]))
        return {
            "log": {
                "version": "1.2",
                "creator": {
                    "name": "tickets-contract",
                    "version": version("hubspot-tickets-contract"),
                },
                "pages": [],
                "entries": entries,
            }
        }

    def write(self, path: Path, token: str | None) -> None:
        """Scrub and write atomically; ``SafetyError`` (nothing written) on a leak."""
        scrubber = Scrubber({"access": token} if token else {})
        text = json.dumps(_scrubbed(self.document(), scrubber), indent=1, ensure_ascii=False)
        scrubber.ensure_clean(text, where=str(path))
        write_atomically(path, text + "\n")


def _scrubbed(value: Any, scrubber: Scrubber) -> Any:
    if isinstance(value, str):
        return scrubber.redact(value)
    if isinstance(value, list):
        return [_scrubbed(item, scrubber) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, scrubber) for key, item in value.items()}
    return value
