"""Changes end to end on the real sandbox (issue 14): orders made and changed through
the control API (cancel, full refund, partial refund, void one ticket, confirm a
pending payment; move an event, close its sales, sell it out), a watch with a SQLite
sink, exactly one ``.updated`` per change with the record as the API returns it; a
replay changes nothing; a change seen by webhook and by poll is delivered once; the
re-check finds a change within the sweep time ``watch status`` prints, and re-reads
old orders of events not ended yet."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from typer.testing import CliRunner

from tests.watch.shop import new_order, private_env, quiet_shop
from tests.webhooks.conftest import SECRET, read_jsonl, wait_for, wait_listening
from tickettailor import Client
from tickettailor.cli.main import app
from tickettailor.sandbox import RunningSandbox
from tickettailor.sandbox.server import free_port
from tickettailor.sinks.sqlite import SqliteSink
from tickettailor.watch import Watch
from tickettailor.watch.changes import content_hash

KEY = "sk_1000_100000_" + "e" * 32


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private_env(tmp_path, monkeypatch)


@pytest.fixture
def shop() -> Iterator[RunningSandbox]:
    with quiet_shop(KEY, seed=7, orders=20) as running:
        yield running


def control(shop: RunningSandbox, path: str, body: dict[str, Any] | None = None) -> Any:
    reply = httpx2.post(f"{shop.base_url}/_sandbox{path}", json=body or {})
    assert reply.status_code < 300, reply.text
    return reply.json()


def api_order(client: Client, order_id: str) -> dict[str, Any]:
    return client.request("GET", f"/v1/orders/{order_id}").body  # type: ignore[no-any-return]  # a dict


def rows(db: Path) -> list[tuple[str, str, dict[str, Any]]]:
    with sqlite3.connect(db) as conn:
        query = "SELECT id, type, data FROM tickettailor_events ORDER BY id"
        found = conn.execute(query).fetchall()
    return [(key, kind, json.loads(data)) for key, kind, data in found]


def make_watch(client: Client, tmp_path: Path, **options: Any) -> Watch:
    options.setdefault("void_every", 0)
    options.setdefault("start", "-2h")
    return Watch(
        "orders",
        client=client,
        sinks=[SqliteSink(tmp_path / "shop.db")],
        state=tmp_path / "orders.sqlite3",
        **options,
    )


def test_each_change_is_one_updated_envelope_with_the_new_record(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    made = [new_order(shop, ago=900) for _ in range(5)]
    made.append(new_order(shop, ago=900, status="pending"))
    new_order(shop)  # the newest: the others lie behind the lookback
    client = Client(api_key=KEY, base_url=shop.base_url)
    watch = make_watch(client, tmp_path, recheck_every=0, recheck_full_every=0)
    assert watch.run_cycle().stored == 7
    cancel, refund, partial, void, unchanged, pending = (str(o["id"]) for o in made)
    control(shop, f"/orders/{cancel}/cancel", {"reason": "Duplicate"})
    control(shop, f"/orders/{refund}/refund")  # the whole amount: cancelled
    control(shop, f"/orders/{partial}/refund", {"amount": 100})  # keeps the order, no void
    ticket = api_order(client, void)["issued_tickets"][0]["id"]
    control(shop, f"/issued_tickets/{ticket}/void")
    control(shop, f"/orders/{pending}/confirm-payment")
    report = watch.run_cycle()
    assert report.ok
    assert report.updated == 5
    assert watch.run_cycle().updated == 0  # the same contents again: nothing new
    changed = {cancel, refund, partial, void, pending}
    updates = [(k, d) for k, kind, d in rows(tmp_path / "shop.db") if kind == "order.updated"]
    assert sorted(d["id"] for _, d in updates) == sorted(changed)
    for key, data in updates:
        now = api_order(client, data["id"])
        assert data == now  # the whole record as the API returns it after the change
        assert key == f"order.updated:{now['id']}:{content_hash(now)}"
    by_id = {d["id"]: d for _, d in updates}
    assert by_id[cancel]["status"] == by_id[refund]["status"] == "cancelled"
    assert by_id[partial]["status"] == "completed"
    assert by_id[partial]["refund_amount"] == 100
    assert by_id[void]["issued_tickets"][0]["status"] == "voided"
    assert by_id[pending]["status"] == "completed"
    assert unchanged not in by_id
    before = rows(tmp_path / "shop.db")
    assert watch.replay("-1d") > 0  # a replay sends the same keys: the table stays
    watch.deliver()
    assert rows(tmp_path / "shop.db") == before
    watch.close()


def test_the_void_scan_finds_a_cancellation_with_the_recheck_off(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    order = new_order(shop, ago=900)
    new_order(shop)
    client = Client(api_key=KEY, base_url=shop.base_url)
    watch = make_watch(client, tmp_path, recheck_window=0)
    watch.run_cycle()
    control(shop, f"/orders/{order['id']}/cancel")
    report = watch.run_cycle()
    assert report.updated == 1
    kinds = [kind for _, kind, d in rows(tmp_path / "shop.db") if d["id"] == order["id"]]
    assert kinds == ["order.created", "order.updated"]
    watch.close()


def printed_sweep_time(state: Path) -> float:
    """Seconds within which ``watch status`` says a change is seen, plus half the unit
    it rounds to ("~60 min" may be 60.4 min)."""
    tt = ["--api-key", KEY, "watch", "status", "orders", "--state", str(state)]
    status = CliRunner().invoke(app, tt)
    assert status.exit_code == 0, status.stderr
    line = next(x for x in status.stdout.splitlines() if "changes:" in x)
    assert "budget 10%" in line, line
    found = re.search(r"a change is seen within ~(\d+(?:\.\d+)?) (s|min|h)\b", line)
    assert found, line
    unit = {"s": 1, "min": 60, "h": 3600}[found[2]]
    return float(found[1]) * unit + unit * (0.05 if found[2] == "h" else 0.5)


def test_the_recheck_sees_a_partial_refund_within_the_time_status_prints(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    order = new_order(shop, ago=3 * 86_400)  # neither the lookback nor the last hour
    new_order(shop)
    client = Client(api_key=KEY, base_url=shop.base_url)
    clock = SimClock()
    watch = make_watch(client, tmp_path, start="-7d", clock=clock)
    assert watch.run_cycle().ok  # a full sweep is due an hour from now
    within = printed_sweep_time(tmp_path / "orders.sqlite3")
    control(shop, f"/orders/{order['id']}/refund", {"amount": 50})  # no void, no webhook
    changed_at, seen = clock.now, []
    while not seen and clock.now - changed_at < 3 * within:  # cycles a minute apart
        clock.now += 60
        assert watch.run_cycle().ok
        seen = [d for _, kind, d in rows(tmp_path / "shop.db") if kind == "order.updated"]
    watch.close()
    assert [(d["id"], d["refund_amount"]) for d in seen] == [(order["id"], 50)]
    assert clock.now - changed_at <= within, (clock.now - changed_at, within)


def test_a_change_by_webhook_and_by_poll_is_delivered_once(
    shop: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = new_order(shop, ago=900)
    new_order(shop)
    folder, out, port = tmp_path / "state", tmp_path / "out.jsonl", free_port()
    for name, value in {
        "TICKETTAILOR_WEBHOOK_SECRET": SECRET,
        "TICKETTAILOR_API_KEY": KEY,
        "TICKETTAILOR_BASE_URL": shop.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    poll = ["watch", "orders", "--once", "--state", str(folder / "orders.sqlite3")]
    poll += ["--start", "-2h", "--sink", f"jsonl:{out}", "--recheck-every", "0"]
    assert CliRunner().invoke(app, poll).exit_code == 0
    command = [sys.executable, "-c", "from tickettailor.cli.main import main; main()"]
    command += ["webhooks", "serve", "orders", "--port", str(port), "--state", str(folder)]
    receiver = subprocess.Popen([*command, "--sink", f"jsonl:{out}"], stderr=subprocess.PIPE)
    try:
        wait_listening(receiver, port)
        url = f"http://127.0.0.1:{port}/tickettailor"
        control(shop, "/webhooks", {"url": url, "events": ["ORDER.UPDATED"], "secret": SECRET})
        control(shop, f"/orders/{order['id']}/cancel")
        wait_for(lambda: len(read_jsonl(out)) == 3, what="the webhook's change delivered")
        receiver.send_signal(signal.SIGINT)
        receiver.wait(30)
    finally:
        if receiver.poll() is None:
            receiver.kill()
        receiver.wait()
    again = CliRunner().invoke(app, poll)  # the poll sees the same change: same key
    assert again.exit_code == 0, again.stderr
    mine = [
        (e["type"], e["data"]["status"]) for e in read_jsonl(out) if e["data"]["id"] == order["id"]
    ]
    assert mine == [("order.created", "completed"), ("order.updated", "cancelled")]


class SimClock:
    """The watch's clock, moved on by the test (the sandbox keeps real time)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_the_recheck_covers_old_orders_of_events_not_ended_yet(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    now = int(time.time())
    live, ended = "ev_5940000", "ev_5940001"  # both ended months ago with seed 7
    control(shop, f"/events/{live}/move", {"start_at": now + 30 * 86_400})  # next month
    bought = new_order(shop, ago=40 * 86_400, event_id=live)  # outside --recheck-window
    past = new_order(shop, ago=40 * 86_400, event_id=ended)
    new_order(shop)
    client = Client(api_key=KEY, base_url=shop.base_url)
    clock = SimClock()
    watch = make_watch(client, tmp_path, start="-60d", clock=clock)
    assert watch.run_cycle().ok
    control(shop, f"/orders/{bought['id']}/refund", {"amount": 100})  # no void, no webhook
    control(shop, f"/orders/{past['id']}/refund", {"amount": 100})
    seen: list[str] = []
    for _ in range(90):  # an hour and a half of cycles a minute apart
        clock.now += 60
        assert watch.run_cycle().ok
        seen = [d["id"] for _, kind, d in rows(tmp_path / "shop.db") if kind == "order.updated"]
        if seen:
            break
    watch.close()
    assert seen == [bought["id"]], "the next full re-check re-lists the live event's orders"
    # The ended event's order lies outside the window: its refund is not looked for
    # (README, "What cannot be caught").
    assert past["id"] not in seen


