"""Shared fixtures of the self-tests. pytester runs the gate in a scratch directory."""

import pytest

from tickets_contract.plugin import _import_package

pytest_plugins = ["pytester"]


def pytest_collection_finish(session: pytest.Session) -> None:
    # The plugin imports the package only when a session uses it. pytester's in-process
    # runs forget every module first imported inside them, and a second run would then
    # mix fresh modules with ones other libraries kept (YAML loaders, caches): import it
    # all before any test runs. After collection, not when this file loads: the xdist
    # controller loads it too, runs no test, and starts the workers only after it.
    _import_package()
