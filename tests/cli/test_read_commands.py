"""orders / events list and get against the sandbox, in every output format."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.cli.conftest import Run, jsonl
from tickettailor import Client
from tickettailor._core.dates import day_bounds


def test_orders_list_piped_is_json_lines_exactly_as_the_api_sent(tt: Run, client: Client) -> None:
    result = tt("orders", "list", "--limit", "5")
    assert result.exit_code == 0, result.stderr
    records = jsonl(result.stdout)
    assert records == [order.raw for order in client.orders.list(limit=5)]
    assert len(records) == 5


def test_limit_is_a_total_across_pages(tt: Run) -> None:
    result = tt("orders", "list", "--limit", "150")
    ids = [r["id"] for r in jsonl(result.stdout)]
    assert len(ids) == 150
    assert len(set(ids)) == 150
    assert ids == sorted(ids, key=lambda i: int(i.split("_")[1]))  # oldest first


def test_json_is_one_array_and_get_one_object(tt: Run, client: Client) -> None:
    listed = json.loads(tt("orders", "list", "--limit", "3", "--format", "json").stdout)
    assert listed == [o.raw for o in client.orders.list(limit=3)]
    one = json.loads(tt("orders", "get", listed[1]["id"], "--format", "json").stdout)
    assert one == listed[1]
    empty = tt("orders", "list", "--email", "nobody@nowhere.invalid", "--format", "json")
    assert json.loads(empty.stdout) == []


def test_csv_has_a_header_and_flat_columns(tt: Run, client: Client) -> None:
    result = tt("orders", "list", "--limit", "4", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = list(client.orders.list(limit=4))
    assert [row["id"] for row in rows] == [o.raw["id"] for o in expected]
    first = expected[0].raw
    assert rows[0]["buyer_details.email"] == first["buyer_details"]["email"]
    assert rows[0]["currency.code"] == first["currency"]["code"]
    assert rows[0]["total"] == str(first["total"])
    # Lists stay whole, as JSON text in one cell.
    assert json.loads(rows[0]["line_items"]) == first["line_items"]


def test_table_shows_what_a_person_wants(tt: Run, client: Client) -> None:
    order = next(iter(client.orders.list(limit=1))).raw
    result = tt("--tz", "UTC", "orders", "list", "--limit", "1", "--format", "table")
    assert result.exit_code == 0
    header = result.stdout.splitlines()[0]
    for title in ("ID", "When", "Buyer", "Event", "Total", "Status"):
        assert title in header
    text = " ".join(result.stdout.split())
    when = datetime.fromtimestamp(order["created_at"], UTC).strftime("%Y-%m-%d %H:%M")
    total = f"{order['total'] / 100:.2f} {order['currency']['code'].upper()}"
    assert order["id"] in text
    assert when in text
    assert total in text
    assert order["status"] in text


def test_table_times_follow_tz(tt: Run, client: Client) -> None:
    order = next(iter(client.orders.list(limit=1))).raw
    text = tt("--tz", "Asia/Tokyo", "orders", "list", "--limit", "1", "--format", "table").stdout
    tokyo = datetime.fromtimestamp(order["created_at"], UTC).astimezone(ZoneInfo("Asia/Tokyo"))
    assert tokyo.strftime("%Y-%m-%d %H:%M") in " ".join(text.split())


def test_get_as_table_lists_every_field(tt: Run, client: Client) -> None:
    order = next(iter(client.orders.list(limit=1))).raw
    text = tt("orders", "get", order["id"], "--format", "table").stdout
    assert order["buyer_details"]["email"] in text
    assert order["txn_id"] in text


def test_created_at_a_date_means_that_whole_day(tt: Run, client: Client) -> None:
    first = next(iter(client.orders.list(limit=1))).raw
    day = datetime.fromtimestamp(first["created_at"], UTC).date()
    start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    expected = [
        o.raw["id"] for o in client.orders.list(created_gte=start, created_lt=start + 86400)
    ]
    result = tt("orders", "list", "--created-at", day.isoformat())
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in jsonl(result.stdout)] == expected
    assert expected  # the day is not empty, so the test means something


def test_created_bounds_and_filters(tt: Run, client: Client) -> None:
    orders = [o.raw for o in client.orders.list(limit=30)]
    low, high = orders[5]["created_at"], orders[20]["created_at"]
    result = tt("orders", "list", "--created-gt", str(low), "--created-lte", str(high))
    got = [r["created_at"] for r in jsonl(result.stdout)]
    assert got
    assert all(low < t <= high for t in got)
    event = orders[0]["event_summary"]["event_id"]
    by_event = jsonl(tt("orders", "list", "--event", event, "--limit", "20").stdout)
    assert by_event
    assert {r["event_summary"]["event_id"] for r in by_event} == {event}
    email = orders[3]["buyer_details"]["email"]
    by_email = jsonl(tt("orders", "list", "--email", email).stdout)
    assert by_email
    assert {r["buyer_details"]["email"] for r in by_email} == {email}


@pytest.mark.parametrize("option", ["--created-at", "--created-gte", "--created-lt"])
def test_unreadable_date_names_the_option_and_formats(tt: Run, option: str) -> None:
    result = tt("orders", "list", option, "next tuesday")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert option in result.stderr
    assert "next tuesday" in result.stderr
    assert "ISO 8601" in result.stderr
    assert "-7d" in result.stderr


def test_unknown_time_zone_is_a_usage_error(tt: Run) -> None:
    result = tt("--tz", "Mars/Olympus", "orders", "list")
    assert result.exit_code == 2
    assert "Mars/Olympus" in result.output


def test_events_list_and_get(tt: Run, client: Client) -> None:
    expected = [e.raw for e in client.events.list()]
    listed = jsonl(tt("events", "list").stdout)
    assert listed == expected
    one = json.loads(tt("events", "get", expected[0]["id"], "--format", "json").stdout)
    assert one == expected[0]
    published = jsonl(tt("events", "list", "--status", "published").stdout)
    assert published
    assert {e["status"] for e in published} == {"published"}
    table = tt("events", "list", "--limit", "2", "--format", "table").stdout
    assert expected[0]["name"] in " ".join(table.split())


def test_events_start_filter(tt: Run, client: Client) -> None:
    events = [e.raw for e in client.events.list()]
    pivot = sorted(e["start"]["unix"] for e in events)[len(events) // 2]
    result = tt("events", "list", "--start-gte", str(pivot))
    got = jsonl(result.stdout)
    assert got
    assert all(e["start"]["unix"] >= pivot for e in got)
    assert len(got) < len(events)


def test_not_found_is_one_sentence_and_exit_1(tt: Run) -> None:
    result = tt("orders", "get", "or_999999999")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: Not found (404)")
    assert "`tickettailor orders list` shows them" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_not_found_points_at_the_list_of_that_resource(tt: Run) -> None:
    result = tt("events", "get", "ev_999999999")
    assert result.exit_code == 1
    assert "`tickettailor events list` shows them" in result.stderr


LIST_COMMANDS = [
    ("orders",),
    ("events",),
    ("issued-tickets",),
    ("check-ins",),
    ("discounts",),
    ("vouchers",),
    ("event-series",),
    ("products",),
    ("membership-types",),
    ("issued-memberships",),
]


@pytest.mark.parametrize("group", LIST_COMMANDS, ids=lambda g: g[0])
def test_every_list_command_in_every_format(tt: Run, group: tuple[str, ...]) -> None:
    args = (*group, "list", "--limit", "3")
    records = jsonl(tt(*args, "--format", "jsonl").stdout)
    assert records, "the sandbox has data for this command"
    assert json.loads(tt(*args, "--format", "json").stdout) == records
    rows = list(csv.DictReader(io.StringIO(tt(*args, "--format", "csv").stdout)))
    assert [row["id"] for row in rows] == [r["id"] for r in records]
    table = tt(*args, "--format", "table")
    assert table.exit_code == 0
    assert all(r["id"] in table.stdout for r in records)


def test_tz_sets_the_day_a_date_means(tt: Run, client: Client) -> None:
    first = next(iter(client.orders.list(limit=1))).raw
    zone = "Pacific/Auckland"
    day = datetime.fromtimestamp(first["created_at"], ZoneInfo(zone)).date().isoformat()
    bounds = day_bounds(day, tz=zone)
    assert bounds is not None
    expected = [
        o.raw["id"] for o in client.orders.list(created_gte=bounds[0], created_lt=bounds[1])
    ]
    by_option = jsonl(tt("--tz", zone, "orders", "list", "--created-at", day).stdout)
    by_env = jsonl(tt("orders", "list", "--created-at", day, TICKETTAILOR_TZ=zone).stdout)
    assert [o["id"] for o in by_option] == expected
    assert [o["id"] for o in by_env] == expected
    assert first["id"] in expected


def test_verbose_logs_requests_on_stderr_only(tt: Run) -> None:
    result = tt("-v", "orders", "list", "--limit", "150")
    assert len(jsonl(result.stdout)) == 150  # stdout stays clean JSON lines
    requests = [line for line in result.stderr.splitlines() if "/v1/orders" in line]
    assert len(requests) == 2  # two pages
    assert all(line.startswith("tickettailor: GET ") for line in requests)


def test_tables_use_this_computers_zone_with_daylight_saving(tt: Run, client: Client) -> None:
    london = ZoneInfo("Europe/London")
    orders = [o.raw for o in client.orders.list()]
    summer = next(o for o in orders if datetime.fromtimestamp(o["created_at"], london).dst())
    winter = next(o for o in orders if not datetime.fromtimestamp(o["created_at"], london).dst())
    for order in (summer, winter):
        text = tt("orders", "get", order["id"], "--format", "table", TZ="Europe/London").stdout
        local = datetime.fromtimestamp(order["created_at"], london).strftime("%Y-%m-%d %H:%M")
        assert local in text
