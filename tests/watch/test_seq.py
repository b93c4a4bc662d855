"""``seq`` on envelopes (issue 14): the watch numbers every envelope its state stores,
in order, and keeps the number on replays, so a current-state table (``mode=current``)
orders two changes of one second and a replayed older change never moves a row back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.watch.conftest import T0, Clock, ListSink, MakeWatch
from tests.watch.fakeapi import FakeAPI
from tickettailor.sinks.sqlite import SqliteSink

DAY_AGO = str(T0 - 86_400)


def current(db: Path) -> dict[str, Any]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT record_id, data FROM tickettailor_current").fetchall()
    return {rid: json.loads(data) for rid, data in rows}


def test_seq_rises_and_a_replayed_older_change_never_moves_the_row_back(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink, tmp_path: Path
) -> None:
    db = tmp_path / "shop.db"
    order = api.add("or_", T0 - 30, status="completed", refund_amount=0)
    watch = make_watch(start=DAY_AGO, sinks=[sink, SqliteSink(db, mode="current")])
    watch.run_cycle()
    # Two changes within one second of the watch's clock: the envelopes' timestamps tie.
    order.update(refund_amount=500)
    watch.run_cycle()
    order.update(status="cancelled", refund_amount=1500)
    watch.run_cycle()
    seqs = [e["seq"] for e in sink.got]
    assert [e["type"] for e in sink.got] == ["order.created", "order.updated", "order.updated"]
    assert seqs == sorted(set(seqs))  # rising, no two alike
    assert sink.got[1]["timestamp"] == sink.got[2]["timestamp"]
    assert current(db)[order["id"]]["status"] == "cancelled"
    # The older change arrives again (a replay, a late retry): the row stays.
    late = SqliteSink(db, mode="current")
    late.send(sink.got[1])
    late.close()
    assert current(db)[order["id"]]["status"] == "cancelled"
    assert watch.replay(DAY_AGO) == 3  # a replay of everything keeps each seq
    watch.deliver()
    assert [e["seq"] for e in sink.got[3:]] == seqs
    assert current(db)[order["id"]] == order
