"""The date formats of CONTRIBUTING.md "Dates", as a user types them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickettailor._core.dates import day_bounds, parse_instant, to_unix
from tickettailor._core.errors import DateParseError

NOW = datetime(2026, 11, 29, 21, 45, 30, tzinfo=UTC)
LISBON = ZoneInfo("Europe/Lisbon")
NEW_YORK = ZoneInfo("America/New_York")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01", utc(2026, 11, 1)),
        ("2026-11-01T09:30", utc(2026, 11, 1, 9, 30)),
        ("2026-11-01T09:30:15", utc(2026, 11, 1, 9, 30, 15)),
        ("2026-11-01 09:30:15", utc(2026, 11, 1, 9, 30, 15)),  # the webhook envelope form
        ("2026-11-01T09:30:15Z", utc(2026, 11, 1, 9, 30, 15)),
        ("2026-11-01t09:30:15z", utc(2026, 11, 1, 9, 30, 15)),
        ("2026-11-01T09:30:15+01:00", utc(2026, 11, 1, 8, 30, 15)),
        ("2026-11-01 09:30:15-05:00", utc(2026, 11, 1, 14, 30, 15)),
        ("2026-09-10T23:37:04+00:00", utc(2026, 9, 10, 23, 37, 4)),  # redemption created_at
        ("2026-11-01T09:30:15.250+00:00", utc(2026, 11, 1, 9, 30, 15, 250000)),
        ("1744276266", datetime.fromtimestamp(1744276266, UTC)),
        ("  1744276266 ", datetime.fromtimestamp(1744276266, UTC)),
        ("0", utc(1970, 1, 1)),
        ("now", NOW),
        ("NOW", NOW),
        ("today", utc(2026, 11, 29)),
        ("yesterday", utc(2026, 11, 28)),
        ("-7d", NOW - timedelta(days=7)),
        ("-3h", NOW - timedelta(hours=3)),
        ("-30m", NOW - timedelta(minutes=30)),
        ("-90s", NOW - timedelta(seconds=90)),
        ("+2w", NOW + timedelta(weeks=2)),
        ("- 7 D", NOW - timedelta(days=7)),
    ],
)
def test_text_formats_read_as_the_user_means(text: str, expected: datetime) -> None:
    assert parse_instant(text, now=NOW) == expected
    assert parse_instant(text, now=NOW).tzinfo is not None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 11, 1, 9, 30), utc(2026, 11, 1, 9, 30)),  # naive is UTC
        (datetime(2026, 11, 1, 9, 30, tzinfo=LISBON), utc(2026, 11, 1, 9, 30)),
        (date(2026, 11, 1), utc(2026, 11, 1)),
        (1744276266, datetime.fromtimestamp(1744276266, UTC)),
        (1744276266.5, datetime.fromtimestamp(1744276266.5, UTC)),
    ],
)
def test_python_values(value: datetime | date | int | float, expected: datetime) -> None:
    assert parse_instant(value) == expected


def test_naive_values_follow_the_given_time_zone() -> None:
    # 1 July in New York is EDT, UTC-4.
    assert to_unix("2026-07-01T12:00", tz="America/New_York") == to_unix("2026-07-01T16:00Z")
    assert to_unix(datetime(2026, 7, 1, 12), tz=NEW_YORK) == to_unix("2026-07-01T16:00Z")
    assert to_unix(date(2026, 7, 1), tz="America/New_York") == to_unix("2026-07-01T04:00Z")
    # An explicit offset wins over tz; unix seconds have no zone to follow.
    assert to_unix("2026-07-01T12:00+00:00", tz=NEW_YORK) == to_unix("2026-07-01T12:00Z")
    assert to_unix("1744276266", tz=NEW_YORK) == 1744276266


def test_today_is_the_day_in_the_given_time_zone() -> None:
    late_evening_utc = utc(2026, 11, 30, 3, 0)  # still the 29th in New York
    assert day_bounds("today", tz=NEW_YORK, now=late_evening_utc) == (
        to_unix("2026-11-29T05:00Z"),
        to_unix("2026-11-30T05:00Z"),
    )
    assert parse_instant("yesterday", tz=NEW_YORK, now=late_evening_utc) == datetime(
        2026, 11, 28, tzinfo=NEW_YORK
    )


def test_to_unix_floors_fractions_and_is_exact_for_aware_values() -> None:
    assert to_unix(1744276266.9) == 1744276266
    assert to_unix("2026-11-01T00:00:00.999Z") == to_unix("2026-11-01T00:00:00Z")
    assert to_unix(datetime(2026, 11, 1, tzinfo=timezone(timedelta(hours=2)))) == 1793484000


@pytest.mark.parametrize(
    ("value", "tz", "bounds"),
    [
        ("2026-11-01", None, (1793491200, 1793491200 + 86400)),
        (date(2026, 11, 1), None, (1793491200, 1793491200 + 86400)),
        ("today", None, (to_unix("2026-11-29"), to_unix("2026-11-30"))),
        ("yesterday", None, (to_unix("2026-11-28"), to_unix("2026-11-29"))),
        # Lisbon leaves summer time on 25 October 2026: that day lasts 25 hours.
        ("2026-10-25", "Europe/Lisbon", (to_unix("2026-10-24T23:00Z"), to_unix("2026-10-26"))),
        # and enters it on 29 March 2026: 23 hours.
        ("2026-03-29", "Europe/Lisbon", (to_unix("2026-03-29"), to_unix("2026-03-29T23:00Z"))),
    ],
)
def test_a_bare_date_means_the_whole_day(
    value: str | date, tz: str | None, bounds: tuple[int, int]
) -> None:
    assert day_bounds(value, tz=tz, now=NOW) == bounds


@pytest.mark.parametrize(
    "value",
    ["now", "-7d", "2026-11-01T00:00", "2026-11-01T00:00Z", "1793491200", 1793491200, NOW],
)
def test_an_instant_has_no_day_bounds(value: str | int | datetime) -> None:
    assert day_bounds(value, now=NOW) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "tomorrowish",
        "2026-13-01",
        "2026-02-30",
        "01/11/2026",
        "1 Nov 2026",
        "7d",
        "-7y",
        "-7",
        "-1744276266",
        "2026-11-01T25:00",
        "99999999999999",
    ],
)
def test_unreadable_text_is_a_clear_error_naming_input_and_formats(text: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_instant(text, now=NOW)
    message = str(caught.value)
    assert repr(text) in message or repr(text.strip()) in message
    assert "ISO 8601" in message
    assert "-7d" in message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("value", [True, None, [2026, 11, 1], -5, float("nan"), float("inf")])
def test_unreadable_values_are_errors_too(value: object) -> None:
    with pytest.raises(DateParseError, match=r"[Uu]nix seconds"):
        parse_instant(value)  # type: ignore[arg-type]  # wrong types on purpose


def test_an_offset_beyond_the_calendar_says_so() -> None:
    with pytest.raises(DateParseError, match=r"'\+99999999999w' reaches outside"):
        parse_instant("+99999999999w", now=NOW)


def test_unknown_time_zone_names_the_problem() -> None:
    with pytest.raises(DateParseError, match=r"Unknown time zone 'Mars/Olympus'.*IANA"):
        to_unix("2026-11-01", tz="Mars/Olympus")
    with pytest.raises(DateParseError, match="Unknown time zone"):
        day_bounds("today", tz="../../etc/passwd")


def test_day_bounds_still_rejects_unreadable_input() -> None:
    with pytest.raises(DateParseError):
        day_bounds("not a date")


def test_default_now_is_the_real_clock() -> None:
    before = datetime.now(UTC)
    got = parse_instant("now")
    assert before <= got <= datetime.now(UTC)


# --- round trips -----------------------------------------------------------------------

ZONES = st.sampled_from(
    [UTC, LISBON, NEW_YORK, ZoneInfo("Asia/Kolkata"), ZoneInfo("Pacific/Chatham")]
)
INSTANTS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES
)


@given(INSTANTS)
def test_iso_text_round_trips(moment: datetime) -> None:
    # Compared in UTC: Python never calls two zones' times equal inside a DST gap or fold.
    assert parse_instant(moment.isoformat()).astimezone(UTC) == moment.astimezone(UTC)
    assert parse_instant(moment.isoformat(sep=" ")).astimezone(UTC) == moment.astimezone(UTC)
    assert to_unix(moment.isoformat()) == to_unix(moment)


@given(st.integers(min_value=0, max_value=253402300799))
def test_unix_round_trips(seconds: int) -> None:
    assert to_unix(seconds) == seconds
    assert to_unix(str(seconds)) == seconds
    assert to_unix(parse_instant(seconds).isoformat()) == seconds


@given(st.dates(min_value=date(1971, 1, 1), max_value=date(9998, 12, 31)), ZONES)
def test_day_bounds_hold_every_instant_of_that_day(day: date, zone: object) -> None:
    start, end = day_bounds(day.isoformat(), tz=zone)  # type: ignore[misc, arg-type]  # a date gives bounds
    assert 23 * 3600 <= end - start <= 25 * 3600
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)  # type: ignore[arg-type]  # a tzinfo
    assert start <= to_unix(noon) < end
    assert day_bounds(day + timedelta(days=1), tz=zone)[0] == end  # type: ignore[index, arg-type]  # days tile


@given(st.integers(min_value=-100_000, max_value=100_000), st.sampled_from("smhdw"))
def test_relative_offsets_move_from_now(amount: int, unit: str) -> None:
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit] * amount
    text = f"{'-' if amount < 0 else '+'}{abs(amount)}{unit}"
    assert to_unix(text, now=NOW) == to_unix(NOW) + seconds
