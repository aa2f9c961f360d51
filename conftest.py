"""Root conftest. The tickets-contract pytest plugin (options, profiles, fixtures) is
loaded through its pytest11 entry point when the package is installed; the self-tests'
shared fixtures live in tests/conftest.py."""
