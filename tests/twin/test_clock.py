"""Instants as HubSpot writes them, from epoch milliseconds as from datetimes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from tickets_contract.twin.clock import EPOCH, format_instant, format_millis

_YEAR_9999 = (EPOCH.replace(year=9999, month=12, day=31) - EPOCH) // timedelta(milliseconds=1)


@given(st.integers(min_value=0, max_value=_YEAR_9999))
def test_epoch_millis_are_written_as_the_instant_they_name(millis: int) -> None:
    assert format_millis(millis) == format_instant(EPOCH + timedelta(milliseconds=millis))


def test_zero_milliseconds_drop_the_fraction_others_keep_three_digits() -> None:
    # Quirk 18 (S21): "2025-02-18T09:12:17Z" next to "2025-02-18T09:12:17.006Z".
    second = 1_739_869_937_000
    assert format_millis(second) == "2025-02-18T09:12:17Z"
    assert format_millis(second + 6) == "2025-02-18T09:12:17.006Z"
    assert format_millis(second + 999) == "2025-02-18T09:12:17.999Z"
    assert format_millis(0) == "1970-01-01T00:00:00Z"
    assert format_millis(86_400_000 - 1) == "1970-01-01T23:59:59.999Z"


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).flatmap(
        lambda d: st.sampled_from(
            [d, d.replace(tzinfo=UTC), d.replace(tzinfo=timezone(timedelta(hours=-7)))]
        )
    )
)
def test_an_instant_is_written_field_by_field(moment: datetime) -> None:
    # Instant.toString(): UTC, four-digit year, milliseconds truncated, none when zero.
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    fields = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    millis = utc.microsecond // 1000
    assert format_instant(moment) == (f"{fields}.{millis:03d}Z" if millis else f"{fields}Z")


def test_correlation_ids_are_version_7_uuids_of_their_moment() -> None:
    from tickets_contract.twin.correlation import uuid7

    moment = datetime(2026, 4, 23, 10, 0, 0, 123000, tzinfo=UTC)
    ids = {uuid7(moment) for _ in range(200)}
    assert len(ids) == 200
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert parsed.int >> 80 == 1_776_938_400_123
