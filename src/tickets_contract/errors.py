"""Errors raised by tickets-contract.

Every error a user can cause names the file, the place inside it, what was wrong and
how to fix it. The CLI prints ``str(error)`` and exits non-zero; it never shows a
traceback for these.

    ContractError            root; never raised itself
    ├── InputError           something a user wrote is malformed
    │   ├── SpecError        the OpenAPI fragment (specs/*.openapi.yaml)
    │   ├── LedgerError      the quirks ledger (specs/quirks.yaml)
    │   ├── ConfigError      configuration or command-line values
    │   │   └── UsageError   a command-line value (exit 2, a usage error)
    │   └── CassetteError    a recorded cassette
    ├── UnreachableError     a target or a spec URL did not answer (refused, DNS, timeout,
    │                        HTTP status of a spec fetch)
    └── SafetyError          a request was refused before it was sent (host, method, secret)
"""

from __future__ import annotations

__all__ = [
    "CassetteError",
    "ConfigError",
    "ContractError",
    "InputError",
    "LedgerError",
    "SafetyError",
    "SpecError",
    "UnreachableError",
    "UsageError",
]


class ContractError(Exception):
    """Root of every error this package raises on purpose."""

    def __new__(cls, *args: object, **kwargs: object) -> ContractError:
        if cls is ContractError or cls is InputError:
            raise TypeError(f"{cls.__name__} is abstract: raise one of its subclasses")
        return super().__new__(cls)


class InputError(ContractError):
    """A file or value a user wrote is malformed.

    ``source`` is the file (or option) at fault, ``where`` the place inside it (a JSON
    pointer, an entry id, a line), ``problem`` what is wrong including what was received,
    and ``fix`` what to do about it.
    """

    def __init__(self, *, source: str, where: str, problem: str, fix: str) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        place = f"{self.source}: {self.where}" if self.where else self.source
        return f"{place}: {self.problem}\n  fix: {self.fix}"


class SpecError(InputError):
    """The OpenAPI fragment cannot be loaded or is not a valid OpenAPI 3.0 document."""


class LedgerError(InputError):
    """The quirks ledger cannot be loaded, is malformed, or its overlays do not apply."""


class ConfigError(InputError):
    """A configuration file, environment variable or command-line value is wrong."""


class UsageError(ConfigError):
    """A command-line value is wrong (``source`` names the option): a usage error."""


class CassetteError(InputError):
    """A cassette file cannot be loaded or fails validation."""


class SafetyError(ContractError):
    """A request was refused before anything was sent, to protect a token or a portal."""


class UnreachableError(ContractError):
    """A target or a spec given by URL could not be reached: nothing wrong with the
    user's files (connection refused, DNS, timeout, or an HTTP error fetching a spec).

    One line: the URL (without credentials or query), what happened, what to do.
    """

    def __init__(self, *, source: str, problem: str, fix: str) -> None:
        self.source = source
        self.problem = problem
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.source}: {self.problem}; {self.fix}"
