"""Instants as HubSpot writes them, from epoch milliseconds as from datetimes."""

from __future__ import annotations

from datetime import timedelta

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
