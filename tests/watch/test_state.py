"""The state file: refuse what is not ours, one writer at a time, nothing overwritten."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.watch.conftest import T0, Clock, ListSink, MakeWatch
from tests.watch.fakeapi import FakeAPI
from tickettailor._core.errors import StateError
from tickettailor.watch.state import SCHEMA_VERSION, StateStore


def _open(path: Path, **kw) -> StateStore:
    kw.setdefault("resource", "orders")
    kw.setdefault("key_fingerprint", "fp-a")
    return StateStore.open(path, **kw)


def test_new_state_is_wal_with_full_sync_and_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "orders.sqlite3"
    store = _open(path)
    assert store._conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert store._conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert path.stat().st_mode & 0o777 == 0o600
    store.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"this is my shopping list\n" * 50), "not an SQLite database"),
        (
            lambda p: sqlite3.connect(p).executescript("CREATE TABLE notes (t TEXT);"),
            "not a tickettailor watch state",
        ),
    ],
    ids=["text-file", "other-sqlite"],
)
def test_foreign_file_is_refused_and_left_untouched(tmp_path: Path, make, message) -> None:
    path = tmp_path / "orders.sqlite3"
    make(path)
    before = path.read_bytes()
    with pytest.raises(StateError, match=message):
        _open(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.sqlite3"]


def test_a_directory_where_the_state_should_be_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "orders.sqlite3").mkdir()
    with pytest.raises(StateError, match=r"orders\.sqlite3"):
        _open(tmp_path / "orders.sqlite3")


def test_state_of_another_key_is_refused_without_showing_any_key(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    _open(path, key_fingerprint="fp-a").close()
    before = path.read_bytes()
    with pytest.raises(StateError, match="belongs to another API key") as info:
        _open(path, key_fingerprint="fp-b")
    assert "fp-a" in str(info.value)  # fingerprints only: the keys are never stored
    assert path.read_bytes() == before


def test_state_of_another_resource_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    _open(path).close()
    with pytest.raises(StateError, match="belongs to a watch of orders, not events"):
        _open(path, resource="events")


def test_state_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    _open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StateError, match="newer tickettailor"):
        _open(path)
    assert path.read_bytes() == before


def test_second_watcher_on_one_state_exits_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    first = _open(path)
    first.acquire()
    second = _open(path)
    with pytest.raises(StateError, match="in use by another watcher") as info:
        second.acquire(wait=0.3)
    assert "pid" in str(info.value)
    first.release()
    second.acquire()  # free now
    first.close()
    second.close()


def test_a_watcher_that_lost_its_lease_cannot_write(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "s.sqlite3"
    first = _open(path, clock=clock, lease_ttl=30)
    first.acquire()
    clock.now += 31  # first stalls past its lease ...
    second = _open(path, clock=clock, lease_ttl=30)
    second.acquire()  # ... and a second watcher takes over
    with pytest.raises(StateError, match="lost the lease"):
        first.mark_delivered("list", [1])
    with pytest.raises(StateError, match="lost the lease"):
        first.renew()
    assert second.token == 2
    second.close()
    first.close()


def test_lease_of_a_killed_process_is_taken_at_once(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    _open(path).close()
    script = (
        "import os, signal, sys\n"
        "from tickettailor.watch.state import StateStore\n"
        "s = StateStore.open(sys.argv[1], resource='orders', key_fingerprint='fp-a')\n"
        "s.acquire()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(path)], check=False)
    assert proc.returncode == -9
    store = _open(path)
    store.acquire()  # the holder is dead: no waiting for the lease to expire
    store.close()


def test_two_watches_on_one_state_one_runs_one_is_told(
    api: FakeAPI, make_watch: MakeWatch, tmp_path: Path
) -> None:
    api.add("or_", T0 - 10)
    first = make_watch(start="all", state=tmp_path / "one.sqlite3")
    first.run_cycle()
    second = make_watch(start="all", state=tmp_path / "one.sqlite3", sinks=[ListSink()])
    with pytest.raises(StateError, match="in use by another watcher"):
        second.run_cycle()


def test_status_reports_position_backlog_and_errors(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink
) -> None:
    for i in range(3):
        api.add("or_", T0 - 10 + i)
    watch = make_watch(start="all")
    sink.down = True
    watch.run_cycle()
    assert watch.store is not None
    status = watch.store.status()
    (pos,) = status.positions
    assert pos.watermark == T0 - 8
    (backlog,) = status.sinks
    assert (backlog.sink, backlog.pending, backlog.delivered) == ("list", 3, 0)
    assert backlog.oldest_pending == "2025-11-24T15:59:50Z"
    assert status.last_error is not None
    assert "sink list" in status.last_error
    assert status.holder is not None
    assert status.records == 3


def test_a_state_path_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StateError, match=r"cannot create the watch state .*pass another --state"):
        _open(blocker / "sub" / "orders.sqlite3")


def test_a_state_locked_too_long_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = _open(path)
    store._conn.execute("PRAGMA busy_timeout = 100")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    with pytest.raises(StateError, match=r"could not be written .*database is locked"):
        store.acquire()
    blocker.execute("ROLLBACK")
    blocker.close()
    store.acquire()
    store.close()


# The schema of tickettailor's first watch states (schema 1), exactly as it wrote them.
SCHEMA_1 = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE lease (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    token INTEGER NOT NULL, holder TEXT, pid INTEGER, host TEXT, expires_at REAL NOT NULL
);
CREATE TABLE position (
    stream TEXT PRIMARY KEY, watermark INTEGER, anchor TEXT, cursor TEXT,
    scan_max INTEGER, floor INTEGER NOT NULL, min_id INTEGER
);
CREATE TABLE records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    record_id TEXT NOT NULL, record_num INTEGER, ts INTEGER NOT NULL,
    envelope TEXT NOT NULL, stored_at REAL NOT NULL
);
CREATE INDEX records_anchor ON records (type, ts, record_num);
CREATE TABLE outbox (
    sink TEXT NOT NULL, seq INTEGER NOT NULL REFERENCES records (seq),
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL DEFAULT 0,
    last_error TEXT, done_at REAL, PRIMARY KEY (sink, seq)
) WITHOUT ROWID;
CREATE INDEX outbox_queue ON outbox (sink, state, seq);
CREATE TABLE status (k TEXT PRIMARY KEY, v TEXT);
INSERT INTO lease (one, token, expires_at) VALUES (1, 7, 0);
INSERT INTO meta VALUES ('app', 'tickettailor-watch'), ('schema_version', '1'),
    ('resource', 'orders'), ('key_fingerprint', 'fp-a'), ('created_at', '1');
INSERT INTO position VALUES ('orders', 100, NULL, NULL, NULL, 0, NULL);
INSERT INTO records (key, type, record_id, record_num, ts, envelope, stored_at) VALUES
    ('order.created:or_1', 'order.created', 'or_1', 1, 90,
     '{"id":"order.created:or_1","type":"order.created","timestamp":"t","data":{"id":"or_1"}}', 1),
    ('order.created:or_2', 'order.created', 'or_2', 2, 95,
     '{"id":"order.created:or_2","type":"order.created","timestamp":"t","data":{"id":"or_2"}}', 1);
INSERT INTO outbox (sink, seq, state, attempts) VALUES ('list', 1, 'delivered', 1),
    ('list', 2, 'pending', 3);
PRAGMA user_version = 1;
PRAGMA journal_mode = WAL;
"""


