"""Defaults that several layers share, each written once.

Standard library only and importing nothing: the twin, the targets, the recorder and both
command-line surfaces (the pytest plugin, loaded into every pytest session, and
``tickets-contract``) read them.
"""

from __future__ import annotations

__all__ = ["DEFAULT_TWIN_SIZE"]

# Tickets in a twin's generated store unless a setting says otherwise (TwinConfig.size,
# --tc-twin-size, `tickets-contract run --twin-size` and `serve --size`, recordings).
DEFAULT_TWIN_SIZE = 1000
