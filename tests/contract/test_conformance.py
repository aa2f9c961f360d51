"""The conformance suite itself (src/tickets_contract/suite), collected in the default run.

It ships inside the package so that an installed ``tickets-contract run`` has it; this
import makes pytest collect the very same test here.
"""

from tickets_contract.suite.test_conformance import (
    test_batch_read_conforms,
    test_ledger_quirks_still_reproduce,
)

__all__ = ["test_batch_read_conforms", "test_ledger_quirks_still_reproduce"]
