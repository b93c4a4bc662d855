"""Issued tickets' changes keyed by content, like orders (issue 14): a void and any
other change the poll sees is one ``issued_ticket.updated:<id>:<hash>``, the same key by
webhook and by poll; a state written before tickets were hashed upgrades without
delivering anything twice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.watch.conftest import T0, Clock, ListSink, MakeWatch
from tests.watch.fakeapi import FakeAPI
from tests.watch.shop import private_env
from tickettailor.cli.main import app
from tickettailor.watch.changes import content_hash
from tickettailor.watch.engine import RECHECK_FULL_EVERY, VOID_EVERY
from tickettailor.webhooks.events import to_record

WEEK_AGO = str(T0 - 7 * 86_400)


def updated_key(ticket: dict) -> str:
    return f"issued_ticket.updated:{ticket['id']}:{content_hash(ticket)}"


def test_a_void_and_another_change_are_each_one_envelope_keyed_by_content(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    voided = api.add("it_", T0 - 3 * 86_400, barcode="AAA")
    renamed = api.add("it_", T0 - 2 * 86_400, barcode="BBB", full_name="Ann")
    api.add("it_", T0 - 10)  # the newest: the others lie behind the lookback
    watch = make_watch("issued-tickets", start=WEEK_AGO, recheck_full_every=0)
    assert watch.run_cycle().stored == 3
    api.void(voided["id"], T0 + 5)
    renamed.update(full_name="Ann Lee", updated_at=T0 + 6)  # no void: only a re-read sees it
    clock.now += VOID_EVERY
    report = watch.run_cycle()  # the void scan and the re-check of the window
    assert report.updated == 2, report
    assert sorted(sink.keys[3:]) == sorted([updated_key(voided), updated_key(renamed)])
    by_id = {e["data"]["id"]: e for e in sink.got[3:]}
    assert by_id[voided["id"]]["data"]["status"] == "voided"
    assert by_id[voided["id"]]["timestamp"] == "2025-11-24T16:00:05Z"  # its updated_at
    assert by_id[renamed["id"]]["data"]["full_name"] == "Ann Lee"
    clock.now += max(VOID_EVERY, RECHECK_FULL_EVERY)
    assert watch.run_cycle().updated == 0  # seen again by both: the same contents
    assert len(sink.keys) == 5


def test_a_void_by_webhook_and_by_poll_has_one_key(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    ticket = api.add("it_", T0 - 86_400)
    watch = make_watch("issued-tickets", start=WEEK_AGO, recheck_window=0)
    watch.run_cycle()
    api.void(ticket["id"], T0 + 5)
    hooked = to_record("ISSUED_TICKET.UPDATED", dict(ticket))
    assert hooked is not None
    assert hooked.envelope["id"] == updated_key(ticket)
    clock.now += VOID_EVERY
    watch.run_cycle()
    assert sink.keys[-1] == updated_key(ticket)


def test_with_no_updates_a_void_keeps_its_updated_at_key(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    ticket = api.add("it_", T0 - 86_400)
    watch = make_watch("issued-tickets", start=WEEK_AGO, updates=False)
    watch.run_cycle()
    api.void(ticket["id"], T0 + 5)
    clock.now += VOID_EVERY
    watch.run_cycle()
    assert sink.keys[-1] == f"issued_ticket.updated:{ticket['id']}:{T0 + 5}"  # as before


def test_a_state_from_before_tickets_were_hashed_upgrades_without_repeats(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink, tmp_path: Path
) -> None:
    """The state as the previous release left it: tickets keyed by ``updated_at`` and
    no content hash of any ticket (``updates=False`` writes exactly that)."""
    tickets = [api.add("it_", T0 - 86_400 + i) for i in range(4)]
    old = make_watch("issued-tickets", start=WEEK_AGO, updates=False)
    old.run_cycle()
    api.void(tickets[0]["id"], T0 + 5)
    clock.now += VOID_EVERY
    old.run_cycle()
    old.close()
    state = tmp_path / "issued-tickets.sqlite3"
    with sqlite3.connect(state) as conn:
        assert conn.execute("SELECT count(*) FROM content_hashes").fetchone() == (0,)
    delivered = list(sink.keys)
    assert delivered[-1] == f"issued_ticket.updated:{tickets[0]['id']}:{T0 + 5}"
    api.void(tickets[1]["id"], T0 + 400)  # a change while nothing ran
    watch = make_watch("issued-tickets", start=WEEK_AGO, recheck_full_every=0)
    for _ in range(2):
        clock.now += max(VOID_EVERY, RECHECK_FULL_EVERY)
        assert watch.run_cycle().ok
    # The void delivered under its old key is not delivered again under a new one;
    # the new void is delivered once, keyed by content.
    assert sink.keys == [*delivered, updated_key(tickets[1])]
    with sqlite3.connect(state) as conn:
        hashed = {r for (r,) in conn.execute("SELECT DISTINCT record_id FROM content_hashes")}
    assert {t["id"] for t in tickets} <= hashed


def test_watch_status_says_how_soon_a_ticket_change_is_seen(
    make_watch: MakeWatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_env(tmp_path, monkeypatch)
    make_watch("issued-tickets", start=WEEK_AGO, void_every=120).run_cycle()
    state = tmp_path / "issued-tickets.sqlite3"
    result = CliRunner().invoke(app, ["watch", "status", "issued-tickets", "--state", str(state)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if "changes:" in x)
    assert "a void is seen within ~2 min (the void scan)" in line
    assert "--recheck-window" in line
