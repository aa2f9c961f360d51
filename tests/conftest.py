"""Shared fixtures of the self-tests. pytester runs the gate in a scratch directory."""

import importlib

import pytest

from tickets_contract.plugin import _import_package

pytest_plugins = ["pytester"]

# What a gate run imports on first use: schemathesis loads its OpenAPI support,
# transports, engine, reports and rate limiter lazily, uvicorn its event loop and HTTP
# protocol. Imported inside a pytester run, they are forgotten after it (see below) and
# imported again by the next; the inner session, which autoloads schemathesis' plugin,
# also rewrites the asserts of every schemathesis module it imports. That was ~1 s of
# CPU in every in-process gate run. A name that no longer exists costs only that time.
GATE_IMPORTS = (
    "schemathesis.specs.openapi.schemas",
    "schemathesis.specs.openapi.coverage._operation",
    "schemathesis.generation.dictionaries",
    "schemathesis.pytest.lazy",
    "schemathesis.transport.asgi",
    "schemathesis.transport.wsgi",
    "schemathesis.transport.requests",
    "schemathesis.engine.supervisor",
    "schemathesis.reporting.junitxml",
    "schemathesis.reporting.html.writer",
    "pyrate_limiter",
    "uvicorn.loops.auto",
    "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.auto",
    "uvicorn.lifespan.on",
)


def pytest_collection_finish(session: pytest.Session) -> None:
    # The plugin imports the package only when a session uses it. pytester's in-process
    # runs forget every module first imported inside them, and a second run would then
    # mix fresh modules with ones other libraries kept (YAML loaders, caches): import it
    # all before any test runs, and what the gate imports lazily too. After collection,
    # not when this file loads: the xdist controller loads it too, runs no test, and
    # starts the workers only after it.
    _import_package()
    for name in GATE_IMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
