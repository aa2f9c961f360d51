"""Seeded hashing: every pseudo-random choice the twin makes is a pure function of a seed.

The store generates ticket *i* on demand from ``(seed, i)`` instead of keeping a million
tickets in memory, and the batch reader orders results by a seeded key. Both need a hash
that is stable across processes and Python versions, which ``hash()`` is not (string
hashing is randomised per process), so this is SplitMix64.
"""

from __future__ import annotations

import functools

__all__ = ["mix64", "mix_on", "seed_state", "unit_interval"]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _splitmix64(state: int) -> int:
    z = (state + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def mix64(*parts: int) -> int:
    """A 64-bit hash of ``parts``; equal inputs give equal outputs in every process."""
    state = 0x243F6A8885A308D3
    for part in parts:
        state = _splitmix64(state ^ (part & _MASK))
    return state


def mix_on(state: int, part: int) -> int:
    """``mix64(*parts, part)`` given ``state == mix64(*parts)``: one round, to share prefixes."""
    z = ((state ^ (part & _MASK)) + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def unit_interval(*parts: int) -> float:
    """``mix64(*parts)`` scaled into [0, 1)."""
    return mix64(*parts) / float(1 << 64)


@functools.lru_cache(maxsize=64)
def seed_state(seed: int) -> int:
    """``mix64(seed)``, kept: hashes of ``(seed, x)`` are then ``mix_on(seed_state(seed), x)``."""
    return mix64(seed)
