"""Judging: target-independent verdicts on exchanges, and the report of a run.

    judges      the checks of one exchange, and attribution of deviations to quirks
    invariants  what every batch-read answer must satisfy
    relations   what several batch reads of one target must agree on
    report      the run's tally: per check and per quirk, what each was evaluated on

May import: the base modules, the cassette format and ``spec``. Never the twin, a
target or the network: the same judges condemn the twin, a cassette or the live API.
"""
