"""Shared fixtures of the self-tests. pytester runs the gate in a scratch directory."""

pytest_plugins = ["pytester"]
