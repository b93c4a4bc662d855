"""kill -9 in the middle of a re-check sweep (issue 14): the real command SIGKILLs
itself after the sweep's first page is committed; the next run resumes the sweep
where it stood, every change reaches the sink, none under two keys."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.reliability._cli import cli, run
from tests.watch.shop import new_order
from tickettailor import Client
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread
from tickettailor.watch.state import StateStore

KEY = "sk_1000_100000_" + "f" * 32


@pytest.fixture
def shop() -> Iterator[RunningSandbox]:
    config = SandboxConfig(
        keys=[KEY], seed=9, orders=10, events=40, anchor=int(time.time()) - 2 * 86400
    )
    with serve_in_thread(config) as running:
        yield running


def test_a_sweep_killed_midway_resumes_and_loses_nothing(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    events = [e.raw["id"] for e in Client(api_key=KEY, base_url=shop.base_url).events.list()]
    orders: list[str] = []
    for event_id in events * 5:  # 250 orders (3 pages), a few per event with tickets left
        body = {"count": 5, "ago": 1200, "event_id": event_id}
        reply = httpx2.post(f"{shop.base_url}/_sandbox/orders", json=body)
        orders += [str(o["id"]) for o in reply.json()["data"]] if reply.status_code == 201 else []
        if len(orders) >= 250:
            break
    assert len(orders) >= 250
    new_order(shop)  # the newest: the 250 lie behind the lookback
    state, out = tmp_path / "orders.sqlite3", tmp_path / "out.jsonl"
    once = cli(shop, "watch", "orders", "--once", "--start", "-2h", "--state", str(state))
    once += ["--sink", f"jsonl:{out}", "--recheck-every", "0"]
    assert run(once).returncode == 0
    changed = [orders[3], orders[-3]]  # on the sweep's first page and on its last
    for order_id in changed:
        reply = httpx2.post(
            f"{shop.base_url}/_sandbox/orders/{order_id}/refund", json={"amount": 10}
        )
        assert reply.status_code < 300, reply.text
    # Page commits: the main scan's (1), the sweep's first (2; its cursor is kept
    # after it) and second (3): killed right after that one.
    killed = run(once, crash="after_position_commit:3")
    assert killed.returncode == -signal.SIGKILL
    store = StateStore.open(state, resource="orders", key_fingerprint=None, create=False)
    try:
        progress = json.loads(store.status_value("recheck:created") or "{}")
    finally:
        store.close()
    assert progress.get("cursor")  # the sweep stood mid-way
    assert run(once).returncode == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    keys = [e["id"] for e in lines]
    assert len(keys) == len(set(keys))
    updates = sorted(e["data"]["id"] for e in lines if e["type"] == "order.updated")
    assert updates == sorted(changed)
