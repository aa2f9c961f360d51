"""Files: atomic writes, so nothing a user reads is ever half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tickets_contract.errors import ConfigError, InputError

__all__ = ["SAFE_LOADER", "read_yaml", "write_atomically"]

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, in C (libyaml) where the wheel has it: ~10x the pure-Python one,
which made reading the ledger, the contract and 25 cassettes a second of every run."""


def read_yaml(
    path: Path,
    error: type[InputError],
    *,
    missing_fix: str,
    syntax_fix: str = "correct the YAML syntax at that place",
    loader: Any = SAFE_LOADER,
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


def write_atomically(path: Path, text: str, *, option: str = "--output") -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory.

    A reader (a CI step, a reviewer, a replay) sees the old file or the new one, never a
    mix. ``option`` names what the user set, for the error message.
    """
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
