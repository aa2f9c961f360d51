"""Time: the injected clock and HubSpot's way of writing an instant.

HubSpot's Java services print instants with ``java.time.Instant.toString()``: UTC with a
``Z``, milliseconds when there are any, and *no* fraction when the milliseconds are zero.
S21: "Trailing zero milliseconds can be dropped: ``"startedAt":
"2025-02-18T09:12:17Z"`` next to ``"completedAt": "2025-02-18T09:12:17.006Z"``" (S21,
quirk 18). The twin keeps that quirk so that clients and judges meet it here first.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = [
    "EPOCH",
    "Clock",
    "format_instant",
    "format_millis",
    "millis_clock",
    "system_clock",
    "to_utc_millis",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Clock = Callable[[], datetime]
"""Returns "now". Aware datetimes are converted to UTC; naive ones are taken as UTC."""


def system_clock() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def to_utc_millis(moment: datetime) -> datetime:
    """``moment`` in UTC, truncated to whole milliseconds (HubSpot stores epoch millis)."""
    if moment.tzinfo is not UTC:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    extra = moment.microsecond % 1000
    return moment.replace(microsecond=moment.microsecond - extra) if extra else moment


def _system_millis() -> datetime:
    """``to_utc_millis(system_clock())``, from the integer clock.

    The same instant, truncated the same way (``datetime.now`` floors to the microsecond,
    this to the millisecond, both of ``CLOCK_REALTIME``), in integer arithmetic: 0.3 us
    where ``datetime.replace`` alone took 1.3 us, paid twice per answer.
    """
    return EPOCH + _MILLISECOND * (time.time_ns() // 1_000_000)


def millis_clock(clock: Clock) -> Clock:
    """A clock giving ``to_utc_millis(clock())``: UTC, whole milliseconds."""
    if clock is system_clock:
        return _system_millis
    return lambda: to_utc_millis(clock())


def format_instant(moment: datetime) -> str:
    """``moment`` as ``Instant.toString()`` writes it: ``2024-08-15T17:09:13.648Z``.

    The fraction is omitted when the milliseconds are zero (quirk 18, S21).
    """
    global _last_second, _last_instant
    # An answer writes "now" twice (startedAt, completedAt), and answers come many to a
    # millisecond under load: the last UTC instant's text is kept (one tuple, so threads
    # see it whole). Only UTC ones: two datetimes of one other zone compare equal by
    # their wall time whatever their fold, which can name two instants.
    if moment.tzinfo is UTC:
        last = _last_instant
        if last[0] == moment:
            return last[1]
        text = _format_instant(moment)
        _last_instant = (moment, text)
        return text
    return _format_instant(moment)


def _format_instant(moment: datetime) -> str:
    global _last_second
    if moment.tzinfo is not UTC:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    since_epoch = (moment - EPOCH) // _MILLISECOND
    if since_epoch >= 0:
        # Every answer writes "now" once or twice, mostly within one second of the last
        # answer: the text up to the second is kept (one tuple, so threads see it whole)
        # and only the fraction looked up. isoformat(timespec=...) took ~2.4 us.
        second, fraction = divmod(since_epoch, 1000)
        kept = _last_second
        if kept[0] != second:
            kept = _last_second = (second, format_millis(second * 1000)[:19])
        return kept[1] + _FRACTIONS[fraction]
    # "YYYY-MM-DDTHH:MM:SS.mmm+00:00" in C; isoformat truncates to the millisecond, as
    # HubSpot's epoch millis do.
    text = moment.isoformat(timespec="milliseconds")
    digits = text[20:23]
    return f"{text[:19]}Z" if digits == "000" else f"{text[:19]}.{digits}Z"


_MILLISECOND = timedelta(milliseconds=1)
_last_second: tuple[int, str] = (-1, "")
"""``(epoch second, its text up to the seconds)``: the last second ``format_instant`` wrote."""
_last_instant: tuple[datetime, str] = (EPOCH, "1970-01-01T00:00:00Z")
"""The last instant ``format_instant`` wrote, and its text."""
_DAY_MILLIS = 86_400_000
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(60))
_FRACTIONS = ("Z", *(f".{n:03d}Z" for n in range(1, 1000)))
"""``Z`` for zero milliseconds (no fraction, quirk 18), else ``.mmmZ``."""


@functools.lru_cache(maxsize=4096)
def _date_text(day: int) -> str:
    """``2024-08-15T`` for day ``day`` since 1970-01-01 (a twin's timeline spans ~1,800)."""
    return time.strftime("%Y-%m-%dT", time.gmtime(day * 86_400))


def format_millis(millis: int) -> str:
    """Epoch milliseconds ``millis`` (1970 or later) as ``format_instant`` writes them.

    From integers and small tables (the date part cached by day): a cold read formats
    several timestamps per ticket, and ``time.strftime`` made that a tenth of its cost.
    """
    day, rest = divmod(millis, _DAY_MILLIS)
    seconds, fraction = divmod(rest, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    two = _TWO_DIGITS
    return f"{_date_text(day)}{two[hour]}:{two[minute]}:{two[second]}{_FRACTIONS[fraction]}"
