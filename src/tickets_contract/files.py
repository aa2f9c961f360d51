"""Files: atomic writes, so nothing a user reads is ever half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tickets_contract.errors import ConfigError

__all__ = ["write_atomically"]


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
