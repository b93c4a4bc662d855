"""The date object of reference §1.6 and the other timestamp formats."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _offset(local: datetime) -> str:
    delta = local.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@lru_cache(maxsize=65536)
def date_object(unix: int, tz: str) -> dict[str, Any]:
    """``{date, formatted, iso, time, timezone, unix}`` for an instant in a zone.

    Cached: the result is shared, so callers must not mutate it.
    """
    local = datetime.fromtimestamp(unix, zone(tz))
    offset = _offset(local)
    hhmm = f"{local.hour:02d}:{local.minute:02d}"
    return {
        "date": local.strftime("%Y-%m-%d"),
        "formatted": (
            f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year} {hhmm}"
        ),
        "iso": local.strftime("%Y-%m-%dT%H:%M:%S") + offset,
        "time": hhmm,
        "timezone": offset,
        "unix": unix,
    }


def iso_utc(unix: int) -> str:
    """Format 3: ``2026-09-10T23:37:04+00:00``."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def webhook_time(unix: int) -> str:
    """Format 4: ``2024-08-20 13:20:26`` in UTC without a zone."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%S")


def local_to_unix(year: int, month: int, day: int, hour: int, minute: int, tz: str) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=zone(tz)).timestamp())
