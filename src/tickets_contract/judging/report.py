"""The report: what a run found, per check and per quirk, for a person to read.

Verdicts
    PASS                   every rule was evaluated and none found a regression
    FAIL                   a deviation no quirk explains (a regression)
    INCONCLUSIVE           no regression, but some invariant or relation was evaluated on
                           no exchange at all: the run proves nothing about it

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

from tickets_contract.judging.judges import Deviation
from tickets_contract.spec.contract import ContractKind
from tickets_contract.spec.ledger import Ledger

__all__ = ["READ_KINDS", "RULE_NEEDS", "Tally"]

READ_KINDS = (
    "reads",
    "with tickets",
    "two or more",
    "partial misses",
    "archived hits",
    "idProperty hits",
    "history",
)
"""What generated batch reads were counted by: every positive-mode batch read sent
(``reads``), those whose answer carried at least one ticket, two or more, found some
inputs and listed others missing, found archived tickets (``archived=true``), found
tickets by a unique-value ``idProperty``, and carried property history."""

RULE_NEEDS = {
    "inputs_accounted_for": "a batch read with inputs answered 200/207",
    "no_unrequested_results": "an answer carrying tickets",
    "status_matches_errors": "a batch read answered 200/207",
    "num_errors_consistent": "a batch read answered 200/207",
    "archived_consistent": "an answer carrying tickets",
    "properties_within_requested": "an answer carrying tickets",
    "requested_properties_in_every_result": "an answer carrying two or more tickets",
    "history_keys_as_asked": "an answer carrying tickets",
    "history_newest_first": "an answer carrying property history",
    "no_duplicate_results": "an answer carrying two or more tickets",
    "split_and_merge": "a read that returned two or more tickets (within the budget)",
    "permutation_invariance": "a read that returned two or more tickets (within the budget)",
    "repeatable_read": "a read that returned two or more tickets (within the budget)",
    "timestamps_match_properties": "an answer carrying tickets with createdate or "
    "hs_lastmodifieddate",
    "correlation_id_matches_header": "an answer with an X-HubSpot-Correlation-Id header",
    "batch_status_complete": "a batch read answered 200/207",
    "result_ids_are_record_ids": "an answer carrying tickets",
    "timestamps_in_utc": "a batch read answered 200/207",
    "batch_times_ordered": "a batch read answered 200/207 with startedAt and completedAt",
    "not_found_errors_list_ids": "a batch read with a missing input (207)",
    "always_included_properties_returned": "an answer carrying tickets",
    "id_and_unique_property_agree": "tickets with a value of a unique-value property "
    "(none known: discovery found no such property, or pass --unique-property)",
}
"""What each rule needs to be evaluated, for the message of an inconclusive run."""


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
    # Quirk -> probe exchanges that tested it (scenarios whose cassette shows it).
    probe_evaluated: Counter[str] = field(default_factory=Counter)
    # The invariants and relations the run must evaluate at least once.
    rules: set[str] = field(default_factory=set)
    # Rule -> exchanges on which it was evaluated (held or violated).
    evaluated: Counter[str] = field(default_factory=Counter)
    # READ_KINDS -> generated batch reads of that kind.
    reads: Counter[str] = field(default_factory=Counter)
    # From live answers (witness.py): assumed or reported entry -> confirmed | refuted | ...
    settled: dict[str, str] = field(default_factory=dict)
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
        self.probe_evaluated |= other.probe_evaluated
        self.rules |= other.rules
        self.evaluated.update(other.evaluated)
        self.reads.update(other.reads)
        self.settled.update(other.settled)
        self.add(other.deviations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "exchanges": self.exchanges,
            "checks": sorted(self.checks),
            "probe": self.probe,
            "probe_evaluated": dict(self.probe_evaluated),
            "rules": sorted(self.rules),
            "evaluated": dict(self.evaluated),
            "reads": dict(self.reads),
            "settled": self.settled,
            "deviations": [asdict(d) for d in self.deviations],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, ledger: Ledger) -> Tally:
        tally = cls(kind=ContractKind(data["kind"]), ledger=ledger, exchanges=data["exchanges"])
        tally.checks = set(data["checks"])
        tally.probe = dict(data.get("probe", {}))
        tally.probe_evaluated = Counter(data.get("probe_evaluated", {}))
        tally.rules = set(data.get("rules", []))
        tally.evaluated = Counter(data.get("evaluated", {}))
        tally.reads = Counter(data.get("reads", {}))
        tally.settled = dict(data.get("settled", {}))
        tally.add([Deviation(**{**d, "quirks": tuple(d["quirks"])}) for d in data["deviations"]])
        return tally

    @property
    def regressions(self) -> list[Deviation]:
        return [d for d in self.deviations if d.is_regression]

    @property
    def failed(self) -> bool:
        return bool(self.deviations)

    def unevaluated(self) -> list[str]:
        """The rules this run evaluated on no exchange."""
        return sorted(rule for rule in self.rules if not self.evaluated[rule])

    @property
    def inconclusive(self) -> bool:
        """No regression, but a rule went unevaluated: the run proves nothing about it."""
        return not self.regressions and bool(self.unevaluated())

    @property
    def verdict(self) -> str:
        if self.regressions:
            return "FAIL"
        return "INCONCLUSIVE" if self.inconclusive else "PASS"

    def _share(self, kind: str) -> str:
        reads = self.reads["reads"]
        share = f" ({100 * self.reads[kind] / reads:.0f}%)" if reads else ""
        return f"{self.reads[kind]}{share}"

    def render_reads(self) -> str:
        """One line: what the generated batch reads found."""
        return (
            f"batch reads: {self.reads['reads']}; returned tickets {self._share('with tickets')}, "
            f"two or more {self._share('two or more')}; partial misses "
            f"{self.reads['partial misses']}, archived hits {self.reads['archived hits']}, "
            f"idProperty hits {self.reads['idProperty hits']}, with history "
            f"{self.reads['history']}"
        )

    def render_evaluated(self) -> list[str]:
        """Per rule: on how many exchanges it was evaluated."""
        rules = sorted(self.rules, key=lambda rule: (rule not in RULE_NEEDS, rule))
        width = max((len(rule) for rule in rules), default=0)
        return [f"{rule:<{width}} {self.evaluated[rule]}" for rule in rules]

    def render_unevaluated(self) -> list[str]:
        return [
            f"{rule}: needs {RULE_NEEDS.get(rule, 'an exchange it applies to')}"
            for rule in self.unevaluated()
        ]

    def check_statuses(self) -> dict[str, str]:
        names = self.checks | self.rules | {d.check for d in self.deviations}
        statuses = dict.fromkeys(sorted(names), "pass")
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
            tested = ", ".join(f"{q} {n}" for q, n in sorted(self.probe_evaluated.items()))
            lines.append(f"  quirks evaluated on (probe exchanges): {tested or 'none'}")
        if self.rules:
            lines.append(f"  {self.render_reads()}")
            lines.append("  evaluated on (exchanges):")
            lines.extend(f"    {line}" for line in self.render_evaluated())
        if self.inconclusive:
            lines.append("  INCONCLUSIVE: rules this run never evaluated:")
            lines.extend(f"    {line}" for line in self.render_unevaluated())
        lines += self._settled_lines()
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

    def _settled_lines(self) -> list[str]:
        if not self.settled:
            return []
        lines = ["  the target's answers against the ledger's assumed and reported entries:"]
        for word in ("refuted", "confirmed"):
            lines += [
                f"    {quirk:<40} {text}"
                for quirk, text in self.settled.items()
                if text.startswith(word)
            ]
        silent = [q for q, text in self.settled.items() if text == "not witnessed"]
        if silent:
            lines.append(f"    not witnessed: {', '.join(silent)}")
        return lines

    def render_markdown(self, *, preamble: str = "") -> str:
        verdict = self.verdict
        if verdict == "PASS" and self.failed:
            verdict = "deviations"
        lines = [
            "# tickets-contract run",
            "",
            f"**{verdict}**: {self.exchanges} exchanges judged against the "
            f"{self.kind.value} contract; {len(self.regressions)} regression(s), "
            f"{len(self.deviations) - len(self.regressions)} known-quirk deviation(s); "
            f"{self._known_line()}.",
            "",
        ]
        if preamble:
            lines += [preamble, ""]
        if self.rules:
            lines += [self.render_reads() + ".", ""]
        if self.inconclusive:
            lines += ["## Inconclusive: rules never evaluated", ""]
            lines += [f"- {line}" for line in self.render_unevaluated()]
            lines += [""]
        lines += [
            "## Checks",
            "",
            "| check | status | evaluated on |",
            "|---|---|---|",
        ]
        for check, status in self.check_statuses().items():
            count = str(self.evaluated[check]) if check in self.rules else "—"
            if check in self.rules and not self.evaluated[check]:
                status = "not evaluated"
            lines.append(f"| `{check}` | {status} | {count} |")
        if self.kind is ContractKind.PUBLISHED or self.probe:
            lines += [
                "",
                "## Quirks",
                "",
                "| quirk | status | probe exchanges | title |",
                "|---|---|---|---|",
            ]
            for quirk_id, status in self.quirk_statuses().items():
                lines.append(
                    f"| `{quirk_id}` | {status} | {self.probe_evaluated[quirk_id]} | "
                    f"{self.ledger[quirk_id].title} |"
                )
        if self.settled:
            lines += ["", "## Ledger entries the target's answers settle", ""]
            lines += ["| entry | confidence | the target's answer |", "|---|---|---|"]
            for quirk_id, text in self.settled.items():
                confidence = self.ledger[quirk_id].confidence.value
                shown = text.replace("|", "\\|")
                lines.append(f"| `{quirk_id}` | {confidence} | {shown} |")
        if self.regressions:
            lines += ["", "## Regressions", ""]
            for deviation in self.regressions:
                lines += [f"### `{deviation.check}`: {deviation.title}", "", "```"]
                lines += deviation.message.strip().splitlines()[:20]
                lines += ["```", ""]
        return "\n".join(lines).rstrip() + "\n"
