"""Reading a JSON body the way HubSpot's Java stack does, down to its error messages.

HubSpot parses request bodies with Jackson and reports failures as
``Invalid input JSON on line L, column C: <Jackson's reason>`` (public code quoting live
bodies: "Invalid input JSON on line 1, column 2: Unexpected character ('%' (code 37)):
expected a valid value …", search ids 32308135614, 2470280899). This module turns
Python's ``json`` errors into those reasons and positions, and finds where a value sits
in the text so that type and required-field errors (``batch_input``) can name a line and
column too.

Position conventions, from the quoted bodies:

* syntax errors point just past the offending character (``%`` as the first character
  is "column 2"), as Jackson's current location does;
* type errors point at the first character of the offending value (Jackson's token
  location);
* "Some required fields were not set" points at the object's closing ``}`` (``{}`` gives
  "line 1, column 2" in the quoted bodies).

Columns are 1-based. Like Jackson's default (``FAIL_ON_TRAILING_TOKENS`` off), text after
the first complete value is ignored, and a UTF-8 byte-order mark is skipped. NaN and
Infinity are rejected, as Jackson rejects non-standard numbers by default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

__all__ = ["JsonSyntaxError", "ParsedJson", "describe_char", "parse_json"]

_WS = re.compile(r"[ \t\n\r]*")
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)
_WORD = re.compile(r"[A-Za-z0-9_$+\-.]+")
_NON_STANDARD = re.compile(r'(?<![\w"])(-?Infinity|NaN)')
_VALID_VALUE = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_MAX_DEPTH = 1000
# Jackson's StreamReadConstraints.getMaxNumberLength(): longer numbers are refused while
# parsing. Python's own limit (4300 digits) would otherwise raise a ValueError: a 500.
_MAX_NUMBER_LENGTH = 1000
_LONG_NUMBER = re.compile(r"-?\d[\d.eE+-]{" + str(_MAX_NUMBER_LENGTH) + ",}")


class JsonSyntaxError(Exception):
    """The body is not JSON; ``message`` is HubSpot's ``Invalid input JSON …`` sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _NonStandardNumber(Exception):
    pass


class _NumberTooLong(Exception):
    pass


def _reject_constant(name: str) -> object:
    raise _NonStandardNumber(name)


def _bounded_int(text: str) -> int:
    if len(text) > _MAX_NUMBER_LENGTH:
        raise _NumberTooLong(len(text))
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > _MAX_NUMBER_LENGTH:
        raise _NumberTooLong(len(text))
    return float(text)


_DECODER = json.JSONDecoder(
    parse_constant=_reject_constant, parse_int=_bounded_int, parse_float=_bounded_float
)
_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19
_NOT_DECODED = object()


def _decoded_fast(body: bytes) -> object:
    """``body`` decoded by orjson when that gives what ``_DECODER`` gives, else a marker.

    orjson agrees with the standard library on a valid document of bounded depth whose
    integers fit 64 bits (last duplicate key wins, in the first one's place; floats
    correctly rounded). Everything else goes the standard library's way, which knows
    Jackson's rules and positions: text after the value, NaN and Infinity, a byte-order
    mark, runs of 19 digits or more (orjson reads a big integer as a float, and the
    length limit needs a long run; found by a byte translation and a substring search,
    as a regular expression took longer than decoding), and every syntax error.
    """
    if _NINETEEN_DIGITS in body.translate(_DIGITS_AS_ZEROS):
        return _NOT_DECODED
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _NOT_DECODED


def describe_char(char: str) -> str:
    """A character as Jackson's messages show it: ``'%' (code 37)``."""
    code = ord(char)
    if code < 32 or code == 127:
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{char}' (code {code} / 0x{code:x})"
    return f"'{char}' (code {code})"


@dataclass(frozen=True, slots=True)
class ParsedJson:
    """A decoded body and its text, kept to locate values when reporting errors."""

    text: str
    value: object

    def line_column(self, index: int) -> tuple[int, int]:
        """1-based line and column of character ``index``."""
        return _line_column(self.text, index)

    def at(self, index: int, reason: str, *, separator: str = ": ") -> str:
        """``Invalid input JSON on line L, column C<separator><reason>``."""
        line, column = self.line_column(index)
        return f"Invalid input JSON on line {line}, column {column}{separator}{reason}"

    def start_of(self, path: Sequence[str | int]) -> int:
        """Index of the first character of the value at ``path`` (keys and list indexes)."""
        index = _skip(self.text, 0)
        for step in path:
            index = (
                _member(self.text, index, step)
                if isinstance(step, str)
                else _element(self.text, index, step)
            )
        return index

    def closing_of(self, path: Sequence[str | int]) -> int:
        """Index of the closing bracket of the object or array at ``path``."""
        start = self.start_of(path)
        return _DECODER.raw_decode(self.text, start)[1] - 1


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _skip(text: str, index: int) -> int:
    match = _WS.match(text, index)
    return index if match is None else match.end()


def _member(text: str, index: int, key: str) -> int:
    """Start of the value of ``key`` in the object at ``index``; the last one if repeated,
    as ``json`` keeps the last."""
    found = -1
    index = _skip(text, index + 1)
    while text[index] == '"':
        name, index = _DECODER.raw_decode(text, index)
        index = _skip(text, _skip(text, index) + 1)
        if name == key:
            found = index
        index = _skip(text, _DECODER.raw_decode(text, index)[1])
        if text[index] != ",":
            break
        index = _skip(text, index + 1)
    if found < 0:
        raise KeyError(key)
    return found


def _element(text: str, index: int, position: int) -> int:
    index = _skip(text, index + 1)
    for _ in range(position):
        index = _skip(text, _DECODER.raw_decode(text, index)[1])
        index = _skip(text, index + 1)
    return index


