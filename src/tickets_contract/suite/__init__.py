"""The conformance suite, shipped with the package so that ``tickets-contract run`` works
from an installed wheel. The repository's tests/contract/ collects the same test."""
