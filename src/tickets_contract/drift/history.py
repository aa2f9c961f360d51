"""A history of the batch read: when each change happened, and whether it broke clients.

Versions come in order, each with a label (its file name, or the ``LABEL=SOURCE`` a user
gave: a date, a commit). Each version is compared with the last one that could be read;
a version whose batch read is invalid or missing is listed as skipped with the error,
and the walk goes on from the version before it, so that one bad file hides no change.
"""

from __future__ import annotations

import glob
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tickets_contract.drift.compare import (
    Drift,
    change_cells,
    diff_documents,
    operation_word,
)
from tickets_contract.drift.sources import (
    DEFAULT_TIMEOUT,
    Spec,
    SpecWarning,
    is_url,
    read_spec,
    show_source,
)
from tickets_contract.errors import ConfigError, SpecError

__all__ = [
    "History",
    "Skipped",
    "Step",
    "Version",
    "expand_versions",
    "render_history_json",
    "render_history_markdown",
    "walk",
]

SPEC_SUFFIXES = (".json", ".yaml", ".yml")
# LABEL=SOURCE: a label has no path separator or colon, so a path or URL is never one.
_LABELLED = re.compile(r"^(?P<label>[^=/\\:]+)=(?P<source>.+)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Version:
    label: str
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """The changes from one readable version to the next."""

    before: str  # label
    after: str  # label
    drift: Drift


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    label: str
    source: str
    problem: str


@dataclass(frozen=True, slots=True, kw_only=True)
class History:
    versions: tuple[Version, ...]
    steps: tuple[Step, ...]  # only the steps with a change
    skipped: tuple[Skipped, ...]
    warnings: tuple[tuple[str, SpecWarning], ...]  # (label, warning)
    first_path: str
    last_path: str

    @property
    def breaking(self) -> int:
        return sum(len(step.drift.breaking) for step in self.steps)

    @property
    def changes(self) -> int:
        return sum(len(step.drift.changes) for step in self.steps)


def expand_versions(arguments: Sequence[str]) -> list[Version]:
    """Each argument is a file, a URL, a directory (its spec files in name order) or a
    glob (its matches in name order), optionally prefixed by ``LABEL=``."""
    versions: list[Version] = []
    for argument in arguments:
        match = _LABELLED.match(argument)
        label, source = (match["label"], match["source"]) if match else (None, argument)
        if is_url(source):
            versions.append(Version(label=label or show_source(source), source=source))
            continue
        if Path(source).is_dir():
            found = sorted(p for p in Path(source).iterdir() if p.suffix.lower() in SPEC_SUFFIXES)
            where = f"directory {source}"
        elif glob.has_magic(source):
            found = sorted(Path(p) for p in glob.glob(source))
            where = f"pattern {source!r}"
        else:
            versions.append(Version(label=label or Path(source).name, source=source))
            continue
        if not found:
            raise ConfigError(
                source="history",
                where=where,
                problem="holds no spec file (.json, .yaml, .yml)",
                fix="pass the files of the versions, oldest first, or a directory of them",
            )
        if label is not None and len(found) > 1:
            raise ConfigError(
                source="history",
                where=argument,
                problem="gives one label to several versions",
                fix="label single files (LABEL=FILE); a directory's files are labelled by name",
            )
        versions += [Version(label=label or p.name, source=str(p)) for p in found]
    return _unique_labels(versions)


def _unique_labels(versions: list[Version]) -> list[Version]:
    # Two files called tickets.json in different folders are told apart by their paths.
    counts: dict[str, int] = {}
    for version in versions:
        counts[version.label] = counts.get(version.label, 0) + 1
    return [
        Version(label=v.source, source=v.source) if counts[v.label] > 1 else v for v in versions
    ]


def walk(
    versions: Iterable[Version],
    *,
    include_docs: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> History:
    """Compare each readable version with the readable one before it.

    Fewer than two readable versions raise the first version's error (or a ConfigError).
    """
    ordered = list(versions)
    steps: list[Step] = []
    skipped: list[Skipped] = []
    warnings: list[tuple[str, SpecWarning]] = []
    first_error: SpecError | None = None
    previous: tuple[str, Spec] | None = None
    first: Spec | None = None
    for version in ordered:
        try:
            spec = read_spec(version.source, timeout=timeout)
        except SpecError as exc:
            first_error = first_error or exc
            skipped.append(
                Skipped(
                    label=version.label, source=show_source(version.source), problem=_one_line(exc)
                )
            )
            continue
        warnings += [(version.label, w) for w in spec.warnings]
        first = first or spec
        if previous is not None:
            label, before = previous
            drift = diff_documents(
                before.document,
                spec.document,
                include_docs=include_docs,
                old_source=before.source,
                new_source=spec.source,
            )
            if drift.changes:
                steps.append(Step(before=label, after=version.label, drift=drift))
        previous = (version.label, spec)
    readable = len(ordered) - len(skipped)
    if readable < 2:
        if first_error is not None:
            raise first_error
        raise ConfigError(
            source="history",
            where=f"{len(ordered)} version(s)",
            problem="needs at least two versions to compare",
            fix="pass the versions oldest first: files, URLs, a directory or a glob",
        )
    assert first is not None
    assert previous is not None
    return History(
        versions=tuple(ordered),
        steps=tuple(steps),
        skipped=tuple(skipped),
        warnings=tuple(warnings),
        first_path=first.located.path,
        last_path=previous[1].located.path,
    )


def _one_line(error: SpecError) -> str:
    return f"{error.where}: {error.problem}" if error.where else error.problem


# --- rendering -------------------------------------------------------------------------


def _summary(history: History) -> str:
    changed = len(history.steps)
    return (
        f"{len(history.versions)} versions, {changed} with a change to the operation: "
        f"{history.changes} changes, {history.breaking} breaking; "
        f"{len(history.skipped)} skipped"
    )


def render_history_markdown(history: History) -> str:
    """One table, oldest first: when (the version that brought it), what, and the verdict."""
    first, last = history.versions[0].label, history.versions[-1].label
    lines = [
        f"# Spec history: {operation_word(history.first_path, history.last_path)}",
        "",
        f"{_code(first)} ... {_code(last)}",
        "",
        f"**{_summary(history)}**",
    ]
    if not history.steps:
        lines += ["", "No change to the operation."]
    else:
        lines += [
            "",
            "## Changes",
            "",
            "| When | Since | | Location | Change | Old -> New | Why |",
            "|---|---|---|---|---|---|---|",
        ]
        for step in history.steps:
            rows = sorted(step.drift.changes, key=lambda c: not c.breaking)
            lines += [
                f"| {_cell(_code(step.after))} | {_cell(_code(step.before))} | {change_cells(c)} |"
                for c in rows
            ]
    if history.skipped:
        lines += [
            "",
            "## Skipped versions",
            "",
            "Compared around: the next version is compared with the one before.",
            "",
            "| Version | Problem |",
            "|---|---|",
        ]
        lines += [f"| {_cell(_code(s.label))} | {_cell(s.problem)} |" for s in history.skipped]
    if history.warnings:
        flawed = len({label for label, _ in history.warnings})
        lines += [
            "",
            "## Warnings",
            "",
            f"{flawed} versions have flaws ({len(history.warnings)} in all): repaired where "
            "the reading is certain, ignored outside the batch read operation; "
            "`--format json` lists them.",
        ]
    return "\n".join(lines) + "\n"


def render_history_json(history: History) -> str:
    report: dict[str, Any] = {
        "operation": operation_word(history.first_path, history.last_path),
        "versions": [{"label": v.label, "source": show_source(v.source)} for v in history.versions],
        "changes": history.changes,
        "breaking": history.breaking,
        "steps": [
            {
                "when": step.after,
                "since": step.before,
                "breaking": len(step.drift.breaking),
                "non_breaking": len(step.drift.non_breaking),
                "changes": [c.to_json() for c in step.drift.changes],
            }
            for step in history.steps
        ],
        "skipped": [
            {"label": s.label, "source": s.source, "problem": s.problem} for s in history.skipped
        ],
        "warnings": [{"version": label, **w.to_json()} for label, w in history.warnings],
    }
    return json.dumps(report, indent=2) + "\n"


def _code(text: str) -> str:
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
