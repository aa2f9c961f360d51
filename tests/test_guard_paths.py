"""One way out of the process: every command's requests pass the one guard.

A listener stands for a host that is not allowed. It is reached as ``127.1`` (the
resolver reads it as 127.0.0.1, but it is neither ``localhost`` nor a loopback literal
on the allow-list), as an environment proxy, and as the target of a redirect from an
allowed host. Whatever ``run``, ``discover``, ``record`` and the quirk probe do, the
listener must never see a connection, let alone the token.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests

from loopback import serving
from tickets_contract.cassettes import Recorder, RecordMode, SourceKind, http_recording_target
from tickets_contract.cassettes.scenarios import scenario_named
from tickets_contract.cli import EXIT_SAFETY, EXIT_USAGE, main
from tickets_contract.errors import SafetyError, UsageError
from tickets_contract.network.discovery import discover
from tickets_contract.network.guards import Guard, guarded_session
from tickets_contract.records import KnownRecords
from tickets_contract.targets import HttpTarget, parse_target
from tickets_contract.twin import BATCH_READ_PATH, LIST_PATH, Twin, TwinConfig, serve_in_thread

TOKEN = "pat-na1-c0ffee00-1111-2222-3333-444455556666"


class Listener:
    """A TCP listener on 127.0.0.1 that keeps every byte anyone sends it."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self._stop = threading.Event()
        self.port = self._sock.getsockname()[1]
        self.received: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                self.received.append(data)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


@pytest.fixture
def outside() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()
    assert listener.received == [], "a request reached a host that is not allowed"


@pytest.fixture(scope="module")
def twin_url() -> Iterator[str]:
    with serve_in_thread(Twin(config=TwinConfig(size=200, extra_tokens=(TOKEN,)))) as url:
        yield url


@pytest.fixture
def redirector(outside: Listener) -> Iterator[str]:
    """An allowed host (127.0.0.1) that redirects every request to the listener."""

    class Redirect(BaseHTTPRequestHandler):
        def _go(self) -> None:
            self.send_response(307)
            self.send_header("Location", f"http://127.1:{outside.port}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _go

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Redirect) as url:
        yield url


@pytest.fixture
def proxied(outside: Listener, monkeypatch: pytest.MonkeyPatch) -> Listener:
    """The environment names the listener as the proxy for everything."""
    proxy = f"http://127.0.0.1:{outside.port}"
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return outside


def _bad_urls(port: int) -> list[str]:
    return [
        f"http://127.1:{port}",
        f"http://user:pass@127.0.0.1:{port}",
        f"http://user:{TOKEN}@127.1:{port}",
        f"http://a\\@127.0.0.1:{port}",
        f"http://127.0.0.1:{port}\\@127.1",
    ]


# --- run -------------------------------------------------------------------------------


