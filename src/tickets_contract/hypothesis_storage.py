"""Hypothesis' table of the characters UTF-8 encodes, written before Hypothesis builds it.

schemathesis' coverage phase draws strings from ``st.characters(codec="utf-8")`` (its
default alphabet, which that phase does not let a caller change). The first time in a
working folder, Hypothesis finds out which characters a codec encodes by encoding each
of the 1,114,112 code points, about 1.5 s of CPU, then caches the answer in the folder's
``.hypothesis/unicode_data/``. So every gate run in a new folder paid 1.5 s before its
first request: a third of ``tickets-contract run``.

For UTF-8 the answer is a fact of Unicode, not something to measure: "UTF-8 encodes
every Unicode scalar value" (RFC 3629, section 3), that is every code point except the
surrogates U+D800..U+DFFF, and each decodes back to itself. So the gate writes that
answer first, in the file and format Hypothesis reads, and Hypothesis reads it instead of
walking the code points. ``tests/test_hypothesis_storage.py`` holds the file equal to the
one Hypothesis computes itself, so a Hypothesis upgrade that changes the name or the
format fails there. In a run, such a change costs only the time: Hypothesis recomputes a
file it cannot read, as it did before.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import tempfile
from pathlib import Path

__all__ = ["UTF8_ENCODABLE", "prime_utf8_table"]

UTF8_ENCODABLE: tuple[tuple[int, int], ...] = ((0x0000, 0xD7FF), (0xE000, 0x10FFFF))
"""The code points UTF-8 encodes, as Hypothesis' closed intervals: all but the surrogates."""

# The name Hypothesis 6.170 gives the cache of a codec's table (charmap.intervals_from_codec).
_TABLE_NAME = "codec-v2-utf-8"


def _table_path() -> Path | None:
    """Where Hypothesis looks for the table, or None if this Hypothesis has no such file."""
    try:
        # why: Hypothesis is imported only by runs that generate; this runs in one
        from hypothesis.internal.charmap import charmap_file
    except ImportError:
        return None
    return Path(charmap_file(_TABLE_NAME))


def prime_utf8_table() -> Path | None:
    """Write Hypothesis' UTF-8 table where it will look, unless a table is there already.

    Returns the file written, or None when nothing was written (a table exists, this
    Hypothesis stores none, or the folder cannot be written: then Hypothesis computes the
    table as it always did). Atomic: a concurrent reader (an xdist worker) sees the whole
    file or none.
    """
    path = _table_path()
    if path is None or path.exists():
        return None
    # Hypothesis' layout: [encodable intervals, intervals that do not round-trip].
    text = json.dumps([[list(pair) for pair in UTF8_ENCODABLE], []])
    # why: Hypothesis is imported only by runs that generate; this runs in one
    from hypothesis.configuration import storage_directory

    home = storage_directory().path
    temporary: str | None = None
    try:
        # Creates .hypothesis/ with the .gitignore Hypothesis puts in it, as it would.
        storage_directory(*path.parent.relative_to(home).parts).create_if_missing()
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=1) as out:
            out.write(text.encode())
        os.replace(temporary, path)
    except (OSError, ValueError):
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return None
    return path
