"""The report: what a run found, per check and per quirk, for a person to read.

Statuses
    pass                   the check never failed
    known quirk            it failed only where a ledger entry explains it (strict runs)
    regression             it failed where nothing explains it: the gate fails
    not exercised          (quirks) the run produced no exchange showing the quirk
    no longer reproduces   (quirks) the corpus scenarios no longer show it (probe.py)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from tickets_contract.contract import ContractKind
from tickets_contract.judges import Deviation
from tickets_contract.ledger import Ledger

__all__ = ["Tally"]


@dataclass(slots=True, kw_only=True)
class Tally:
    """Counts exchanges and keeps one example of every distinct deviation."""

    kind: ContractKind
    ledger: Ledger
    exchanges: int = 0
    checks: set[str] = field(default_factory=set)
    deviations: list[Deviation] = field(default_factory=list)
    # From the quirk probe (probe.py): quirk -> reproduces | no longer reproduces | ...
    probe: dict[str, str] = field(default_factory=dict)
    _seen: set[tuple[str, str, tuple[str, ...]]] = field(default_factory=set)

    def add(self, deviations: list[Deviation]) -> None:
        for deviation in deviations:
            key = (deviation.check, deviation.title, deviation.quirks)
            if key not in self._seen:
                self._seen.add(key)
                self.deviations.append(deviation)

    def merge(self, other: Tally) -> None:
        """Fold in a pytest-xdist worker's tally: the verdicts of a serial run."""
        self.exchanges += other.exchanges
        self.checks |= other.checks
        self.probe.update(other.probe)
        self.add(other.deviations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "exchanges": self.exchanges,
            "checks": sorted(self.checks),
            "probe": self.probe,
            "deviations": [asdict(d) for d in self.deviations],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, ledger: Ledger) -> Tally:
        tally = cls(kind=ContractKind(data["kind"]), ledger=ledger, exchanges=data["exchanges"])
        tally.checks = set(data["checks"])
        tally.probe = dict(data.get("probe", {}))
        tally.add([Deviation(**{**d, "quirks": tuple(d["quirks"])}) for d in data["deviations"]])
        return tally

    @property
    def regressions(self) -> list[Deviation]:
        return [d for d in self.deviations if d.is_regression]

    @property
    def failed(self) -> bool:
        return bool(self.deviations)

    def check_statuses(self) -> dict[str, str]:
        statuses = dict.fromkeys(sorted(self.checks | {d.check for d in self.deviations}), "pass")
        for deviation in self.deviations:
            if deviation.is_regression:
                statuses[deviation.check] = "regression"
            elif statuses[deviation.check] == "pass":
                statuses[deviation.check] = "known quirk"
        return statuses

    def quirk_statuses(self) -> dict[str, str]:
        """Each patched quirk: shown by this run, no longer reproducing, or not exercised.

        "no longer reproduces" comes from the probe only: generated requests miss a quirk
        by chance, the corpus scenarios show it on purpose.
        """
        seen = {quirk for d in self.deviations for quirk in d.quirks}
        statuses = {}
        for quirk in (q.id for q in self.ledger.quirks if q.patch):
            probed = self.probe.get(quirk)
            if probed == "no longer reproduces":
                statuses[quirk] = probed
            elif quirk in seen or probed == "reproduces":
                statuses[quirk] = "known quirk"
            else:
                statuses[quirk] = "not exercised"
        return statuses

    def known_quirks(self) -> list[str]:
        """The quirks this run showed (by a deviation or the probe), in ledger order: the
        one list the terminal and the Markdown summary both count."""
        return [q for q, s in self.quirk_statuses().items() if s == "known quirk"]

    def _known_line(self) -> str:
        return f"{len(self.known_quirks())} known quirk(s) shown"

    def _by_quirk(self) -> dict[str, list[Deviation]]:
        by_quirk: dict[str, list[Deviation]] = defaultdict(list)
        for deviation in self.deviations:
            for quirk in deviation.quirks:
                by_quirk[quirk].append(deviation)
        return by_quirk

    def render(self) -> str:
        lines = [
            f"tickets-contract: {self.exchanges} exchanges judged against the "
            f"{self.kind.value} contract"
        ]
        gone = [q for q, s in self.quirk_statuses().items() if s == "no longer reproduces"]
        if gone:
            lines.append(
                f"  quirks that no longer reproduce (update specs/quirks.yaml): {', '.join(gone)}"
            )
        if self.probe:
            shown = sum(s == "reproduces" for s in self.probe.values())
            lines.append(f"  quirk probe: {shown} of {len(self.probe)} quirks still reproduce")
        by_quirk = self._by_quirk()
        known = self.known_quirks()
        if known:
            lines.append(f"  {self._known_line()} (by the checks named, or by the quirk probe):")
            for quirk_id in known:
                checks = Counter(d.check for d in by_quirk.get(quirk_id, []))
                listed = ", ".join(sorted(checks)) or "(quirk probe)"
                title = self.ledger[quirk_id].title
                lines.append(f"    {quirk_id:<34} {listed:<40} {title}")
        if not self.deviations:
            lines.append("  no deviation")
            return "\n".join(lines)
        if by_quirk:
            silent = [q for q, s in self.quirk_statuses().items() if s == "not exercised"]
            if silent:
                lines.append(f"  quirks this run did not exercise: {', '.join(silent)}")
        if self.regressions:
            lines.append("  deviations no quirk explains (regressions):")
            for deviation in self.regressions:
                detail = deviation.message.strip().splitlines()
                lines.append(f"    {deviation.check}: {deviation.title}")
                lines.extend(f"      {line}" for line in detail[:6])
        return "\n".join(lines)

    def render_markdown(self) -> str:
        verdict = "FAIL" if self.regressions else ("deviations" if self.failed else "PASS")
        lines = [
            "# tickets-contract run",
            "",
            f"**{verdict}**: {self.exchanges} exchanges judged against the "
            f"{self.kind.value} contract; {len(self.regressions)} regression(s), "
            f"{len(self.deviations) - len(self.regressions)} known-quirk deviation(s); "
            f"{self._known_line()}.",
            "",
            "## Checks",
            "",
            "| check | status |",
            "|---|---|",
        ]
        lines += [f"| `{check}` | {status} |" for check, status in self.check_statuses().items()]
        if self.kind is ContractKind.PUBLISHED or self.probe:
            lines += ["", "## Quirks", "", "| quirk | status | title |", "|---|---|---|"]
            for quirk_id, status in self.quirk_statuses().items():
                lines.append(f"| `{quirk_id}` | {status} | {self.ledger[quirk_id].title} |")
        if self.regressions:
            lines += ["", "## Regressions", ""]
            for deviation in self.regressions:
                lines += [f"### `{deviation.check}`: {deviation.title}", "", "```"]
                lines += deviation.message.strip().splitlines()[:20]
                lines += ["```", ""]
        return "\n".join(lines).rstrip() + "\n"
