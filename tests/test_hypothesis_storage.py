"""The UTF-8 table the gate writes for Hypothesis is the one Hypothesis would compute.

``tickets_contract.hypothesis_storage`` writes Hypothesis' cache of "which characters
UTF-8 encodes" before generation, so a gate run in a new folder does not walk all
1,114,112 code points (~1.5 s). These tests hold the written file to Hypothesis' own
name, format and answer, and show Hypothesis reads it instead of computing it.
"""

from __future__ import annotations

import gzip
import json
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hypothesis.internal.charmap as charmap
import pytest
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

from tickets_contract.hypothesis_storage import UTF8_ENCODABLE, prime_utf8_table

SURROGATES = range(0xD800, 0xE000)


@contextmanager
def _hypothesis_home(folder: Path) -> Iterator[Path]:
    """Hypothesis' storage directory moved to ``folder`` while the block runs, then put back."""
    before = storage_directory(intent_to_write=False).path
    set_hypothesis_home_dir(folder)
    try:
        yield folder
    finally:
        set_hypothesis_home_dir(before)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """Hypothesis' storage directory in a new folder for one test."""
    with _hypothesis_home(tmp_path / "hypothesis-home") as folder:
        yield folder


def _read(path: Path) -> object:
    with gzip.open(path) as table:
        return json.load(table)


def test_utf8_encodes_every_code_point_but_the_surrogates() -> None:
    # The fact the table states, checked against Python's codec over the whole range:
    # the two encodable runs encode and decode back unchanged, and no surrogate encodes.
    for first, last in UTF8_ENCODABLE:
        text = "".join(map(chr, range(first, last + 1)))
        assert text.encode("utf-8").decode("utf-8") == text
    assert [(first, last) for first, last in UTF8_ENCODABLE] == [(0, 0xD7FF), (0xE000, 0x10FFFF)]
    for point in SURROGATES:
        with pytest.raises(UnicodeEncodeError):
            chr(point).encode("utf-8")


def test_the_file_has_hypothesis_name_and_format(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hypothesis computes its own table over a short range (its walk, cut at U+E0FF so the
    # test takes milliseconds), and writes it where and how it keeps it.
    monkeypatch.setattr(charmap, "sys", types.SimpleNamespace(maxunicode=0xE0FF))
    charmap.intervals_from_codec.__wrapped__("utf-8")
    theirs = sorted(home.rglob("codec-*utf-8*"))
    assert len(theirs) == 1
    assert _read(theirs[0]) == [[[0, 0xD7FF], [0xE000, 0xE0FF]], []]

    theirs[0].unlink()
    ours = prime_utf8_table()
    assert ours == theirs[0]
    assert _read(ours) == [[[0, 0xD7FF], [0xE000, 0x10FFFF]], []]
    assert (home / ".gitignore").is_file()


def test_hypothesis_reads_the_written_table_instead_of_walking_code_points(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert prime_utf8_table() is not None
    # Were Hypothesis to walk the code points now, it would find none.
    monkeypatch.setattr(charmap, "sys", types.SimpleNamespace(maxunicode=-1))
    encodable, not_round_tripping = charmap.intervals_from_codec.__wrapped__("utf-8")
    assert encodable.intervals == UTF8_ENCODABLE
    assert not_round_tripping.intervals == ()


def test_a_table_already_there_is_left_alone(home: Path) -> None:
    first = prime_utf8_table()
    assert first is not None
    first.write_bytes(b"written by somebody else")
    assert prime_utf8_table() is None
    assert first.read_bytes() == b"written by somebody else"


def test_an_unwritable_home_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with _hypothesis_home(blocker / "hypothesis-home"):
        assert prime_utf8_table() is None


def test_a_gate_run_writes_the_table_before_generating(
    home: Path, pytester: pytest.Pytester
) -> None:
    # The examples phase alone never asks Hypothesis for the UTF-8 table, so a table in the
    # new home after this run was written by the gate.
    conformance = "from tickets_contract.suite.test_conformance import test_batch_read_conforms"
    pytester.makepyfile(test_gate_run=conformance + "\n")
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--hypothesis-profile", "ci", "--tc-phases", "examples"
    )
    assert result.ret == 0, result.stdout.str()
    tables = list(home.rglob("codec-*utf-8*"))
    assert len(tables) == 1
    assert _read(tables[0]) == [[[0, 0xD7FF], [0xE000, 0x10FFFF]], []]