def test_each_event_change_is_one_updated_envelope_with_the_new_record(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    client = Client(api_key=KEY, base_url=shop.base_url)
    db = tmp_path / "events.db"
    watch = Watch(
        "events",
        client=client,
        sinks=[SqliteSink(db), SqliteSink(db, mode="current")],
        state=tmp_path / "events.sqlite3",
        start="all",
        recheck_every=0,  # the events are re-listed every cycle
    )
    assert watch.run_cycle().ok
    assert watch.run_cycle().updated == 0  # nothing changed yet
    moved, closed, sold = "ev_5940009", "ev_5940008", "ev_5940007"  # upcoming with seed 7
    first = {d["id"]: d for _, kind, d in rows(db) if kind == "event.created"}
    assert first[sold]["tickets_available"] == "true"
    assert first[closed]["status"] == "published"
    control(shop, f"/events/{moved}/move", {"by": 86_400})
    control(shop, f"/events/{closed}/status", {"status": "sales_closed"})
    control(shop, f"/events/{sold}/sold-out")
    report = watch.run_cycle()
    assert report.ok
    assert report.updated == 3
    assert watch.run_cycle().updated == 0  # the same contents again: nothing new
    log = [(k, d) for k, kind, d in rows(db) if kind == "event.updated"]
    assert sorted(d["id"] for _, d in log) == sorted([moved, closed, sold])
    for key, data in log:
        now = client.request("GET", f"/v1/events/{data['id']}").body
        assert data == now  # the whole record as GET returns it after the change
        assert key == f"event.updated:{now['id']}:{content_hash(now)}"
    by_id = {d["id"]: d for _, d in log}
    assert by_id[closed]["status"] == "sales_closed"
    assert by_id[sold]["tickets_available"] == "false"
    assert by_id[moved]["start"]["unix"] == first[moved]["start"]["unix"] + 86_400
    with sqlite3.connect(db) as conn:
        table = dict(conn.execute("SELECT record_id, data FROM tickettailor_current").fetchall())
    assert {i: json.loads(table[i]) for i in by_id} == by_id  # the current state is the change
    before = rows(db), table
    assert watch.replay("2000-01-01") > 0  # a replay sends the same keys: nothing moves
    watch.deliver()
    with sqlite3.connect(db) as conn:
        again = dict(conn.execute("SELECT record_id, data FROM tickettailor_current").fetchall())
    assert (rows(db), again) == before
    watch.close()
