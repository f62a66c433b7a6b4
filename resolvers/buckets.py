"""Calendar buckets in a caller's time zone, as UTC intervals the database can compare with.

A day in Europe/Berlin is 23 hours on the last Sunday of March and 25 on the last of October; an
hour in Asia/Kolkata starts at half past a UTC hour. The database (SQLite has no time zones) only
ever compares `started_at` with the UTC instants computed here, so both databases bucket alike and
every bucket of the range is present, empty or not.

Hours are the zone's own: a bucket is a run of instants with the same local hour and offset, so
where a clock is put back the repeated hour is two buckets (one per offset; half an hour each
where it goes back by thirty minutes), and where it jumps, the hour that never happened is none.
Days, weeks (from Monday, as ISO 8601 counts them) and months start at local midnight, or at the
first instant after it where midnight itself does not exist.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from resolvers.errors import BadUserInput

MAX_BUCKETS = 1000
"""Longer series are refused: narrow the range (startedAfter, startedBefore) or widen the unit."""
_QUARTER = timedelta(minutes=15)
"""Every offset any zone has used since 1970 is a whole number of quarter hours."""


class TimeUnit(StrEnum):
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone, BAD_USER_INPUT for any other name (and for file-system tricks)."""
    if not name or len(name) > 64 or name.startswith("/") or ".." in name:
        raise BadUserInput(f"Unknown time zone {name!r}: use an IANA name like Europe/Berlin.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        message = f"Unknown time zone {name!r}: use an IANA name like Europe/Berlin."
        raise BadUserInput(message) from error


def buckets(
    unit: TimeUnit, zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The buckets covering [start, end), each (from, to) in UTC, in order: the first one holds
    `start`, the last one ends at or after `end`."""
    if end <= start:
        return []
    edges: list[datetime] = []
    for edge in _edges(unit, zone, start):
        if edges and edge <= edges[-1]:
            continue  # a local edge that maps onto the previous one (a clock jumped past it)
        edges.append(edge)
        if edge >= end:
            break
        if len(edges) > MAX_BUCKETS + 1:
            raise BadUserInput(
                f"More than {MAX_BUCKETS} {unit.lower()} buckets: narrow startedAfter and "
                "startedBefore, or group by a longer unit."
            )
    return list(pairwise(edges))


def _edges(unit: TimeUnit, zone: ZoneInfo, start: datetime) -> Iterator[datetime]:
    """Bucket edges in UTC, from the one at or before `start`, ascending (maybe repeating)."""
    if unit is TimeUnit.HOUR:
        # Walk absolute time by quarter hours; an edge is wherever the local hour or the offset
        # changes (a clock put back by half an hour starts a new bucket mid-hour).
        instant = start.astimezone(UTC).replace(second=0, microsecond=0)
        instant -= timedelta(minutes=instant.minute % 15)
        while _hour_of(instant - _QUARTER, zone) == _hour_of(instant, zone):
            instant -= _QUARTER
        while True:
            yield instant
            hour = _hour_of(instant, zone)
            instant += _QUARTER
            while _hour_of(instant, zone) == hour:
                instant += _QUARTER
    local = start.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    if unit is TimeUnit.WEEK:
        local -= timedelta(days=local.weekday())
    elif unit is TimeUnit.MONTH:
        local = local.replace(day=1)
    while True:
        yield _instant(local, zone)
        if unit is TimeUnit.DAY:
            local += timedelta(days=1)
        elif unit is TimeUnit.WEEK:
            local += timedelta(days=7)
        else:
            local = local.replace(year=local.year + local.month // 12, month=local.month % 12 + 1)


def _hour_of(instant: datetime, zone: ZoneInfo) -> tuple[int, int, int, int, timedelta | None]:
    local = instant.astimezone(zone)
    return local.year, local.month, local.day, local.hour, local.utcoffset()


def _instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time; in a gap (the clock jumped over it), the
    first instant after the gap, so the bucket starts when the local day really does."""
    instant = local.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local:  # not a time the clock showed
        later = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
        earlier = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
        instant = min(later, earlier)
        while instant.astimezone(zone).replace(tzinfo=None) < local:
            instant += _QUARTER
    return instant
