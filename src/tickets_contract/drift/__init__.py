"""Spec drift: what changed for a client between versions of the batch read's spec.

    sources   read one version (a file or a URL) as HubSpot publishes it, flaws and all
    compare   judge each change of the operation between two versions
    history   walk a series of versions and say when each change happened

The rule behind every classification is in `compare`, and every verdict in its
`JUDGEMENT` table; how a document's faults outside the operation become warnings, and
where the operation is found, in `sources`.
"""

from __future__ import annotations

from tickets_contract.drift.compare import (
    JUDGEMENT,
    OPERATION,
    Category,
    Change,
    ChangeKind,
    Direction,
    Drift,
    Location,
    Verdict,
    When,
    diff_documents,
    render_json,
    render_markdown,
)
from tickets_contract.drift.sources import (
    DEFAULT_TIMEOUT,
    Located,
    Spec,
    SpecWarning,
    load_spec,
    read_spec,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "JUDGEMENT",
    "OPERATION",
    "Category",
    "Change",
    "ChangeKind",
    "Direction",
    "Drift",
    "Located",
    "Location",
    "Spec",
    "SpecWarning",
    "Verdict",
    "When",
    "diff_documents",
    "diff_specs",
    "load_spec",
    "read_spec",
    "render_json",
    "render_markdown",
]


def diff_specs(old: Spec, new: Spec, *, include_docs: bool = False) -> Drift:
    """`diff_documents` of two loaded versions, with their warnings in the report."""
    return diff_documents(
        old.document,
        new.document,
        include_docs=include_docs,
        old_source=old.source,
        new_source=new.source,
        warnings=(*old.warnings, *new.warnings),
    )
