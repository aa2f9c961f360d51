"""Correlation ids as HubSpot's platform writes them in 2026: time-ordered UUIDv7.

S33: live ``correlationId`` values such as ``019db14a-de02-7b98-…`` are
version 7 UUIDs (RFC 9562 §5.7): 48 bits of Unix milliseconds, the version nibble 7, 74
random bits and the variant ``10``. The twin stamps them with its injected clock, so
ids of later requests sort after earlier ones (quirk correlation-id-uuid7).
"""

from __future__ import annotations

import os
from datetime import datetime

__all__ = ["uuid7"]


def uuid7(moment: datetime) -> str:
    """A version 7 UUID for ``moment`` (an aware or UTC datetime), as text."""
    millis = int(moment.timestamp() * 1000) & ((1 << 48) - 1)
    random_bits = int.from_bytes(os.urandom(10)) >> 6  # 74 bits, as secrets.randbits(74)
    value = (
        (millis << 80)
        | (0x7 << 76)
        | ((random_bits >> 62) << 64)  # 12 bits rand_a
        | (0b10 << 62)
        | (random_bits & ((1 << 62) - 1))  # 62 bits rand_b
    )
    # str(uuid.UUID(int=value)), without building the object (once per request).
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
