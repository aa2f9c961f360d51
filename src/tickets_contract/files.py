"""Files: atomic writes, so nothing a user reads is ever half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tickets_contract.errors import ConfigError, InputError
from tickets_contract.redaction import DETECTOR

__all__ = [
    "PLAIN_LOADER",
    "SAFE_LOADER",
    "FileVersion",
    "file_version",
    "make_directory",
    "read_text",
    "read_yaml",
    "write_atomically",
]

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, in C (libyaml) where the wheel has it: ~10x the pure-Python one,
which made reading the ledger, the contract and 25 cassettes a second of every run."""


class PLAIN_LOADER(SAFE_LOADER):  # type: ignore[misc,valid-type]  # noqa: N801
    """The safe loader without YAML's timestamp type: an unquoted ``2024-01-01`` stays the
    string it reads as. OpenAPI and JSON have no date type; a ``date`` object would break
    validation and serialization far from the line that caused it."""


PLAIN_LOADER.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in SAFE_LOADER.yaml_implicit_resolvers.items()
}


FileVersion = tuple[str, int, int]
"""A file as a per-process cache keys it: resolved path, mtime (ns), size."""


def file_version(path: Path) -> FileVersion | None:
    """``path``'s version for a cache of what was read or built from it, so that an edited
    file is read afresh; None when it cannot be stat'ed (the reader names the problem)."""
    try:
        stat = path.stat()
        return (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return None


def read_text(path: Path, error: type[InputError], *, missing_fix: str) -> str:
    """A UTF-8 text file; unreadable or not UTF-8 raises ``error`` with the place and fix."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise error(
            source=str(path),
            where=f"line {line}, byte {exc.start}",
            problem=f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x})",
            fix="save the file as UTF-8",
        ) from None
    except OSError as exc:
        raise error(
            source=str(path), where="", problem=f"cannot be read ({exc.strerror})", fix=missing_fix
        ) from None


def read_yaml(
    path: Path,
    error: type[InputError],
    *,
    missing_fix: str,
    syntax_fix: str = "correct the YAML syntax at that place",
    loader: Any = PLAIN_LOADER,
) -> Any:
    """Parse a YAML file; an unreadable file, one that is not UTF-8, or bad syntax raises
    ``error`` naming the file, the line and column, and the fix."""
    text = read_text(path, error, missing_fix=missing_fix)
    try:
        return yaml.load(text, Loader=loader)  # callers pass safe loaders only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(
            source=str(path),
            where=f"line {mark.line + 1}, column {mark.column + 1}" if mark else "",
            problem=f"is not valid YAML ({getattr(exc, 'problem', exc)})",
            fix=syntax_fix,
        ) from None


def _writer_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temporaries(path: Path) -> None:
    """Remove the ``.<name>.<pid>.*.tmp`` files of ``path`` whose writer is gone (a killed
    process); a live writer's file is never taken."""
    try:
        candidates = list(path.parent.glob(f".{path.name}.*.tmp"))
    except OSError:
        return
    for candidate in candidates:
        pid = candidate.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _writer_alive(int(pid)):
            candidate.unlink(missing_ok=True)


def make_directory(path: Path, *, option: str, error: type[ConfigError] = ConfigError) -> None:
    """Create ``path`` (and its parents) unless it exists; failing that, raise ``error``
    naming ``option``, the directory and the fix."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise error(
            source=option,
            where=str(path),
            problem=f"cannot be used as a directory ({exc.strerror})",
            fix="pass a directory (it is created when missing) in a writable place",
        ) from None


def write_atomically(path: Path, text: str, *, option: str = "--output") -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory.

    A reader (a CI step, a reviewer, a replay) sees the old file or the new one, never a
    mix. ``option`` names what the user set, for the error message. Temporary files an
    interrupted write (a killed process) left behind are removed first. Every configured
    secret, in any encoding, is redacted (``redaction.DETECTOR``): the last line of
    defence; cassettes and records are checked and refused before they get here.
    """

    text = DETECTOR.redact(text) if DETECTOR else text
    _remove_stale_temporaries(path)
    try:
        fd, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp"
        )
        try:
            os.fchmod(fd, 0o644)  # mkstemp makes it 0600; reports and cassettes are shared
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigError(
            source=option,
            where=str(path),
            problem=f"cannot be written ({exc.strerror})",
            fix="pass a file in an existing, writable directory",
        ) from None