def test_run_refuses_every_url_that_would_reach_another_host(
    outside: Listener, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    for url in _bad_urls(outside.port):
        assert main(["run", "--target", url]) in (EXIT_USAGE, EXIT_SAFETY), url
    printed = capsys.readouterr()
    assert "pass" not in printed.err.replace("password", "")  # credentials never echoed
    assert TOKEN not in printed.out + printed.err


def test_run_session_ignores_an_environment_proxy(proxied: Listener, twin_url: str) -> None:
    target = parse_target(twin_url, environ={"HUBSPOT_ACCESS_TOKEN": TOKEN})
    assert isinstance(target, HttpTarget)
    response = target.session().post(
        twin_url + BATCH_READ_PATH,
        json={"inputs": [{"id": "1"}]},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert response.status_code in (200, 207)  # the twin answered, directly


def test_run_session_refuses_a_redirect_to_another_host(redirector: str) -> None:
    target = parse_target(redirector, environ={"HUBSPOT_ACCESS_TOKEN": TOKEN})
    assert isinstance(target, HttpTarget)
    with pytest.raises(SafetyError, match="127.1"):
        target.session().post(
            redirector + BATCH_READ_PATH,
            json={"inputs": []},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=5,
        )


def test_a_schemathesis_case_is_sent_through_the_guard(proxied: Listener, twin_url: str) -> None:
    """``case.call(session=...)``, as the gate sends, goes straight to the twin."""
    import schemathesis

    from tickets_contract.spec.contract import ContractKind, Portal, build_contract

    contract = build_contract(ContractKind.PUBLISHED, portal=Portal())
    schema = schemathesis.openapi.from_dict(contract.document)
    operation = schema["/crm/v3/objects/tickets/batch/read"]["POST"]
    case = operation.Case(
        body={"inputs": [{"id": "1"}]}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    target = parse_target(twin_url, environ={"HUBSPOT_ACCESS_TOKEN": TOKEN})
    response = case.call(base_url=twin_url, session=target.session())
    assert response.status_code in (200, 207)


def test_the_guard_checks_the_host_the_client_connects_to() -> None:
    session = guarded_session(Guard(allowed_hosts=()))
    # urlsplit reads 127.0.0.1, requests/urllib3 connect to "a": refused either way.
    with pytest.raises(SafetyError):
        session.get("http://a\\@127.0.0.1:9" + LIST_PATH, timeout=1)
    with pytest.raises(SafetyError, match="credentials"):
        session.get("http://u:p@127.0.0.1:9" + LIST_PATH, timeout=1)


# --- discover --------------------------------------------------------------------------


def test_discover_refuses_every_url_that_would_reach_another_host(
    outside: Listener, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    for url in _bad_urls(outside.port):
        assert main(["discover", "--target", url]) in (EXIT_USAGE, EXIT_SAFETY), url
    printed = capsys.readouterr()
    assert TOKEN not in printed.out + printed.err


def test_discover_ignores_an_environment_proxy(
    proxied: Listener, twin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = parse_target(twin_url, environ={"HUBSPOT_ACCESS_TOKEN": TOKEN})
    assert isinstance(target, HttpTarget)
    records = discover(target.session(), twin_url, TOKEN, unique_property=None, count=2)
    assert len(records.ids) == 2


def test_discover_refuses_a_redirect_to_another_host(
    redirector: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    assert main(["discover", "--target", redirector]) == EXIT_SAFETY
    assert "127.1" in capsys.readouterr().err


# --- record ----------------------------------------------------------------------------


def _records(tmp_path: Path) -> Path:
    path = tmp_path / "records.toml"
    path.write_text('[tool.tickets-contract.records]\nids = ["17000001856"]\n')
    return path


def test_record_refuses_every_url_that_would_reach_another_host(
    outside: Listener,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    for url in _bad_urls(outside.port):
        argv = ["record", "--target", url, "--source", "live", "--records", str(_records(tmp_path))]
        assert main([*argv, "--cassette-dir", str(tmp_path / "out")]) in (
            EXIT_USAGE,
            EXIT_SAFETY,
        ), url
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    printed = capsys.readouterr()
    assert TOKEN not in printed.out + printed.err


def test_record_ignores_an_environment_proxy(
    proxied: Listener, twin_url: str, tmp_path: Path
) -> None:
    target = http_recording_target(
        twin_url,
        kind=SourceKind.TWIN,
        records=KnownRecords(ids=("1",)),
        environ={"HUBSPOT_ACCESS_TOKEN": TOKEN},
    )
    scenario = scenario_named("by-id-all-missing")
    assert scenario is not None
    [outcome] = Recorder(target, tmp_path, RecordMode.ONCE).record([scenario])
    assert outcome.path.is_file(), outcome.detail


def test_record_does_not_follow_a_redirect_to_another_host(redirector: str, tmp_path: Path) -> None:
    target = http_recording_target(
        redirector,
        kind=SourceKind.TWIN,
        records=KnownRecords(ids=("1",)),
        environ={"HUBSPOT_ACCESS_TOKEN": TOKEN},
    )
    scenario = scenario_named("by-id-all-missing")
    assert scenario is not None
    [outcome] = Recorder(target, tmp_path, RecordMode.ONCE).record([scenario])
    # The 307 itself is what the target answered; nothing followed it.
    assert "307" in outcome.path.read_text()


def test_http_recording_target_refuses_credentials_and_never_writes_them() -> None:
    with pytest.raises(UsageError) as info:
        http_recording_target(
            f"http://hunter2name:{TOKEN}@127.0.0.1:9",
            kind=SourceKind.LIVE,
            records=KnownRecords(),
            environ={"HUBSPOT_ACCESS_TOKEN": TOKEN},
        )
    assert TOKEN not in str(info.value)
    assert "hunter2name" not in str(info.value)


# --- the quirk probe -------------------------------------------------------------------


def test_the_probe_ignores_an_environment_proxy(
    proxied: Listener, twin_url: str, tmp_path: Path
) -> None:
    """The probe records through ``HttpTarget.recording_target``: the same guarded
    session, so it goes straight to the twin."""
    from tickets_contract.cassettes.probe import probe_quirks

    target = parse_target(
        twin_url, environ={"HUBSPOT_ACCESS_TOKEN": TOKEN}, records=KnownRecords(ids=("1",))
    )
    scenario = scenario_named("by-id-all-missing")
    assert scenario is not None
    result = probe_quirks(target.recording_target(), corpus=tmp_path, scenarios=[scenario])
    assert result.probed == ("by-id-all-missing",), result.skipped


def test_the_probe_refuses_a_redirect_to_another_host(redirector: str, tmp_path: Path) -> None:
    from tickets_contract.cassettes.probe import probe_quirks

    target = parse_target(
        redirector, environ={"HUBSPOT_ACCESS_TOKEN": TOKEN}, records=KnownRecords(ids=("1",))
    )
    scenario = scenario_named("by-id-all-missing")
    assert scenario is not None
    result = probe_quirks(target.recording_target(), corpus=tmp_path, scenarios=[scenario])
    assert result.probed == ("by-id-all-missing",)  # the 307 was recorded, not followed


def test_requests_itself_would_have_used_the_proxy(proxied: Listener) -> None:
    """The control: a plain session does go to the environment's proxy, so the tests
    above prove the guard, not an environment without proxies."""
    response = requests.get("http://127.0.0.1:9" + LIST_PATH, timeout=5)
    assert response.status_code == 200  # the listener answered, as the proxy
    assert len(proxied.received) == 1
    assert proxied.received[0].startswith(b"GET http://127.0.0.1:9" + LIST_PATH.encode())
    proxied.received.clear()
