"""Scrubbing: no secret reaches a cassette, and a write that would leak one is refused.

The design rule: "Secrets never reach a cassette, a report or a log: scrubbing fails closed."
Three layers, each enough on its own for the usual leaks:

1. Allow-lists. A recorded request keeps only ``content-type`` and a placeholder for
   ``authorization`` naming the credential (``Bearer <access token, redacted>``); a
   response keeps ``content-type``, ``allow``, ``retry-after`` and HubSpot's
   ``X-HubSpot-*`` headers. Cookies, ``Set-Cookie`` and anything unknown are dropped.
   Token-like query parameters (``hapikey``, ``access_token``, ...) are removed.
2. Every occurrence of every secret's value, in any string of the request or response
   (keys too), raw or in any encoding a server might echo (``redaction``: percent-encoded
   in any form, JSON-escaped, hex, base64 and base64url), is replaced by ``<redacted>``.
3. Before a write, the serialized cassette is searched for every secret (in all those
   encodings, in the text and in every parsed string) and for anything shaped like
   a HubSpot token or a bearer credential. A hit refuses the write (``SafetyError``):
   nothing is written, and the message never repeats the secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import httpx
import yaml

from tickets_contract.cassettes.format import SAFE_LOADER, RecordedRequest, RecordedResponse
from tickets_contract.errors import ConfigError, SafetyError
from tickets_contract.redaction import DETECTOR, REDACTED, SecretDetector

__all__ = [
    "KEPT_REQUEST_HEADERS",
    "KEPT_RESPONSE_HEADERS",
    "REDACTED",
    "TOKEN_QUERY_PARAMETERS",
    "Scrubber",
    "authorization_placeholder",
    "credential_role",
]

KEPT_REQUEST_HEADERS = ("content-type",)
KEPT_RESPONSE_HEADERS = ("content-type", "allow", "retry-after")
_KEPT_RESPONSE_PREFIX = "x-hubspot-"
# The published spec's developer key travels as `hapikey` (S1); the others are the
# usual OAuth and API-key spellings. Compared lower-case.
TOKEN_QUERY_PARAMETERS = frozenset(
    {
        "hapikey",
        "access_token",
        "refresh_token",
        "token",
        "api_key",
        "apikey",
        "key",
        "client_secret",
        "code",
    }
)
_MIN_SECRET = 8
_PLACEHOLDER = re.compile(r"^Bearer <(?P<role>[a-z-]+) token, redacted>$")
# Shapes of credentials that must never be written even when their value is unknown:
# HubSpot private-app tokens (pat-<region>-<uuid>), a bearer credential that is not our
# placeholder, and a hapikey with a value
_TOKEN_SHAPES = (
    re.compile(r"pat-[a-z]{2,4}\d*-[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}", re.IGNORECASE),
    # (with a digit, so that prose such as "bearer authentication" in a ticket passes)
    re.compile(r"bearer\s+(?!<)(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
    re.compile(r"hapikey=(?!<)[^&\s'\"]+", re.IGNORECASE),
)


def authorization_placeholder(role: str) -> str:
    """What a cassette shows for the ``authorization`` header of a credential ``role``."""
    return f"Bearer <{role} token, redacted>"


def credential_role(headers: Mapping[str, str]) -> str | None:
    """The credential role a recorded request used, or ``None`` for no credential."""
    value = headers.get("authorization")
    if value is None:
        return None
    match = _PLACEHOLDER.match(value)
    return match.group("role") if match else "unknown"


class Scrubber:
    """Turns exchanges into recorded values without secrets, and checks what is written.

    ``secrets`` maps a credential role (``access``, ``expired``, ``no-scope``) to the
    token's value.
    """

    def __init__(self, secrets: Mapping[str, str]) -> None:
        for role, value in secrets.items():
            if len(value) < _MIN_SECRET:
                raise ConfigError(
                    source="token",
                    where=role,
                    problem=f"the {role} token is shorter than {_MIN_SECRET} characters",
                    fix="pass the real token; one this short would match ordinary text, so "
                    "scrubbing could not tell it apart",
                )
        self._secrets = dict(secrets)
        self._detector = SecretDetector(self._secrets)
        # Whatever else this process prints or writes redacts these tokens too.
        DETECTOR.add_all(self._secrets.items())

    def request(self, request: httpx.Request) -> RecordedRequest:
        """The recorded form of ``request``."""
        headers: dict[str, str] = {}
        for name in KEPT_REQUEST_HEADERS:
            if name in request.headers:
                headers[name] = self._text(request.headers[name])
        authorization = request.headers.get("authorization")
        if authorization is not None:
            headers["authorization"] = self._authorization(authorization)
        query = {
            self._text(name): self._text(value)
            for name, value in request.url.params.multi_items()
            if name.lower() not in TOKEN_QUERY_PARAMETERS
        }
        json_body, text = self._body(request.content)
        return RecordedRequest(
            method=request.method,
            path=self._text(request.url.path),
            query=MappingProxyType(query),
            headers=MappingProxyType(headers),
            json=json_body,
            text=text,
        )

    def response(self, response: httpx.Response) -> RecordedResponse:
        """The recorded form of ``response`` (volatile values are left to ``volatile``)."""
        headers = {
            name.lower(): self._text(value)
            for name, value in response.headers.items()
            if name.lower() in KEPT_RESPONSE_HEADERS
            or name.lower().startswith(_KEPT_RESPONSE_PREFIX)
        }
        json_body, text = self._body(response.content)
        return RecordedResponse(
            status=response.status_code,
            headers=MappingProxyType(headers),
            json=json_body,
            text=text,
        )

    def ensure_clean(self, text: str, *, where: str) -> None:
        """Refuse (``SafetyError``) when ``text`` holds a secret or a token-shaped value."""
        strings = [text, *_strings(_parsed(text))]
        for item in strings:
            role = self._detector.find(item)
            if role is not None:
                raise SafetyError(
                    f"refused to write {where}: the value of the {role} token appears in it "
                    "after scrubbing. Nothing was written. This is a bug in the scrubber or a "
                    "new place the API echoes credentials; report it without the token."
                )
        for shape in _TOKEN_SHAPES:
            for item in strings:
                match = shape.search(item)
                if match:
                    raise SafetyError(
                        f"refused to write {where}: it holds something shaped like a "
                        f"credential ({match.group(0)[:12]}...). Nothing was written. Check "
                        "the response the API sent; if it is not a secret, change the "
                        "scenario so that it is not recorded."
                    )

    def redact(self, value: str) -> str:
        """``value`` with every secret (raw or URL-encoded) replaced by ``<redacted>``."""
        return self._text(value)

    def _authorization(self, value: str) -> str:
        scheme, _, credential = value.partition(" ")
        for role, secret in self._secrets.items():
            if credential.strip() == secret:
                return authorization_placeholder(role)
        # An unknown credential is still a credential: never write it.
        return REDACTED

    def _body(self, content: bytes) -> tuple[Any, str | None]:
        if not content:
            return None, None
        text = self._text(content.decode("utf-8", errors="replace"))
        try:
            return self._scrub(json.loads(text)), None
        except ValueError:
            return None, text

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, list):
            return [self._scrub(item) for item in value]
        if isinstance(value, dict):
            return {self._text(str(k)): self._scrub(v) for k, v in value.items()}
        return value

    def _text(self, value: str) -> str:
        return self._detector.redact(value)


def _parsed(text: str) -> Any:
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError:
        return None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
