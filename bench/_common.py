"""Helpers shared by the benchmark scripts: environment banner, ports, child servers.

Not a benchmark itself. Every script imports it as ``_common`` (scripts run as
``python bench/NAME.py``, so ``bench/`` is on ``sys.path``).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as _dt
import json
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
OUT = BENCH / ".out"  # profiles and raw results; gitignored
BATCH_READ_PATH = "/crm/v3/objects/tickets/batch/read"

# What a read asks for in every benchmark: four properties, no history. The same body
# shape goes to the twin, the floor and Prism.
READ_PROPERTIES = ("subject", "hs_pipeline_stage", "hs_ticket_priority", "content")


def banner(title: str, packages: Sequence[str] = ()) -> None:
    """Print what the figures were measured on: date, cores, Python, versions."""
    names = ("hubspot-tickets-contract", *packages)
    versions = ", ".join(f"{name} {_version(name)}" for name in names)
    print(f"== {title}")
    print(
        f"   {_dt.datetime.now(_dt.UTC):%Y-%m-%d %H:%M UTC}; {os.cpu_count()} cores; "
        f"{platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({platform.python_implementation()})"
    )
    print(f"   {versions}")
    print(f"   load average at start: {_load()} (other work on the machine skews figures)")


def reproduce(extra: Sequence[str] = ()) -> None:
    """Print the command that reproduces this run (from the repository root)."""
    script = Path(sys.argv[0]).resolve()
    try:
        shown = script.relative_to(REPO)
    except ValueError:
        shown = script
    args = [str(shown), *sys.argv[1:], *extra]
    print(f"load average at end: {_load()}")
    print(f"reproduce: python {shlex.join(args)}")


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "(not installed)"


def version_of(name: str) -> str:
    return _version(name)


def free_port() -> int:
    """A port that was free a moment ago (for servers that cannot take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def batch_body(ids: Sequence[str], *, id_property: str | None = None) -> bytes:
    """The JSON body of a batch read of ``ids``."""
    body: dict[str, Any] = {
        "inputs": [{"id": value} for value in ids],
        "properties": list(READ_PROPERTIES),
        "propertiesWithHistory": [],
    }
    if id_property is not None:
        body["idProperty"] = id_property
    return json.dumps(body, separators=(",", ":")).encode()


def readable_ids(store: Any, count: int, *, unique_property: str | None = None) -> list[str]:
    """``count`` ids (or unique values) of unarchived tickets, spread over ``store``."""
    size = len(store)
    step = max(1, size // (count * 2 + 1))
    found: list[str] = []
    index = 0
    while len(found) < count:
        if index >= size:
            raise ValueError(f"the store has fewer than {count} readable tickets")
        if not store.is_archived_at(index):
            ticket = store.ticket_at(index)
            value = ticket.id if unique_property is None else ticket.properties.get(unique_property)
            if value is not None:
                found.append(value)
        index += step
    return found


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile, ``share`` in [0, 100]."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# ---------------------------------------------------------------------------------------
# Child processes: every one started here is ended on exit, by its own process group id.

_CHILDREN: list[subprocess.Popen[bytes]] = []


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)  # its own group: started with a new session
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _stop_all() -> None:
    while _CHILDREN:
        _stop(_CHILDREN.pop())


def _on_signal(signum: int, frame: Any) -> None:
    _stop_all()
    raise SystemExit(128 + signum)


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds used so far by process ``pid`` (Linux ``/proc``), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime and stime fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A server running in a child process (its own session and process group)."""

    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid


@contextlib.contextmanager
def child_server(
    name: str,
    argv: Sequence[str],
    *,
    log: Path,
    port: int | None = None,
    ready_path: str = "/",
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Start ``argv``; wait until it listens; stop it (and its children) on exit.

    With ``port`` None the child must print ``LISTENING <port>`` on stdout (bench/
    _servers.py does); otherwise it is polled on that port until it answers HTTP.
    """
    out = log.open("wb")
    process = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE if port is None else out,
        stderr=out,
        start_new_session=True,
        env=env,
    )
    _CHILDREN.append(process)
    try:
        if port is None:
            assert process.stdout is not None
            line = process.stdout.readline().decode()
            if not line.startswith("LISTENING "):
                process.wait(timeout=5)
                raise RuntimeError(f"{name} did not start; see {log}: {line.strip()}")
            port = int(line.split()[1])
        base_url = f"http://127.0.0.1:{port}"
        _wait_http(name, base_url + ready_path, process, log, timeout)
        yield Server(name=name, base_url=base_url, process=process, log=log)
    finally:
        _stop(process)
        if process in _CHILDREN:
            _CHILDREN.remove(process)
        out.close()


