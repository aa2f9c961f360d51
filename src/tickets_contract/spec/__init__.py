"""The contract and its ledger: what the API promises, and where it is known to differ.

    contract     the published fragment and the effective contract derived from the
                 ledger; schemathesis schemas of either
    ledger       the quirks ledger (specs/quirks.yaml): format and validation
    evidence     how strong each entry's evidence is, and its derived confidence
    witness      what one answer confirms or refutes in the ledger
    observed     marking entries observed from live cassettes
    ledger_page  docs/QUIRKS.md, rendered from the ledger

May import: the base modules (errors, files, redaction, records) and the cassette
format (``cassettes.format``). Never a target, the twin or a judge: see
ARCHITECTURE.md.
"""