def _innermost_container(text: str, end: int) -> str | None:
    stack: list[str] = []
    for match in _STRUCTURE.finditer(text, 0, end):
        token = match.group()
        if token in ("{", "["):
            stack.append("Object" if token == "{" else "Array")
        elif token in ("}", "]") and stack:
            stack.pop()
    return stack[-1] if stack else None


def _too_deep(text: str, start: int) -> bool:
    # No document nests deeper than it has brackets: the usual body is decided by two
    # counts in C instead of a Python loop over every string and bracket (half of a hot
    # 100-input read's time).
    if text.count("{", start) + text.count("[", start) <= _MAX_DEPTH:
        return False
    depth = 0
    for match in _STRUCTURE.finditer(text, start):
        token = match.group()
        if token in ("{", "["):
            depth += 1
            if depth > _MAX_DEPTH:
                return True
        elif token in ("}", "]"):
            depth -= 1
            if depth <= 0:
                return False
    return False


def _syntax_reason(text: str, error: json.JSONDecodeError) -> tuple[int, str]:
    """Where Jackson would say the error is, and its reason, for Python's ``error``."""
    pos, msg = error.pos, error.msg
    if msg.startswith("Illegal trailing comma"):
        # Python 3.13 names the comma; Jackson stops at the closing character after it,
        # as older Pythons do ("Expecting property name" / "Expecting value").
        closing = _skip(text, pos + 1)
        if closing < len(text):
            pos = closing
            msg = "Expecting property name" if text[closing] == "}" else "Expecting value"
    if msg.startswith("Unterminated string"):
        return len(text), "Unexpected end-of-input: was expecting closing quote for a string value"
    if pos >= len(text):
        container = _innermost_container(text, len(text))
        if container is None:
            return len(text), "Unexpected end-of-input"
        return len(text), f"Unexpected end-of-input: expected close marker for {container}"
    char = text[pos]
    described = describe_char(char)
    if msg == "Expecting value":
        word = _WORD.match(text, pos)
        if char.isalpha() and word is not None:
            return word.end(), f"Unrecognized token '{word.group()}': was expecting {_VALID_VALUE}"
        return pos + 1, f"Unexpected character ({described}): expected a valid value {_VALID_VALUE}"
    if msg == "Expecting ',' delimiter":
        container = _innermost_container(text, pos) or "Object"
        return pos + 1, (
            f"Unexpected character ({described}): was expecting comma to separate "
            f"{container} entries"
        )
    if msg.startswith("Expecting property name"):
        return pos + 1, (
            f"Unexpected character ({described}): was expecting double-quote to start field name"
        )
    if msg == "Expecting ':' delimiter":
        return pos + 1, (
            f"Unexpected character ({described}): was expecting a colon to separate field "
            "name and value"
        )
    if msg.startswith("Invalid control character"):
        return pos + 1, (
            f"Illegal unquoted character ({described}): has to be escaped using backslash "
            "to be included in string value"
        )
    if msg.startswith(("Invalid \\escape", "Invalid \\u")):
        escaped = text[pos + 1] if pos + 1 < len(text) else "\\"
        return pos + 2, f"Unrecognized character escape {describe_char(escaped)}"
    return pos + 1, msg


def parse_json(body: bytes) -> ParsedJson:
    """Decode ``body`` as Jackson would; raise ``JsonSyntaxError`` with HubSpot's message."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        head = body[: error.start].decode("utf-8", errors="replace")
        line, column = _line_column(head, len(head))
        bad = body[error.start]
        kind = "start" if bad < 0xC2 or bad > 0xF4 else "middle"
        shown = body[error.start + 1] if kind == "middle" and error.start + 1 < len(body) else bad
        raise JsonSyntaxError(
            f"Invalid input JSON on line {line}, column {column + 1}: "
            f"Invalid UTF-8 {kind} byte 0x{shown:x}"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    # Only the error paths below need a ``ParsedJson`` to place their message: the usual
    # body builds just the one it returns.
    start = _skip(text, 0)
    if start == len(text):
        raise JsonSyntaxError(
            ParsedJson(text, None).at(start, "No content to map due to end-of-input")
        )
    try:
        # Jackson's nesting limit, counted rather than left to Python's recursion limit,
        # which Python 3.13 no longer reaches at this depth.
        if _too_deep(text, start):
            raise RecursionError
        value = _decoded_fast(body)
        if value is _NOT_DECODED:
            value, _end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as error:
        index, reason = _syntax_reason(text, error)
        raise JsonSyntaxError(ParsedJson(text, None).at(index, reason)) from None
    except _NonStandardNumber as error:
        match = _NON_STANDARD.search(text)
        index = match.end() if match is not None else start
        raise JsonSyntaxError(
            ParsedJson(text, None).at(
                index,
                f"Non-standard token '{error.args[0]}': enable "
                "`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow",
            )
        ) from None
    except _NumberTooLong as error:
        match = _LONG_NUMBER.search(text)
        index = match.start() if match is not None else start
        raise JsonSyntaxError(
            ParsedJson(text, None).at(
                index,
                f"Number value length ({error.args[0]}) exceeds the maximum allowed "
                f"({_MAX_NUMBER_LENGTH}, from `StreamReadConstraints.getMaxNumberLength()`)",
            )
        ) from None
    except RecursionError:
        # Python's recursion limit stands in for Jackson's nesting limit: both refuse
        # documents nested about a thousand deep.
        raise JsonSyntaxError(
            ParsedJson(text, None).at(
                start,
                f"Document nesting depth exceeds the maximum allowed ({_MAX_DEPTH}, from "
                "`StreamReadConstraints.getMaxNestingDepth()`)",
            )
        ) from None
    return ParsedJson(text, value)
