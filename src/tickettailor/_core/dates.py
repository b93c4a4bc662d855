"""The date formats people type (CONTRIBUTING.md, "Dates"), one parser for library and CLI.

Accepted, as Python values: ``datetime`` (naive means ``tz``, or UTC when no ``tz``),
``date`` (a whole day), ``int``/``float`` unix seconds. As text: ISO 8601 dates and
date-times with or without an offset (``Z`` and a space instead of ``T`` included),
unix seconds as digits, the words ``now``, ``today`` and ``yesterday``, and relative
offsets such as ``-7d``, ``-3h``, ``-30m``, ``-90s`` or ``+2w`` (from ``now``).

A bare date, ``today`` and ``yesterday`` mean a whole day: ``parse_instant`` gives its
first instant, ``day_bounds`` gives ``[start, end)`` of that day in ``tz``. Anything
else is an instant. Digits are always unix seconds (so ``20261101`` is a time in 1970,
not 1 November 2026: write ``2026-11-01``). A value that cannot be read raises
``DateParseError`` naming it and the accepted formats: never a silent guess.

``now`` (default: the real clock) anchors the words and offsets; a naive ``now`` is UTC.
``tz`` is a tzinfo or an IANA name (the CLI passes ``--tz`` / ``TICKETTAILOR_TZ``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tickettailor._core.errors import DateParseError

__all__ = ["ACCEPTED_FORMATS", "day_bounds", "parse_instant", "resolve_tz", "to_unix"]

ACCEPTED_FORMATS = (
    "an ISO 8601 date or date-time (2026-11-01, 2026-11-01T09:30, 2026-11-01 09:30:00+01:00, "
    "2026-11-01T08:30:00Z), unix seconds (1793520000), now, today, yesterday, "
    "or an offset from now (-7d, -3h, -30m, -90s, +2w)"
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_SECOND = timedelta(seconds=1)
_UNIX = re.compile(r"\d+(\.\d+)?")
_RELATIVE = re.compile(r"([+-])\s*(\d+)\s*([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# Python reads unix seconds only within this range; beyond it is a typo, not a date.
_MAX_UNIX = 253402300799  # 9999-12-31T23:59:59Z

DateInput = datetime | date | int | float | str


def resolve_tz(tz: tzinfo | str | None) -> tzinfo:
    """``tz`` as a tzinfo: an IANA name is looked up, None means UTC."""
    if tz is None:
        return UTC
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DateParseError(
            f"Unknown time zone {tz!r}: use an IANA name such as 'Europe/London' or 'UTC'."
        ) from exc


def parse_instant(
    value: DateInput, *, tz: tzinfo | str | None = None, now: datetime | None = None
) -> datetime:
    """``value`` as an aware datetime; a whole day gives its first instant in ``tz``."""
    zone = resolve_tz(tz)
    parsed = _parse(value, zone, now)
    if isinstance(parsed, datetime):
        return parsed
    return _midnight(parsed, zone)


def to_unix(
    value: DateInput, *, tz: tzinfo | str | None = None, now: datetime | None = None
) -> int:
    """``value`` as whole unix seconds (fractions are floored), as the API's filters take."""
    return _unix(parse_instant(value, tz=tz, now=now))


def day_bounds(
    value: DateInput, *, tz: tzinfo | str | None = None, now: datetime | None = None
) -> tuple[int, int] | None:
    """``[start, end)`` in unix seconds when ``value`` names a whole day, else None.

    The day is the calendar day in ``tz`` (UTC by default), so it lasts 23 or 25 hours
    on a daylight-saving change. Unreadable input still raises ``DateParseError``.
    """
    zone = resolve_tz(tz)
    parsed = _parse(value, zone, now)
    if isinstance(parsed, datetime):
        return None
    start = _midnight(parsed, zone)
    end = _midnight(parsed + timedelta(days=1), zone)
    return _unix(start), _unix(end)


def _parse(value: object, zone: tzinfo, now: datetime | None) -> datetime | date:
    """An aware datetime for an instant, a bare ``date`` for a whole day."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return value
    # bool is an int subclass, but True is not a point in time.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_unix(value, value)
    if isinstance(value, str):
        return _parse_text(value, zone, now)
    raise DateParseError(
        f"Cannot read {value!r} ({type(value).__name__}) as a date: "
        f"give a datetime, a date, unix seconds or text: {ACCEPTED_FORMATS}."
    )


def _parse_text(value: str, zone: tzinfo, now: datetime | None) -> datetime | date:
    text = value.strip()
    word = text.lower()
    if _UNIX.fullmatch(text):
        return _from_unix(float(text) if "." in text else int(text), value)
    if word == "now":
        return _now(now)
    if word in ("today", "yesterday"):
        today = _now(now).astimezone(zone).date()
        return today if word == "today" else today - timedelta(days=1)
    relative = _RELATIVE.fullmatch(word)
    if relative:
        return _relative(relative, value, now)
    return _parse_iso(text, zone, value)


def _parse_iso(text: str, zone: tzinfo, original: str) -> datetime | date:
    # fromisoformat (3.11) reads the ISO 8601 profile we want, "Z" and a space for "T"
    # included, but only in upper case.
    iso = text.upper()
    if "T" not in iso and " " not in iso and ":" not in iso:
        try:
            return date.fromisoformat(iso)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        raise _unreadable(original) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def _relative(match: re.Match[str], original: str, now: datetime | None) -> datetime:
    sign, amount, unit = match.groups()
    seconds = int(amount) * _UNIT_SECONDS[unit]
    try:
        delta = timedelta(seconds=seconds if sign == "+" else -seconds)
        return _now(now) + delta
    except OverflowError:
        raise DateParseError(
            f"The offset {original!r} reaches outside the years 1-9999: use a smaller offset."
        ) from None


def _from_unix(seconds: int | float, original: object) -> datetime:
    if not 0 <= seconds <= _MAX_UNIX:
        raise DateParseError(
            f"Unix seconds {original!r} are out of range: give a value between 0 and "
            f"{_MAX_UNIX} (9999-12-31), or one of: {ACCEPTED_FORMATS}."
        )
    return _EPOCH + timedelta(seconds=seconds)


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _unix(moment: datetime) -> int:
    # Integer arithmetic on timedeltas is exact; float timestamps are not for large values.
    return (moment - _EPOCH) // _ONE_SECOND


def _unreadable(value: str) -> DateParseError:
    return DateParseError(f"Cannot read the date {value!r}: use {ACCEPTED_FORMATS}.")
