"""The report: what a run found, per check and per quirk, for a person to read."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

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
    deviations: list[Deviation] = field(default_factory=list)
    _seen: set[tuple[str, str, tuple[str, ...]]] = field(default_factory=set)

    def add(self, deviations: list[Deviation]) -> None:
        for deviation in deviations:
            key = (deviation.check, deviation.title, deviation.quirks)
            if key not in self._seen:
                self._seen.add(key)
                self.deviations.append(deviation)

    @property
    def regressions(self) -> list[Deviation]:
        return [d for d in self.deviations if d.is_regression]

    @property
    def failed(self) -> bool:
        return bool(self.deviations)

    def render(self) -> str:
        lines = [
            f"tickets-contract: {self.exchanges} exchanges judged against the "
            f"{self.kind.value} contract"
        ]
        if not self.deviations:
            lines.append("  no deviation")
            return "\n".join(lines)
        by_quirk: dict[str, list[Deviation]] = defaultdict(list)
        for deviation in self.deviations:
            for quirk in deviation.quirks:
                by_quirk[quirk].append(deviation)
        if by_quirk:
            lines.append("  deviations explained by the quirks ledger (known quirks):")
            for quirk_id in self.ledger.ids:
                if quirk_id in by_quirk:
                    checks = Counter(d.check for d in by_quirk[quirk_id])
                    listed = ", ".join(sorted(checks))
                    title = self.ledger[quirk_id].title
                    lines.append(f"    {quirk_id:<34} {listed:<40} {title}")
        if self.regressions:
            lines.append("  deviations no quirk explains (regressions):")
            for deviation in self.regressions:
                detail = deviation.message.strip().splitlines()
                lines.append(f"    {deviation.check}: {deviation.title}")
                lines.extend(f"      {line}" for line in detail[:6])
        return "\n".join(lines)