def test_a_schema_1_state_is_migrated_and_goes_on_where_it_stood(tmp_path: Path) -> None:
    from tickettailor.watch.relay import Backoff, relay

    path = tmp_path / "s.sqlite3"
    sqlite3.connect(path).executescript(SCHEMA_1)
    store = _open(path)
    assert store._conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert store.positions()["orders"].watermark == 100
    store.acquire()
    assert store.token == 8  # the fencing token goes on from the old lease
    sink = ListSink()
    relay(store, [sink], limit=None, clock=lambda: 1.0, backoff=Backoff())
    assert sink.keys == ["order.created:or_2"]  # the pending one, not the delivered one
    store.close()
    _open(path).close()  # opened again: nothing left to migrate


def test_a_holder_is_judged_by_its_pid_only_in_our_own_pid_namespace_and_boot() -> None:
    from dataclasses import replace

    from tickettailor.watch.holder import holder_alive, this_process

    me = this_process()
    if me.pid_ns is None:
        pytest.skip("no /proc of this PID namespace here")
    assert holder_alive(me) is True
    assert holder_alive(replace(me, started="1")) is False  # the pid now names another process
    # Nothing about a pid can be proved elsewhere: the lease's expiry decides.
    assert holder_alive(replace(me, host="elsewhere")) is None
    assert holder_alive(replace(me, pid_ns="pid:[1]")) is None
    assert holder_alive(replace(me, boot_id="another-boot")) is None
    assert holder_alive(replace(me, pid_ns=None)) is None  # written by an older version
