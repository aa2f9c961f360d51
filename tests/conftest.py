"""Shared fixtures of the self-tests. pytester runs the gate in a scratch directory."""

from tickets_contract.plugin import _import_package

pytest_plugins = ["pytester"]

# The plugin imports the package only when a session uses it. pytester's in-process runs
# forget every module first imported inside them, and a second run would then mix fresh
# modules with ones other libraries kept (YAML loaders, caches): import it all up front.
_import_package()
