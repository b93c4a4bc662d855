"""Tables at 80 columns: columns chosen by width, values cut with an ellipsis and never
wrapped, ``--columns`` to pick them; and one rule for the zone of times (issue 10)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.cli.conftest import Run
from tickettailor import Client
from tickettailor.cli._tables import Column, TableZone, fit_columns, format_time, plain


def _text(title: str, *, wrap: bool = False) -> Column:
    return Column(title, lambda r, _z: plain(r.get(title)), wrap=wrap)


def test_free_text_is_cut_before_a_column_is_left_out() -> None:
    columns = [_text("id"), _text("name", wrap=True), _text("status")]
    rows = [["or_1", "Summer Cinema under the Stars", "completed"]]
    widths = fit_columns(columns, rows, 30)
    assert widths == [4, 30 - 4 - 9 - 2 * 3, 9]


def test_the_last_columns_are_left_out_when_cutting_is_not_enough() -> None:
    columns = [_text("id"), _text("name", wrap=True), _text("a"), _text("b")]
    rows = [["or_1", "Summer Cinema under the Stars", "x" * 12, "y" * 12]]
    widths = fit_columns(columns, rows, 40)
    assert widths[3] == 0  # left out
    assert widths[0] == 4
    assert sum(widths) + 3 * (sum(1 for w in widths if w) - 1) <= 40


def test_everything_fits_untouched_when_there_is_room() -> None:
    columns = [_text("id"), _text("name", wrap=True)]
    assert fit_columns(columns, [["or_1", "Summer"]], 200) == [4, 6]


def test_event_times_are_in_the_venues_zone_and_others_in_ours() -> None:
    start = {"iso": "2025-12-27T21:30:00-04:00", "unix": 1766885400, "timezone": "-04:00"}
    ours = TableZone(ZoneInfo("Europe/London"), venue=True)
    assert format_time(start, ours, ZoneInfo("America/Halifax")) == "2025-12-27 21:30 AST"
    assert format_time(start, ours) == "2025-12-27 21:30 -04:00"
    assert format_time(1766885400, ours) == "2025-12-28 01:30 GMT"
    # --tz puts every time in its zone.
    assert format_time(start, TableZone(UTC)) == "2025-12-28 01:30 UTC"


def test_columns_picks_titles_and_fields(tt: Run, client: Client) -> None:
    order = next(iter(client.orders.list(limit=1))).raw
    result = tt("orders", "list", "-n", "1", "--format", "table",
                "--columns", "id,buyer_details.email,STATUS")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "buyer_details.email", "Status"]
    assert lines[2].split() == [order["id"], order["buyer_details"]["email"], order["status"]]


def test_an_unknown_column_is_a_usage_error(tt: Run) -> None:
    result = tt("orders", "list", "-n", "1", "--format", "table", "--columns", "id,nope")
    assert result.exit_code == 2
    assert "no column or field 'nope'" in result.stderr
    assert "buyer" in result.stderr


def test_events_show_the_venues_time_with_its_zone(tt: Run, client: Client) -> None:
    event = next(iter(client.events.list(limit=1))).raw
    result = tt("events", "list", "-n", "1", "--format", "table", TZ="Asia/Tokyo")
    venue = datetime.fromisoformat(event["start"]["iso"]).astimezone(ZoneInfo(event["timezone"]))
    # One event: its zone is named once, in the title.
    assert f"Starts ({venue.tzname()})" in result.stdout
    assert f"{venue:%Y-%m-%d %H:%M}" in result.stdout


def test_a_void_as_a_table_has_no_empty_rows(tt: Run, client: Client) -> None:
    ticket = next(iter(client.issued_tickets.list(status="valid", limit=1)))
    result = tt("issued-tickets", "void", ticket.id, "--yes", "--format", "table")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines() if line.strip()]
    assert rows
    assert all(len(row) == 2 for row in rows), result.stdout  # every field has its value
    assert ["voided", "true"] in rows
