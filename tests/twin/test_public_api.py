"""The twin's public surface is declared once, sorted, and every module says what it exports."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import tickets_contract.twin as twin_package
import tickets_contract.twin.twin as twin_module

PROMISED = {
    "TwinConfig",
    "TicketStore",
    "Ticket",
    "Twin",
    "TwinRequest",
    "TwinResponse",
    "create_app",
    "serve_in_thread",
    "run_server",
    "DEMO_TOKEN",
    "EXPIRED_TOKEN",
    "NO_SCOPE_TOKEN",
    "UNIQUE_PROPERTY",
}


def test_package_exports_are_sorted_and_importable() -> None:
    exported = twin_package.__all__
    assert exported == sorted(exported, key=lambda name: (not name.isupper(), name))
    assert PROMISED <= set(exported)
    for name in exported:
        assert getattr(twin_package, name) is not None


def test_every_module_declares_all() -> None:
    for info in pkgutil.iter_modules(twin_package.__path__):
        module = importlib.import_module(f"{twin_package.__name__}.{info.name}")
        declared = getattr(module, "__all__", None)
        assert declared is not None, f"{info.name} has no __all__"
        for name in declared:
            assert hasattr(module, name), f"{info.name}.__all__ names missing {name}"


def test_the_documented_example_runs() -> None:
    result = doctest.testmod(twin_module)
    assert result.attempted > 0
    assert result.failed == 0
