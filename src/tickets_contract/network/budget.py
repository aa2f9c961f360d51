"""The rate budget: how fast requests may leave for one host, across processes.

HubSpot limits a private app to 100 requests per rolling 10 s (S18; S3). A run on
pytest-xdist has one process per worker; they share one budget through a small state
file guarded by ``flock``, so that N workers together stay under the limit.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tickets_contract.errors import ConfigError

__all__ = ["DEFAULT_RATE_LIMIT", "RateBudget", "RateLimit", "budget_path"]

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|m|h)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimit:
    """At most ``requests`` per ``seconds``."""

    requests: int
    seconds: float

    @classmethod
    def parse(cls, text: str, *, source: str = "rate_limit") -> RateLimit:
        match = _RATE.match(text)
        if not match or int(match.group(1)) < 1:
            raise ConfigError(
                source=source,
                where="rate_limit",
                problem=f"expected N/<window> such as 90/10s or 5/s, got {text!r}",
                fix="write requests per window: 90/10s (HubSpot's private-app burst is 100/10s)",
            )
        count = int(match.group(2) or 1)
        return cls(requests=int(match.group(1)), seconds=count * _UNIT_SECONDS[match.group(3)])


# HubSpot answers X-HubSpot-RateLimit-Max 100 over Interval-Milliseconds 10000 (S18);
# stay under it with a margin for the portal's other clients.
DEFAULT_RATE_LIMIT = RateLimit(requests=80, seconds=10)


def budget_path(base_url: str) -> Path:
    """One state file per server (scheme, host and port) and user, shared by every
    process of every run against it."""
    parts = urlsplit(base_url)
    server = f"{parts.scheme}://{parts.hostname}:{parts.port or ''}"
    digest = hashlib.sha256(f"{server}:{os.getuid()}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"tickets-contract-budget-{digest}.json"


class RateBudget:
    """A sliding window of send times, shared through a locked file."""

    def __init__(
        self,
        limit: RateLimit,
        path: Path,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self._path = path
        self._clock = clock
        self._sleep = sleep

    def acquire(self) -> float:
        """Block until a request may be sent; return the seconds waited."""
        waited = 0.0
        while True:
            wait = self._try_take()
            if wait <= 0:
                return waited
            self._sleep(wait)
            waited += wait

    def _try_take(self) -> float:
        with open(self._path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                text = handle.read()
                try:
                    stamps = [float(t) for t in json.loads(text)] if text else []
                except (ValueError, TypeError):
                    stamps = []  # a damaged state file only costs the window's memory
                now = self._clock()
                stamps = [t for t in stamps if t > now - self.limit.seconds]
                if len(stamps) >= self.limit.requests:
                    return min(stamps) + self.limit.seconds - now
                stamps.append(now)
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(stamps))
                return 0.0
            finally:
                # Flush while still holding the lock: closing the file flushes only
                # after the unlock, and another process would read the old window.
                handle.flush()
                fcntl.flock(handle, fcntl.LOCK_UN)
