"""``tickettailor sync`` into real destinations, against a real sandbox.

Each test syncs into its own folder (DuckDB file ``tickettailor.duckdb`` there) or its own
PostgreSQL dataset; the sandbox is the module's own (``shop``), counting its requests.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.dlt.conftest import Shop, SyncRun, query
from tests.pg import running_postgres, unique_name

DB = "tickettailor.duckdb"
WINDOW = 30 * 86400


def latest_load(path: Path) -> str:
    return str(query(path, "select max(load_id) from box_office._dlt_loads")[0][0])


def ids(path: Path, table: str, where: str = "true") -> list[str]:
    return [r[0] for r in query(path, f"select id from box_office.{table} where {where}")]


def assert_mirrors_api(shop: Shop, db: Path) -> None:
    """Row counts and values of the main tables equal what the API lists, no id twice."""
    for table in ("orders", "issued_tickets", "check_ins", "events"):
        api = shop.listed(table)
        got = ids(db, table)
        assert len(got) == len(set(got)), f"{table}: duplicate rows"
        assert sorted(got) == sorted(r["id"] for r in api), table
    api_orders = {o["id"]: o for o in shop.listed("orders")}
    rows = query(
        db,
        "select id, status, total, refund_amount, buyer_details__email, box_office_id "
        "from box_office.orders",
    )
    for oid, status, total, refund, email, bid in rows:
        order = api_orders[oid]
        assert (status, total, refund) == (order["status"], order["total"], order["refund_amount"])
        assert email == order["buyer_details"]["email"]
        assert bid == "cine-society-eur"
    # Text as the API wrote it: "21:30", not a time DuckDB guessed and wrote back "21:30:00".
    events = query(db, "select id, start__date, start__time, end__time from box_office.events")
    assert sorted(events) == sorted(
        (e["id"], e["start"]["date"], e["start"]["time"], e["end"]["time"])
        for e in shop.listed("events")
    )


def test_first_sync_mirrors_the_api_and_a_second_costs_one_request_per_list(
    shop: Shop, run_sync_cli: SyncRun, tmp_path: Path
) -> None:
    first = run_sync_cli()
    assert first.exit_code == 0, first.output
    db = tmp_path / DB
    assert_mirrors_api(shop, db)
    assert "orders__line_items" in first.output
    assert "requests:" in first.output
    # Neither the database nor dlt's working folder (state, trace) holds the key.
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or shop.key.encode() not in path.read_bytes(), path

    # Child tables joined back give the nested lists of the API, in order.
    joined = query(
        db,
        "select o.id, li.id, li.quantity, li.total from box_office.orders o "
        "join box_office.orders__line_items li on li._dlt_parent_id = o._dlt_id "
        "order by o.id, li._dlt_list_idx",
    )
    nested = [
        (o["id"], li["id"], li["quantity"], li["total"])
        for o in sorted(shop.listed("orders"), key=lambda o: o["id"])
        for li in o["line_items"]
    ]
    assert joined == nested
    tickets = query(
        db,
        "select o.id, t.id, t.status from box_office.orders o "
        "join box_office.orders__issued_tickets t on t._dlt_root_id = o._dlt_id",
    )
    api_tickets = {
        (o["id"], t["id"], t["status"]) for o in shop.listed("orders") for t in o["issued_tickets"]
    }
    assert set(tickets) == api_tickets
    # Every table, child tables included, says whose box office its rows are.
    tables = [
        t
        for (t,) in query(
            db,
            "select table_name from information_schema.tables "
            "where table_schema = 'box_office' and table_name not like '_dlt%'",
        )
    ]
    assert {"orders__line_items", "event_series__default_ticket_types", "overview"} <= set(tables)
    for table in tables:
        nulls = query(db, f"select count(*) from box_office.{table} where box_office_id is null")
        assert nulls == [(0,)], table

    # The second sync, nothing changed: one request per list, the re-check's pages and
    # the void scan; nothing loaded but the overview's snapshot.
    now = time.time()
    orders, tickets_api = shop.listed("orders"), shop.listed("issued_tickets")
    voided = [t for t in tickets_api if t["status"] == "voided"]
    series = shop.listed("event_series")
    before = len(shop.hits)
    second = run_sync_cli()
    assert second.exit_code == 0, second.output
    spent = Counter(
        "void scan" if "status=voided" in q else path.split("/")[2]
        for _m, path, q in shop.hits[before:]
    )

    def sweep_pages(records: list[dict[str, Any]]) -> int:
        newest = max(r["created_at"] for r in records)
        inside = [r for r in records if now - WINDOW - 5 <= r["created_at"] < newest]
        return min(10, math.ceil((len(inside) + 1) / 100))

    # The orders' round goes on with the orders of the events not ended yet created
    # before the window: one page here (the events' list is one more request).
    live = {e["id"] for e in shop.listed("events") if e["end"]["unix"] > now}
    older = [o for o in orders if o["event_summary"]["id"] in live]
    older = [o for o in older if o["created_at"] < now - WINDOW + 5]
    assert live
    assert len(older) < 100
    assert spent["orders"] == 1 + sweep_pages(orders) + 1
    assert spent["events"] == 2
    assert spent["issued_tickets"] == 1 + sweep_pages(tickets_api)
    assert spent["void scan"] == max(1, math.ceil(len(voided) / 100))
    assert spent["event_series"] == 1 + 1 + len(series)  # the list, and its waitlists'
    for name in ("overview", "check_ins", "products", "discounts", "vouchers", "holds"):
        assert spent[name] == 1, (name, spent)
    assert "Nothing new or changed" not in second.output  # the overview row is rewritten
    assert "  overview            1" in second.output
    assert_mirrors_api(shop, db)


def test_changes_update_exactly_the_changed_rows(
    shop: Shop, run_sync_cli: SyncRun, tmp_path: Path
) -> None:
    assert run_sync_cli().exit_code == 0
    db = tmp_path / DB
    first_load = latest_load(db)
    recent = [
        o
        for o in shop.listed("orders", created_gte=int(time.time()) - 20 * 86400)
        if o["status"] == "completed" and len(o["issued_tickets"]) >= 2 and o["total"] > 200
    ]
    cancelled, refunded, voided_in = recent[0], recent[1], recent[2]
    shop.control(f"orders/{cancelled['id']}/cancel", {"reason": "Duplicate"})
    shop.control(f"orders/{refunded['id']}/refund", {"amount": 100})
    ticket = voided_in["issued_tickets"][0]["id"]
    shop.control(f"issued_tickets/{ticket}/void")
    event = shop.listed("events")[-1]

    def next_day(when: dict[str, Any]) -> dict[str, str]:
        day = datetime.strptime(when["date"], "%Y-%m-%d") + timedelta(days=1)
        return {"date": day.strftime("%Y-%m-%d"), "time": when["time"][:5] + ":00"}

    start, end = next_day(event["start"]), next_day(event["end"])
    moved = shop.client.request(
        "POST",
        f"/event_series/{event['event_series_id']}/events/{event['id']}",
        data={
            "start_date": start["date"],
            "start_time": start["time"],
            "end_date": end["date"],
            "end_time": end["time"],
        },
    ).body
    assert moved["start"]["unix"] == event["start"]["unix"] + 86400

    result = run_sync_cli()
    assert result.exit_code == 0, result.output
    load = latest_load(db)
    assert load != first_load
    changed = f"_dlt_load_id = '{load}'"
    # An order's record embeds its event's summary (start and end included): the orders
    # of the moved event that the re-check covers changed too.
    orders = shop.listed("orders")
    newest = max(o["created_at"] for o in orders)
    of_event = {
        o["id"]
        for o in orders
        if o["event_summary"]["id"] == event["id"]
        and time.time() - WINDOW <= o["created_at"] < newest
    }
    expected = {cancelled["id"], refunded["id"], voided_in["id"]} | of_event
    assert sorted(ids(db, "orders", changed)) == sorted(expected)
    voided_now = {t["id"] for t in cancelled["issued_tickets"]} | {ticket}
    assert set(ids(db, "issued_tickets", changed)) == voided_now
    touched_events = {o["event_summary"]["id"] for o in (cancelled, refunded, voided_in)}
    # (an event's record counts its orders and tickets, so theirs may change too)
    assert event["id"] in ids(db, "events", changed)
    assert set(ids(db, "events", changed)) <= touched_events | {event["id"]}
    rows = dict(
        query(
            db, "select id, status || ' ' || refund_amount from box_office.orders where " + changed
        )
    )
    api = {o["id"]: o for o in shop.listed("orders")}
    for oid, text in rows.items():
        assert text == f"{api[oid]['status']} {api[oid]['refund_amount']}"
    assert rows[cancelled["id"]].startswith("cancelled")
    assert rows[refunded["id"]] == "completed 100"
    # The order's nested tickets were replaced, not appended to.
    nested = query(
        db,
        "select t.id, t.status from box_office.orders__issued_tickets t "
        f"join box_office.orders o on t._dlt_root_id = o._dlt_id where o.id = '{voided_in['id']}'",
    )
    assert sorted(nested) == sorted(
        (t["id"], t["status"]) for t in api[voided_in["id"]]["issued_tickets"]
    )
    assert (ticket, "voided") in nested
    start_db = query(db, f"select start__unix from box_office.events where id = '{event['id']}'")
    assert start_db == [(moved["start"]["unix"],)]
    assert_mirrors_api(shop, db)
    # And the next sync finds nothing more.
    again = run_sync_cli()
    assert again.exit_code == 0
    assert ids(db, "orders", f"_dlt_load_id = '{latest_load(db)}'") == []


def test_kill_9_during_a_sync_then_sync_again_loses_and_doubles_nothing(
    shop: Shop, run_sync_cli: SyncRun, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TICKETTAILOR_DATA_DIR": str(tmp_path / "data"),
        "TICKETTAILOR_BASE_URL": shop.base_url,
        "TICKETTAILOR_API_KEY": shop.key,
    }
    # Slow pages, so the kill lands in the middle of the extraction.
    shop.control("faults", {"spec": "latency:0.15,path=/v1/*"})
    before = len(shop.hits)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from tickettailor.cli.main import main; main()", "sync"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while len(shop.hits) - before < 8 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
        httpx_delete(shop)
    assert proc.returncode == -signal.SIGKILL
    result = run_sync_cli()
    assert result.exit_code == 0, result.output
    assert_mirrors_api(shop, tmp_path / DB)


def httpx_delete(shop: Shop) -> None:
    import httpx2

    httpx2.delete(f"{shop.base_url}/_sandbox/faults", auth=(shop.key, ""), timeout=30)


def test_bad_input_is_one_line_and_its_exit_code(run_sync_cli: SyncRun, tmp_path: Path) -> None:
    cases = [
        (("orders", "tickets"), {}, 2, "Unknown resource 'tickets'"),
        (("--destination", "nosuch"), {}, 2, "Unknown destination 'nosuch'"),
        (("--destination", "postgres"), {}, 2, "DESTINATION__POSTGRES__CREDENTIALS"),
        (
            ("--destination", "postgres"),
            {"DESTINATION__POSTGRES__CREDENTIALS": "postgresql://tt:s3cr3tpw@127.0.0.1:9/db"},
            1,
            "The postgres destination failed",
        ),
        (("--recheck-window", "soon"), {}, 2, "not a duration"),
    ]
    for args, env, code, words in cases:
        result = run_sync_cli(*args, **env)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == code, (args, result.output)
        assert len(lines) == 1, (args, result.output)
        assert lines[0].startswith("Error:"), lines
        assert words in lines[0], lines
        assert "s3cr3tpw" not in result.output
    assert not (tmp_path / DB).exists()  # nothing was half-written


@pytest.mark.slow
def test_postgres_first_and_second_sync(shop: Shop, run_sync_cli: SyncRun) -> None:
    import psycopg

    with running_postgres() as dsn:
        dataset = unique_name("tt_sync")
        # dlt wants a password even where the server trusts (ours does).
        env = {"DESTINATION__POSTGRES__CREDENTIALS": dsn.replace("postgres@", "postgres:x@")}
        for _ in range(2):
            result = run_sync_cli("--destination", "postgres", "--dataset", dataset, **env)
            assert result.exit_code == 0, result.output
        with psycopg.connect(dsn) as pg:
            for table in ("orders", "issued_tickets", "check_ins", "events"):
                rows = pg.execute(f"select id, box_office_id from {dataset}.{table}").fetchall()
                got = [r[0] for r in rows]
                assert len(got) == len(set(got)), table
                assert sorted(got) == sorted(r["id"] for r in shop.listed(table)), table
                assert {r[1] for r in rows} == {"cine-society-eur"}
            items = pg.execute(
                f"select count(*) from {dataset}.orders__line_items li "
                f"join {dataset}.orders o on li._dlt_parent_id = o._dlt_id"
            ).fetchone()
            assert items == (sum(len(o["line_items"]) for o in shop.listed("orders")),)
            pg.execute(f"drop schema {dataset} cascade")


def test_recheck_covers_older_orders_of_events_not_ended_yet(
    shop: Shop, run_sync_cli: SyncRun, tmp_path: Path
) -> None:
    now = time.time()
    events = shop.listed("events")
    ends = {e["id"]: e["end"]["unix"] for e in events}
    # Tickets for a show still to come, bought long before the window.
    coming, paid = next(
        (e, t)
        for e in events
        for t in e["ticket_types"]
        if e["end"]["unix"] > now + 86400 and t["price"] > 0 and t["quantity"] >= 2
    )
    body = {"event_id": coming["id"], "tickets": {paid["id"]: 2}, "ago": WINDOW + 20 * 86400}
    shop.control("orders", body)
    assert run_sync_cli().exit_code == 0
    db = tmp_path / DB
    before_window = [
        o
        for o in shop.listed("orders", created_lt=int(now) - WINDOW - 86400)
        if o["status"] == "completed" and o["total"] > 200
    ]
    live = [o for o in before_window if ends[o["event_summary"]["id"]] > now]
    ended = [o for o in before_window if ends[o["event_summary"]["id"]] < now]
    assert live
    assert ended
    shop.control(f"orders/{live[0]['id']}/refund", {"amount": 150})
    shop.control(f"orders/{ended[0]['id']}/refund", {"amount": 150})

    result = run_sync_cli()
    assert result.exit_code == 0, result.output
    changed = f"_dlt_load_id = '{latest_load(db)}'"
    loaded = ids(db, "orders", changed)
    # The refund of next week's show bought months ago is found; an ended event's
    # orders are left alone (the re-check's cost stays bounded by what is still live).
    assert live[0]["id"] in loaded
    assert ended[0]["id"] not in loaded
    refund = query(db, f"select refund_amount from box_office.orders where id = '{live[0]['id']}'")
    assert refund == [(150,)]
    # Nothing else of those older orders was loaded again: their hashes were kept.
    old_ids = {o["id"] for o in shop.listed("orders", created_lt=int(now) - WINDOW)}
    assert set(loaded) & old_ids == {live[0]["id"]}
    again = run_sync_cli()
    assert again.exit_code == 0
    assert ids(db, "orders", f"_dlt_load_id = '{latest_load(db)}'") == []


def test_two_box_offices_share_one_dataset_without_clashing(
    shop: Shop, run_sync_cli: SyncRun, tmp_path: Path
) -> None:
    from tickettailor import Client

    db = tmp_path / DB
    keys = {"cine-society-eur": shop.key, "teatro-breve-usd": shop.running.keys[1]}
    clients = {bid: Client(key, base_url=shop.base_url) for bid, key in keys.items()}

    def sync_each() -> dict[str, str]:
        loads = {}
        for bid, key in keys.items():
            result = run_sync_cli(TICKETTAILOR_API_KEY=key)
            assert result.exit_code == 0, result.output
            assert f"Synced box office {bid} into" in result.output
            loads[bid] = latest_load(db)
        return loads

    def assert_each_mirrors_its_api() -> None:
        for bid, client in clients.items():
            mine = f"box_office_id = '{bid}'"
            for table in ("orders", "issued_tickets", "events", "check_ins"):
                got = ids(db, table, mine)
                assert len(got) == len(set(got)), (bid, table)
                assert sorted(got) == sorted(r.id for r in getattr(client, table).list())
            api = {o.id: o.raw for o in client.orders.list()}
            items = query(
                db,
                "select o.id, count(*) from box_office.orders o join box_office.orders__line_items"
                f" li on li._dlt_parent_id = o._dlt_id where li.{mine} group by o.id",
            )
            nested = {k: len(v["line_items"]) for k, v in api.items() if v["line_items"]}
            assert dict(items) == nested
            rows = query(db, f"select id, refund_amount from box_office.orders where {mine}")
            assert dict(rows) == {k: v["refund_amount"] for k, v in api.items()}

    try:
        sync_each()
        assert_each_mirrors_its_api()
        overview = query(db, "select box_office_id from box_office.overview order by 1")
        assert overview == [(bid,) for bid in sorted(keys)]
        # A refund in one box office: the next sync of each loads it, and only it.
        other = clients["teatro-breve-usd"]
        recent = other.orders.list(created_gte=int(time.time()) - 10 * 86400, status="completed")
        order = next(o.raw for o in recent if o.raw["total"] > 200)
        reply = httpx2.post(
            f"{shop.base_url}/_sandbox/orders/{order['id']}/refund",
            json={"amount": 100},
            auth=(keys["teatro-breve-usd"], ""),
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        loads = sync_each()
        changed = {
            bid: ids(db, "orders", f"_dlt_load_id = '{load}'") for bid, load in loads.items()
        }
        assert changed == {"cine-society-eur": [], "teatro-breve-usd": [order["id"]]}
        assert_each_mirrors_its_api()
        # A full refresh of one box office drops what its API no longer lists (an order
        # deleted, with its tickets) and leaves the other's rows alone.
        gone = order["id"]
        deleted = httpx2.delete(
            f"{shop.base_url}/_sandbox/orders/{gone}", auth=(keys["teatro-breve-usd"], "")
        )
        assert deleted.status_code in (200, 204), deleted.text
        assert ids(db, "orders", f"id = '{gone}'") == [gone]
        refresh = run_sync_cli("--full-refresh", TICKETTAILOR_API_KEY=keys["teatro-breve-usd"])
        assert refresh.exit_code == 0, refresh.output
        assert ids(db, "orders", f"id = '{gone}'") == []
        assert query(
            db, f"select count(*) from box_office.issued_tickets where order_id = '{gone}'"
        ) == [(0,)]
        assert_each_mirrors_its_api()
    finally:
        for client in clients.values():
            client.close()