def _wait_http(
    name: str, url: str, process: subprocess.Popen[bytes], log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f} s; see {log}")


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """One POST with the standard library; returns status and body, errors included."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def server_argv(kind: str, *, seed: int = 0, size: int = 1000, **options: str) -> list[str]:
    """The command that serves the twin or the floor with the benchmarks' uvicorn settings."""
    argv = [sys.executable, str(BENCH / "_servers.py"), kind]
    argv += ["--seed", str(seed), "--size", str(size)]
    for key, value in options.items():
        argv += [f"--{key.replace('_', '-')}", value]
    return argv


# ---------------------------------------------------------------------------------------
# Profiles: py-spy's collapsed stacks ("a;b;c 12") summed into self and total shares.


def tool_path(name: str) -> str | None:
    """``name`` beside this Python (a venv's bin/) or on PATH."""
    import shutil

    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    return shutil.which(name)


def summarize_collapsed(path: Path, top: int = 15) -> list[str]:
    """The functions with the most samples, by self time and by total (inclusive) time."""
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    samples = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        frames = [_short_frame(frame) for frame in stack.split(";")]
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + count
    if not samples:
        return ["(no samples)"]
    lines = [f"{samples} samples"]
    lines.append("  self%  function")
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {100 * count / samples:5.1f}  {frame}")
    lines.append("  total% function")
    for frame, count in sorted(total.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {100 * count / samples:5.1f}  {frame}")
    return lines


def _short_frame(frame: str) -> str:
    # py-spy writes "function (path/to/file.py:LINE)"; keep the function, the file's
    # last two parts and no line number, so that one function is one row.
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    file, _, _line = where.rpartition(":")
    parts = Path(file or where).parts
    return f"{name} ({'/'.join(parts[-2:])})" if parts else name


def collapsed_shares(path: Path, buckets: dict[str, tuple[str, ...]]) -> list[str]:
    """Share of samples whose stack has a frame containing every string of a bucket."""
    counts = dict.fromkeys(buckets, 0)
    samples = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        frames = stack.split(";")
        for label, needles in buckets.items():
            if any(all(needle in frame for needle in needles) for frame in frames):
                counts[label] += count
    if not samples:
        return ["(no samples)"]
    return [f"{100 * counts[label] / samples:5.1f}%  {label}" for label in buckets]


def pyinstrument_summary(profiler: Any, top: int = 20) -> list[str]:
    """A pyinstrument profile as two flat lists: self time and total time per function.

    Computed from the frame tree (pyinstrument's own flat renderer mixes roots); total
    time counts a function once per stack, however often it recurses.
    """
    root = profiler.last_session.root_frame()
    if root is None:
        return ["(no samples)"]
    own: dict[str, float] = {}
    total: dict[str, float] = {}

    def name_of(frame: Any) -> str:
        where = (frame.file_path_short or "").replace("\\", "/")
        where = "/".join(where.split("/")[-2:])
        return f"{frame.function} ({where})"

    def walk(frame: Any, on_stack: frozenset[str]) -> None:
        name = name_of(frame)
        if frame.is_synthetic_leaf:  # "[self]" and "[await]" leaves
            name = name_of(frame.parent) if frame.parent is not None else name
            own[name] = own.get(name, 0.0) + frame.time
            return
        if name not in on_stack:
            total[name] = total.get(name, 0.0) + frame.time
        children = frame.children
        child_time = sum(child.time for child in children)
        if not children or frame.time - child_time > 0:
            own[name] = own.get(name, 0.0) + max(0.0, frame.time - child_time)
        for child in children:
            walk(child, on_stack | {name})

    walk(root, frozenset())
    whole = root.time or 1.0
    lines = [f"{whole:.3f} s sampled", "  self%  function"]
    for name, value in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {100 * value / whole:5.1f}  {name}")
    lines.append("  total% function")
    for name, value in sorted(total.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {100 * value / whole:5.1f}  {name}")
    return lines
