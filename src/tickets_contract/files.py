"""Files: atomic writes, so nothing a user reads is ever half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tickets_contract.errors import ConfigError, InputError

__all__ = ["read_yaml", "write_atomically"]


def read_yaml(
    path: Path,
    error: type[InputError],
    *,
    missing_fix: str,
    syntax_fix: str = "correct the YAML syntax at that place",
    loader: Any = yaml.SafeLoader,
) -> Any:
    """Parse a YAML file; an unreadable file or bad syntax raises ``error`` naming the
    file, the line and column, and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(
            source=str(path), where="", problem=f"cannot be read ({exc.strerror})", fix=missing_fix
        ) from None
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


def write_atomically(path: Path, text: str, *, option: str = "--output") -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory.

    A reader (a CI step, a reviewer, a replay) sees the old file or the new one, never a
    mix. ``option`` names what the user set, for the error message. Temporary files an
    interrupted write (a killed process) left behind are removed first. Every configured
    secret, in any encoding, is redacted (``redaction.DETECTOR``): the last line of
    defence; cassettes and records are checked and refused before they get here.
    """
    from tickets_contract.redaction import DETECTOR

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
