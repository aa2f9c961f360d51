"""Query parameters the twin reads: ``archived`` on both endpoints, paging on the list."""

from __future__ import annotations

from .config import ArchivedParsing
from .messages import TwinRequest
from .rejection import Problem, Rejected

__all__ = ["read_archived", "read_int"]


def _invalid(name: str, value: str, wanted: str) -> Rejected:
    return Rejected(
        Problem(
            status=400,
            category="VALIDATION_ERROR",
            message=f"Invalid value {value!r} for query parameter {name}: expected {wanted}.",
        )
    )


def read_archived(request: TwinRequest, parsing: ArchivedParsing) -> bool:
    """The ``archived`` flag; the first value counts when it is repeated (JAX-RS does so).

    S1: ``archived`` is a boolean, default false, "Whether to return only results
    that have been archived." How HubSpot reads a non-boolean value is unverified, hence
    ``TwinConfig.archived_parsing``: ``"strict"`` accepts ``true``/``false`` in any case
    and refuses the rest with 400; ``"java"`` is ``Boolean.valueOf``.
    """
    if not request.query:  # the usual read: no query at all
        return False
    values = request.query_values("archived")
    if not values:
        return False
    value = values[0]
    if value.lower() == "true":
        return True
    if parsing == "java" or value.lower() == "false":
        return False
    raise _invalid("archived", value, '"true" or "false"')


def read_int(request: TwinRequest, name: str, *, default: int, low: int, high: int) -> int:
    """Integer query parameter ``name`` in ``[low, high]``, or ``default`` when absent."""
    values = request.query_values(name)
    if not values:
        return default
    value = values[0]
    # Compared as text first: int() of more than 4300 digits raises (a 500, not a 400).
    digits = value.lstrip("0") or "0"
    if (
        not (value.isascii() and value.isdigit())
        or len(digits) > len(str(high))
        or not low <= int(digits) <= high
    ):
        raise _invalid(name, value, f"an integer from {low} to {high}")
    return int(digits)
