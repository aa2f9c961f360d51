"""Secrets never leave in any encoding: a hostile upstream echoes a canary token.

The upstream (served on loopback) answers every request with the token it was sent,
echoed in the place and the encoding Hypothesis picks: a kept response header
(``X-HubSpot-*``), the JSON body's message, a property value, a ticket id, the paging
link's query string, a non-JSON error body; raw, percent-encoded (all of it, upper or
lower case, only some characters, or twice), base64 and base64url (alone and inside
``base64("Bearer " + token)``), hex, and JSON ``\\u`` escapes. ``discover`` and ``record``
run against it (``record`` twice, so that ``--mode new`` prints a diff); then every byte
they wrote or printed is scanned by a decoder written here, independent of the project's
detector. ``run --report-dir`` gets the same treatment with every encoding at once (marked
``slow``: it is a whole gate run).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loopback import serving
from tickets_contract.cli import main

# '/', '+', '~' and '=' make every encoding differ from the raw text.
TOKEN = "canary-7Q/x+Zt9~Lm2=kW"


def _percent_all(text: str, case: Callable[[str], str]) -> str:
    return "".join(case(f"%{b:02x}") for b in text.encode())


def _json_all(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


ENCODINGS: dict[str, Callable[[str], str]] = {
    "raw": lambda t: t,
    "quote": lambda t: quote(t, safe=""),
    "quote_plus": quote_plus,
    "percent-upper": lambda t: _percent_all(t, str.upper),
    "percent-lower": lambda t: _percent_all(t, str.lower),
    "percent-twice": lambda t: quote(quote(t, safe=""), safe=""),
    "base64": lambda t: base64.b64encode(t.encode()).decode(),
    "base64url": lambda t: base64.urlsafe_b64encode(t.encode()).decode().rstrip("="),
    "base64-bearer": lambda t: base64.b64encode(f"Bearer {t}".encode()).decode(),
    "base64url-basic": lambda t: base64.urlsafe_b64encode(f"x:{t}".encode()).decode(),
    "hex": lambda t: t.encode().hex(),
    "hex-upper": lambda t: t.encode().hex().upper(),
    "json-escapes": _json_all,
}
PLACES = ("header", "message", "property", "id", "link", "text")


class Hostile:
    """What the upstream echoes: ``places`` x ``encodings``, with ``status``."""

    def __init__(self) -> None:
        self.places: tuple[str, ...] = PLACES
        self.encoded: tuple[str, ...] = ()
        self.status = 200
        self.get_status: int | None = None  # GETs (discovery) answer this when set

    def answer(
        self, token: str, path: str, method: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        status = self.status if method != "GET" or self.get_status is None else self.get_status
        echoes = self.encoded or (token,)
        joined = " ".join(echoes)
        headers = [("Content-Type", "application/json")]
        if "header" in self.places:
            headers += [(f"X-HubSpot-Echo-{n}", e) for n, e in enumerate(echoes)]
        if "text" in self.places and status >= 400:
            headers[0] = ("Content-Type", "text/plain")
            return status, headers, f"upstream failed for {joined}".encode()
        results = [
            {
                "id": f"1{n}" if "id" not in self.places else f"{n}-{echo}",
                "properties": {"ref": echo if "property" in self.places else f"ref-{n}"},
                "archived": archived,
            }
            for n, echo in enumerate(echoes)
            for archived in (False, True)
        ]
        body: dict[str, Any] = {
            "status": "COMPLETE" if status < 400 else "error",
            "results": results,
            "message": f"echo {joined}" if "message" in self.places else "ok",
        }
        if "link" in self.places and "tickets?" not in path:
            body["paging"] = {"next": {"after": "", "link": f"http://x/?token={joined}"}}
        return status, headers, json.dumps(body, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[str, Hostile]]:
    hostile = Hostile()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            token = (self.headers.get("Authorization") or "").partition(" ")[2]
            status, headers, body = hostile.answer(token, self.path, self.command)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Handler) as url:
        yield url, hostile


# --- an independent scanner -------------------------------------------------------------

_B64_RUN = re.compile(r"[A-Za-z0-9+/_=-]{12,}")
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{12,}")
_JSON_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})")


def _views(text: str) -> Iterator[str]:
    """``text`` and what it decodes to, every way a reader could decode it."""
    layers = [text]
    for _ in range(2):
        layers += [unquote(layers[-1]), unquote_plus(layers[-1])]
    layers.append(_JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))
    yield from layers
    for run in _B64_RUN.findall(text):
        for start in range(4):
            chunk = run[start:]
            for alphabet in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    yield alphabet(chunk + "=" * (-len(chunk) % 4)).decode("latin-1")
                except ValueError:
                    pass
    for run in _HEX_RUN.findall(text):
        for start in range(2):
            chunk = run[start:]
            chunk = chunk[: len(chunk) // 2 * 2]
            yield bytes.fromhex(chunk).decode("latin-1")


def leaks(text: str) -> bool:
    return any(TOKEN in view for view in _views(text))


def test_the_scanner_sees_every_encoding_the_upstream_uses() -> None:
    """The control: the scanner is not blind to what the tests below look for."""
    for name, encode in ENCODINGS.items():
        assert leaks(f"prefix {encode(TOKEN)} suffix"), name
    assert not leaks("prefix <redacted> suffix")


def _everything_written(*roots: Path) -> Iterator[tuple[Path, str]]:
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                yield path, path.read_bytes().decode("utf-8", errors="replace")


def _assert_no_leak(printed: str, *roots: Path) -> None:
    assert not leaks(printed), printed[-2000:]
    for path, text in _everything_written(*roots):
        assert not leaks(text), f"{path} holds the canary:\n{text[:2000]}"


# --- discover and record, property-based ------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    places=st.sets(st.sampled_from(PLACES), min_size=1).map(tuple),
    encodings=st.sets(st.sampled_from(sorted(ENCODINGS)), min_size=1, max_size=4),
    mixed=st.lists(st.booleans(), min_size=len(TOKEN), max_size=len(TOKEN)),
    status=st.sampled_from([200, 207, 400, 401, 500]),
)
def test_discover_and_record_never_write_or_print_an_echoed_token(
    upstream: tuple[str, Hostile],
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    places: tuple[str, ...],
    encodings: set[str],
    mixed: list[bool],
    status: int,
) -> None:
    base_url, hostile = upstream
    # Some characters percent-encoded and some not: "URL-quoting in any form".
    partly = "".join(quote(c, safe="") if m else c for c, m in zip(TOKEN, mixed, strict=True))
    hostile.encoded = (*(ENCODINGS[name](TOKEN) for name in sorted(encodings)), partly)
    hostile.places = places
    hostile.status = 200
    hostile.get_status = None
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    work = tmp_path_factory.mktemp("canary")
    records = work / "records.toml"
    main(["discover", "--target", base_url, "--unique-property", "ref", "--output", str(records)])
    if not records.exists():
        records.write_text('[tool.tickets-contract.records]\nids = ["17000001856"]\n')
    cassettes = work / "cassettes"
    record = ["record", "--target", base_url, "--source", "twin", "--records", str(records)]
    record += ["--cassette-dir", str(cassettes)]
    for name in ("by-id-all-found", "missing-token", "malformed-json"):
        record += ["--scenario", name]
    main(record)
    hostile.status = status  # the answers change: --mode new and all print diffs
    main([*record, "--mode", "new"])
    main([*record, "--mode", "all"])
    printed = capsys.readouterr()
    _assert_no_leak(printed.out + printed.err, work)


# --- run, every place and encoding at once ----------------------------------------------


@pytest.mark.slow  # a whole gate run in a subprocess (~30 s): `pytest -m slow`
def test_run_never_writes_or_prints_an_echoed_token(
    upstream: tuple[str, Hostile], tmp_path: Path
) -> None:
    base_url, hostile = upstream
    hostile.encoded = tuple(encode(TOKEN) for encode in ENCODINGS.values())
    hostile.places = ("header", "message", "property", "id", "link")
    hostile.status = 500  # every batch read; the run's discovery (GETs) gets its pages
    hostile.get_status = 200
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "tickets_contract.cli", "run", "--target", base_url]
    command += ["--report-dir", str(reports), "--tc-phases", "examples"]
    result = subprocess.run(
        [*command, "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        env={**_environ(), "HUBSPOT_ACCESS_TOKEN": TOKEN},
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert (reports / "junit.xml").is_file()
    assert "500" in (reports / "junit.xml").read_text()  # the failures were reported
    _assert_no_leak(result.stdout + result.stderr, reports)


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.upper().startswith("HUBSPOT_")}
