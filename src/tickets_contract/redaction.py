"""The one secret detector: every configured token, in every encoding a server might echo.

The design rule: "Secrets never reach a cassette, a report or a log: scrubbing fails closed."
An upstream can echo a token raw or encoded, so the detector looks for each secret

* raw, and with any of its characters percent-encoded (``%70``, ``%7A`` or ``%7a``, once
  or twice: ``%2570``), JSON-escaped (``\\u0070``, ``\\/``) or ``+`` for a space, mixed
  freely within one occurrence;
* hex-encoded (either case);
* base64 and base64url, at any of the three byte alignments, so that the token is found
  inside a longer encoded value such as ``base64("Bearer " + token)``.

``DETECTOR`` is the process-wide instance: whatever configures a token (a target, a
recording) registers it there, and every way out of the process (cassettes, discovered
records, reports, diffs, the terminal, error messages, atomic writes) redacts or refuses
through it.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterable, Mapping
from typing import TextIO

__all__ = ["DETECTOR", "REDACTED", "RedactingStream", "SecretDetector"]

REDACTED = "<redacted>"
_MIN_SECRET = 8


def _hex_class(digit: str) -> str:
    return f"[{digit.upper()}{digit.lower()}]" if digit.isalpha() else digit


def _hex_pattern(byte: int) -> str:
    return "".join(_hex_class(d) for d in f"{byte:02x}")


def _char_pattern(char: str) -> str:
    """One character of a secret, raw or escaped in any of the ways a server writes it."""
    encoded = char.encode("utf-8")
    percent = "".join(f"%(?:25)?{_hex_pattern(b)}" for b in encoded)
    options = [re.escape(char), percent]
    # JSON \\uXXXX escapes (a character beyond the BMP is two of them).
    units = char.encode("utf-16-be").hex()
    options.append(
        "".join(
            r"\\u" + "".join(_hex_class(d) for d in units[i : i + 4])
            for i in range(0, len(units), 4)
        )
    )
    short = json.dumps(char)[1:-1]  # JSON's own escapes: \\" \\\\ \\n ...
    if short != char and not short.startswith("\\u"):
        options.append(re.escape(short))
    if char == "/":
        options.append(r"\\/")
    if char == " ":
        options.append(r"\+")
    return "(?:" + "|".join(options) + ")"


def _base64_forms(secret: bytes) -> list[str]:
    """The part of the base64 and base64url text that ``secret`` alone determines, at each
    of the three alignments it can have inside a longer encoded value."""
    forms: list[str] = []
    for shift in range(3):
        total = shift + len(secret)
        encoded = base64.b64encode(b"\0" * shift + secret).decode("ascii")
        stable = encoded[(4 * shift + 2) // 3 : (8 * total) // 6]
        forms += [stable, stable.replace("+", "-").replace("/", "_")]
    return [form for form in forms if len(form) >= _MIN_SECRET]


def _pattern(secret: str) -> re.Pattern[str]:
    raw = secret.encode("utf-8")
    options = [
        "".join(_char_pattern(c) for c in secret),
        "".join(_hex_pattern(b) for b in raw),
        *(re.escape(form) for form in sorted(set(_base64_forms(raw)), key=len, reverse=True)),
    ]
    return re.compile("|".join(f"(?:{o})" for o in options))


class SecretDetector:
    """Finds and redacts registered secrets, each known by a role (``access``, ...)."""

    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._patterns: dict[str, tuple[str, re.Pattern[str]]] = {}
        for role, value in (secrets or {}).items():
            self.add(role, value)

    def add(self, role: str, secret: str) -> None:
        """Know ``secret`` from now on (values shorter than 8 characters are ignored: they
        would match ordinary text; the scrubber refuses such tokens itself)."""
        if len(secret) < _MIN_SECRET:
            return
        with self._lock:
            if secret not in self._patterns:
                self._patterns[secret] = (role, _pattern(secret))

    def add_all(self, secrets: Iterable[tuple[str, str]]) -> None:
        for role, secret in secrets:
            self.add(role, secret)

    def find(self, text: str) -> str | None:
        """The role of a secret ``text`` holds in any known encoding, or ``None``."""
        for role, pattern in list(self._patterns.values()):
            if pattern.search(text):
                return role
        return None

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of every secret, in any encoding, replaced."""
        for _role, pattern in list(self._patterns.values()):
            text = pattern.sub(REDACTED, text)
        return text

    def __bool__(self) -> bool:
        return bool(self._patterns)


DETECTOR = SecretDetector()
"""The process-wide detector every output goes through."""


class RedactingStream:
    """A text stream that redacts ``DETECTOR``'s secrets from everything written to it."""

    def __init__(self, inner: TextIO, detector: SecretDetector = DETECTOR) -> None:
        self._inner = inner
        self._detector = detector

    def write(self, text: str) -> int:
        self._inner.write(self._detector.redact(text) if self._detector else text)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)
