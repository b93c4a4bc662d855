"""``sqlite:PATH``: an upserting table keyed by the idempotency key, WAL, full sync."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import httpx2
import pytest

from tests.conftest import TEST_KEY
from tests.sinks import current_cases
from tests.sinks.conftest import MakeEnvelope, outbox
from tickettailor._core.errors import UsageError
from tickettailor.sandbox import SandboxConfig, serve_in_thread
from tickettailor.sinks import SqliteSink, parse_sink_spec
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.relay import Backoff, relay
from tickettailor.watch.sink import SinkError

CUR = "tickettailor_current"


def rows(path: Path, table: str = "tickettailor_events") -> list[sqlite3.Row]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()  # noqa: S608


def test_rows_have_typed_columns_and_the_raw_record(tmp_path: Path, make_env: MakeEnvelope) -> None:
    path = tmp_path / "shop.db"
    envelope = make_env()
    sink = SqliteSink(path)
    sink.send(envelope)
    sink.close()
    [row] = rows(path)
    assert row["id"] == envelope["id"]
    assert row["record_id"] == envelope["data"]["id"]
    assert row["type"] == "order.created"
    assert row["timestamp"] == envelope["timestamp"]
    assert json.loads(row["data"]) == envelope["data"]
    assert row["received_at"].endswith("Z")


def test_a_duplicate_leaves_one_row(tmp_path: Path, make_env: MakeEnvelope) -> None:
    path = tmp_path / "shop.db"
    envelopes = [make_env() for _ in range(5)]
    sink = SqliteSink(path)
    for envelope in envelopes:
        sink.send(envelope)
    sink.close()
    replay = SqliteSink(path)  # a restarted watch re-sending everything
    for envelope in envelopes:
        replay.send(envelope)
    replay.close()
    assert [row["id"] for row in rows(path)] == [e["id"] for e in envelopes]


def test_committed_before_send_returns_in_wal_mode(tmp_path: Path, make_env: MakeEnvelope) -> None:
    path = tmp_path / "shop.db"
    sink = SqliteSink(path)
    envelope = make_env()
    sink.send(envelope)
    # Another connection sees the row while the sink is still open: it is committed.
    assert [row["id"] for row in rows(path)] == [envelope["id"]]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    sink.close()


def test_a_chosen_table_and_one_per_kind(tmp_path: Path, make_env: MakeEnvelope) -> None:
    path = tmp_path / "shop.db"
    orders, checkins = SqliteSink(path, table="orders"), SqliteSink(path, table="check_ins")
    orders.send(make_env())
    checkins.send(make_env("check_in.created"))
    orders.close()
    checkins.close()
    assert [row["type"] for row in rows(path, "orders")] == ["order.created"]
    assert [row["type"] for row in rows(path, "check_ins")] == ["check_in.created"]


def test_a_foreign_table_of_the_same_name_is_a_clear_error(
    tmp_path: Path, make_env: MakeEnvelope
) -> None:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE tickettailor_events (id TEXT PRIMARY KEY, body TEXT)")
    with pytest.raises(SinkError, match="without the columns record_id, type, timestamp") as caught:
        SqliteSink(path).send(make_env())
    assert "pick another table with sqlite,table=NAME:" in str(caught.value)
    assert caught.value.permanent is False


def test_a_file_that_is_not_a_database_is_a_retryable_error(
    tmp_path: Path, make_env: MakeEnvelope
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n" * 200)
    with pytest.raises(SinkError, match="file is not a database") as caught:
        SqliteSink(path).send(make_env())
    assert caught.value.permanent is False
    assert path.read_text() == "shopping list\n" * 200  # left alone


def test_two_writers_on_one_database_both_land(tmp_path: Path, make_env: MakeEnvelope) -> None:
    path = tmp_path / "shop.db"
    envelopes = [make_env() for _ in range(60)]

    def write(part: list[Envelope]) -> None:
        sink = SqliteSink(path)
        for envelope in part:
            sink.send(envelope)
        sink.close()

    threads = [threading.Thread(target=write, args=(envelopes[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(row["id"] for row in rows(path)) == sorted(e["id"] for e in envelopes)


def open_together(path: Path, envelopes: list[Envelope]) -> list[SinkError]:
    """One new sink per envelope, all sending at the same moment; the errors seen."""
    start = threading.Barrier(len(envelopes))
    errors: list[SinkError] = []

    def write(envelope: Envelope) -> None:
        sink = SqliteSink(path)
        start.wait()
        try:
            sink.send(envelope)
        except SinkError as exc:
            errors.append(exc)
        finally:
            sink.close()

    threads = [threading.Thread(target=write, args=(e,)) for e in envelopes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_writers_opening_a_new_database_together_all_succeed(
    tmp_path: Path, make_env: MakeEnvelope
) -> None:
    # Regression: the switch to WAL answered "database is locked" to the loser of the race.
    for trial in range(15):
        path = tmp_path / f"fresh{trial}.db"
        envelopes = [make_env() for _ in range(4)]
        assert open_together(path, envelopes) == []
        assert len(rows(path)) == len(envelopes)


def test_a_new_database_and_its_wal_files_are_private_to_their_owner(
    tmp_path: Path, make_env: MakeEnvelope
) -> None:
    old_umask = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        sink = parse_sink_spec(f"sqlite:{tmp_path / 'out.db'}")
        sink.send(make_env())
        # While the sink is open SQLite keeps its -wal and -shm beside the database.
        files = [tmp_path / name for name in ("out.db", "out.db-wal", "out.db-shm")]
        assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {
            f.name: 0o600 for f in files
        }
        sink.close()
        # A file the user made themselves keeps the mode they gave it.
        shared = tmp_path / "shared.db"
        shared.touch(mode=0o644)
        other = parse_sink_spec(f"sqlite:{shared}")
        other.send(make_env())
        other.close()
        assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    finally:
        os.umask(old_umask)


# ---- mode=current: one row per record, never moved backwards --------------------------
@pytest.mark.parametrize("case", current_cases.CASES, ids=lambda case: case.__name__)
def test_current_state_table(tmp_path: Path, case: current_cases.Case) -> None:
    path = tmp_path / "shop.db"
    sink = parse_sink_spec(f"sqlite,mode=current:{path}")
    try:
        case(sink.send, lambda: {r["record_id"]: json.loads(r["data"]) for r in rows(path, CUR)})
    finally:
        sink.close()


def test_current_state_columns_and_a_replay_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    sink = SqliteSink(path, table="orders_now", mode="current")
    created = current_cases.order("order.created", current_cases.T0)
    cancelled = current_cases.order("order.updated", current_cases.T0 + 60, status="cancelled")
    sink.send(created)
    sink.send(cancelled)
    [before] = rows(path, "orders_now")
    assert (before["object"], before["type"]) == ("order", "order.updated")
    assert before["envelope_id"] == cancelled["id"]
    assert before["timestamp"] == cancelled["timestamp"]
    assert (before["version_at"], before["version_rank"]) == (current_cases.T0 + 60, 1)
    with sqlite3.connect(path) as conn:  # mark the row: a rewrite would clear the mark
        conn.execute("UPDATE orders_now SET written_at = 'marked'")
    sink.send(created)
    sink.send(cancelled)
    sink.close()
    [after] = rows(path, "orders_now")
    assert after["written_at"] == "marked"


def test_mode_is_checked_and_a_log_table_is_not_taken_for_a_current_one(
    tmp_path: Path, make_env: MakeEnvelope
) -> None:
    path = tmp_path / "shop.db"
    with pytest.raises(UsageError, match=r"mode=log .* or mode=current"):
        parse_sink_spec(f"sqlite,mode=latest:{path}")
    SqliteSink(path).send(make_env())  # the envelope log, tickettailor_events
    clash = SqliteSink(path, table="tickettailor_events", mode="current")
    with pytest.raises(SinkError, match="exists without the columns"):
        clash.send(make_env())


def test_a_watch_keeps_the_current_state_of_each_ticket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_config: SandboxConfig
) -> None:
    """The real command: ``watch issued-tickets`` into ``sqlite,mode=current``; a ticket
    voided in the sandbox then shows voided in its one row."""
    from typer.testing import CliRunner

    from tickettailor.cli.main import app

    monkeypatch.setenv("TICKETTAILOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TICKETTAILOR_TEST_MODE", "1")
    path = tmp_path / "shop.db"
    config = dataclasses.replace(sandbox_config, keys=(TEST_KEY,), orders=60)
    with serve_in_thread(config) as running:
        monkeypatch.setenv("TICKETTAILOR_BASE_URL", running.base_url)
        monkeypatch.setenv("TICKETTAILOR_API_KEY", running.key)

        def watch() -> None:
            args = ["watch", "issued-tickets", "--once", "--start", "all", "--voids-every", "0"]
            result = CliRunner().invoke(app, [*args, "--sink", f"sqlite,mode=current:{path}"])
            assert result.exit_code == 0, result.stderr

        watch()
        tickets = {r["record_id"]: json.loads(r["data"]) for r in rows(path, CUR)}
        valid = next(t for t in tickets.values() if t["status"] == "valid")
        voided = httpx2.post(f"{running.base_url}/_sandbox/issued_tickets/{valid['id']}/void")
        assert voided.status_code == 200, voided.text
        watch()
    after = {r["record_id"]: r for r in rows(path, CUR)}
    assert len(after) == len(tickets)  # one row per ticket, still
    assert json.loads(after[valid["id"]]["data"]) == voided.json()
    assert after[valid["id"]]["type"] == "issued_ticket.updated"


def test_the_relay_commits_once_per_marked_batch_not_per_row(
    tmp_path: Path, make_env: MakeEnvelope
) -> None:
    path = tmp_path / "shop.db"
    sink = SqliteSink(path)
    envelopes = [make_env() for _ in range(120)]
    store = outbox(tmp_path, envelopes, sink.name)
    commits: list[str] = []
    sink._connect().set_trace_callback(  # the sink's own connection: what it commits
        lambda sql: commits.append(sql) if sql.strip().upper() == "COMMIT" else None
    )
    report = relay(store, [sink], limit=None, clock=time.time, backoff=Backoff())
    assert report.delivered == 120
    assert len(commits) == 3  # marks of 50, 50 and 20 rows, each after one commit
    assert [row["id"] for row in rows(path)] == [e["id"] for e in envelopes]
    assert store.pending(sink.name, 500) == []
    sink.send(make_env())  # outside the relay each send is committed at once
    assert len(commits) == 4
    sink.close()
    store.close()


def test_a_row_that_fails_mid_batch_leaves_the_batch_pending_then_each_row_lands_once(
    tmp_path: Path, make_env: MakeEnvelope
) -> None:
    path = tmp_path / "shop.db"
    sink = SqliteSink(path)
    envelopes = [make_env() for _ in range(30)]
    sink.send(envelopes[0])  # creates the table; a trigger then refuses the 10th row
    refused = envelopes[9]["id"]
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON tickettailor_events "
            f"WHEN NEW.id = '{refused}' BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END"
        )
    store = outbox(tmp_path, envelopes, sink.name)
    failed = relay(store, [sink], limit=None, clock=time.time, backoff=Backoff())
    assert failed.delivered == 0  # rows 2-9 were rolled back with the failed one: not marked
    assert "rolled back" in failed.errors[sink.name]
    assert len(store.pending(sink.name, 500)) == 30
    assert [row["id"] for row in rows(path)] == [envelopes[0]["id"]]
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER refuse")
    again = relay(store, [sink], limit=None, clock=lambda: time.time() + 3600, backoff=Backoff())
    assert again.delivered == 30
    assert [row["id"] for row in rows(path)] == [e["id"] for e in envelopes]
    sink.close()
    store.close()
