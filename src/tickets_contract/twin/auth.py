"""Who may call: the twin's tokens and HubSpot's 401/403 answers.

Missing or unknown credentials get 401 ``INVALID_AUTHENTICATION``, an expired
OAuth token 401 ``EXPIRED_AUTHENTICATION`` (U6), a token without the ``tickets`` scope
403 ``MISSING_SCOPES`` (S5). Tokens travel as ``Authorization: Bearer <token>`` (S1: "In
practice all of these are sent as ``Authorization: Bearer <token>``", S8, S2). The auth
scheme is matched case-insensitively, as RFC 9110 §11.1 says schemes are; HubSpot's own
handling of ``bearer`` is unverified.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from .clock import format_instant
from .config import TwinConfig
from .rejection import Problem, Rejected

__all__ = [
    "DEMO_TOKEN",
    "EXPIRED_TOKEN",
    "NO_SCOPE_TOKEN",
    "REQUIRED_SCOPES",
    "authenticate",
]

# The twin's tokens are public and open only twins. They deliberately do not match
# HubSpot's private-app pattern (pat-<region>-<uuid>), so that secret scanners do not
# flag them and nobody mistakes them for a real credential.
DEMO_TOKEN = "twin-demo-7715c0de-tickets-scope-not-a-hubspot-token"
"""A token with scope ``tickets``."""
NO_SCOPE_TOKEN = "twin-demo-7715c0de-no-scopes-not-a-hubspot-token"
"""A private-app token that lacks scope ``tickets``: every call is 403 MISSING_SCOPES."""
EXPIRED_TOKEN = "CK7715c0de-twin-expired-oauth-access-token"
"""An OAuth access token that expired ``TwinConfig.expired_token_age_seconds`` ago."""

REQUIRED_SCOPES = ("tickets", "tickets.sensitive.v2", "tickets.highly_sensitive.v2")
"""The scope is ``tickets`` (S1); "the date-versioned specs also list
``tickets.sensitive.v2``, ``tickets.highly_sensitive.v2`` — the exact
``requiredGranularScopes`` list for tickets is NOT verified" (ledger assumption)."""

_NOT_FOUND = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
    "you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
_SCOPES_URL = "https://developers.hubspot.com/scopes"


def _bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def authenticate(headers: Mapping[str, str], now: datetime, config: TwinConfig) -> None:
    """Return if the request may read tickets; raise ``Rejected`` with HubSpot's body if not.

    ``headers`` have lower-case names.
    """
    token = _bearer(headers)
    if token == DEMO_TOKEN or (token is not None and token in config.extra_tokens):
        return
    if token == EXPIRED_TOKEN:
        age = config.expired_token_age_seconds
        # U6: "The OAuth token used to make this call expired 75 second(s) ago."
        # with context {"expire time": ["2022-06-21T10:37:52.040Z"]}.
        raise Rejected(
            Problem(
                status=401,
                category="EXPIRED_AUTHENTICATION",
                message=f"The OAuth token used to make this call expired {age} second(s) ago.",
                context={"expire time": (format_instant(now - timedelta(seconds=age)),)},
            )
        )
    if token == NO_SCOPE_TOKEN:
        # The docs' 403 for deals (S5), with tickets' scopes.
        raise Rejected(
            Problem(
                status=403,
                category="MISSING_SCOPES",
                message=(
                    "This app hasn't been granted all required scopes to make this call. "
                    f"Read more about required scopes here: {_SCOPES_URL}."
                ),
                errors=(
                    {
                        "message": "One or more of the following scopes are required.",
                        "context": {"requiredGranularScopes": list(REQUIRED_SCOPES)},
                    },
                ),
                links={"scopes": _SCOPES_URL},
            )
        )
    # One message for a missing header and for a token HubSpot does not know
    # ("many independent copies", search ids 70842775699, 71335689279).
    raise Rejected(Problem(status=401, category="INVALID_AUTHENTICATION", message=_NOT_FOUND))
