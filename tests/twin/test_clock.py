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


# The fast paths of the per-request clock work, each pinned to the general path it stands
# in for (issue 13, "Wide reads").


@given(st.integers(min_value=0, max_value=_YEAR_9999), st.integers(0, 999))
def test_the_integer_millis_clock_gives_what_truncating_a_datetime_gives(
    millis: int, micros: int
) -> None:
    from tickets_contract.twin.clock import to_utc_millis

    moment = EPOCH + timedelta(milliseconds=millis, microseconds=micros)
    fast = EPOCH + timedelta(milliseconds=1) * millis  # what the system millis clock builds
    assert fast == to_utc_millis(moment)
    assert fast.tzinfo is to_utc_millis(moment).tzinfo is UTC


def test_the_system_millis_clock_reads_the_wall_clock_to_the_millisecond() -> None:
    from tickets_contract.twin.clock import millis_clock, system_clock, to_utc_millis

    clock = millis_clock(system_clock)
    before = to_utc_millis(system_clock())
    now = clock()
    after = to_utc_millis(system_clock())
    assert before <= now <= after
    assert now.tzinfo is UTC
    assert now.microsecond % 1000 == 0
    other = datetime(2026, 4, 23, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert millis_clock(lambda: other)() == to_utc_millis(other)


@given(st.lists(st.integers(min_value=0, max_value=_YEAR_9999 * 1000), min_size=1, max_size=6))
def test_the_kept_last_instant_never_writes_a_stale_text(micros: list[int]) -> None:
    from tickets_contract.twin.clock import _format_instant

    for moment in [EPOCH + timedelta(microseconds=m) for m in micros * 2]:
        assert format_instant(moment) == _format_instant(moment)


def test_two_folds_of_one_wall_time_are_two_instants() -> None:
    # Equal as datetimes of one zone, an hour apart as instants: never served from the
    # kept last instant.
    from zoneinfo import ZoneInfo

    first = datetime(2025, 11, 2, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    second = first.replace(fold=1)
    assert first == second
    assert format_instant(first) == "2025-11-02T05:30:00Z"
    assert format_instant(second) == "2025-11-02T06:30:00Z"
    assert format_instant(first) == "2025-11-02T05:30:00Z"


_UUID7_BYTES = st.binary(min_size=10, max_size=10)


@given(st.integers(min_value=0, max_value=_YEAR_9999), _UUID7_BYTES)
def test_correlation_ids_are_the_bits_of_the_uuid_they_were_built_from(
    millis: int, random: bytes
) -> None:
    # uuid7 writes its groups with one format; the previous code built the 128-bit int and
    # wrote str(uuid.UUID(int=...)). Same moment, same random bytes: same text.
    from unittest import mock

    from tickets_contract.twin import correlation

    moment = EPOCH + timedelta(milliseconds=millis)
    random_bits = int.from_bytes(random) >> 6
    value = (
        ((int(moment.timestamp() * 1000) & ((1 << 48) - 1)) << 80)
        | (0x7 << 76)
        | ((random_bits >> 62) << 64)
        | (0b10 << 62)
        | (random_bits & ((1 << 62) - 1))
    )
    with mock.patch.object(correlation, "_random_10", return_value=random):
        assert correlation.uuid7(moment) == str(uuid.UUID(int=value))


def test_correlation_randomness_is_drawn_in_blocks_and_never_handed_out_twice() -> None:
    from tickets_contract.twin import correlation

    taken = [correlation._random_10() for _ in range(3 * correlation._IDS_PER_DRAW + 7)]
    assert {len(chunk) for chunk in taken} == {10}
    assert len(set(taken)) == len(taken)


def test_a_forked_child_draws_its_own_correlation_randomness() -> None:
    import os

    from tickets_contract.twin import correlation

    correlation._random_10()  # the parent holds a draw with slots left
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next ten bytes, and leave
        os.write(write_end, correlation._random_10())
        os._exit(0)
    os.close(write_end)
    child = os.read(read_end, 10)
    os.close(read_end)
    os.waitpid(pid, 0)
    assert len(child) == 10
    assert child != correlation._random_10()
