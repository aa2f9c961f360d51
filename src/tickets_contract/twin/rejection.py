"""A refused request: HubSpot's error body, raised inside the core and rendered once.

S4, the general shape: ``{"status":"error","message":"…","correlationId":"…",
"category":"VALIDATION_ERROR", …}`` with optional ``context``, ``errors`` and ``links``.
Keys are written in the order real bodies show them (``status``, ``message``,
``correlationId``, ``context``, ``errors``, ``links``, ``category``: the 401, 403 and
"Duplicate IDs" bodies: search ids 70842775699, U6, S5, U3). The spec's ``Error`` schema has no
``status`` (quirk 15); real bodies have it, so the twin does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Problem", "Rejected"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """What is wrong with a request, as HubSpot would say it.

    ``category`` ``None`` leaves the key out (search ids 32308135614, 2470280899: some
    malformed-JSON 400s have none). ``headers`` are added to the response (``Allow`` on a 405).
    """

    status: int
    category: str | None
    message: str
    context: Mapping[str, Sequence[str]] | None = None
    errors: tuple[Mapping[str, object], ...] = ()
    links: Mapping[str, str] | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())

    def body(self, correlation_id: str) -> dict[str, object]:
        """The JSON body, ``correlationId`` included."""
        body: dict[str, object] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
        }
        if self.context is not None:
            body["context"] = {key: list(values) for key, values in self.context.items()}
        if self.errors:
            body["errors"] = [dict(error) for error in self.errors]
        if self.links is not None:
            body["links"] = dict(self.links)
        if self.category is not None:
            body["category"] = self.category
        return body


class Rejected(Exception):
    """Raised inside the core to answer with ``problem`` instead of going on."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.status} {problem.category}: {problem.message}")
        self.problem = problem
