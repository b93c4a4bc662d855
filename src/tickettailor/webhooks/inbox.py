"""The receiver's inbox: every verified delivery, durably stored before we answer 2xx.

One SQLite file (WAL, ``synchronous=FULL``) with one row per Ticket Tailor delivery id
(the de-duplication set). A row is ``pending`` until the feeder has put its envelope
into the watch's outbox, then ``forwarded``; deliveries that polling does not report
are ``kept`` (stored, acknowledged, never delivered); a refetch that can never succeed
leaves the row ``dead`` with the reason.

Writes come from the receiver's writer thread and the feeder, reads from both: each
thread gets its own connection.

The file is created whole or not at all and owner-only (``tickettailor.watch.dbfile``),
checked on open (ours, our version, undamaged); a blank database left by an older
version killed while creating it is finished in place.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tickettailor._core.errors import StateError
from tickettailor.watch.dbfile import (
    check_integrity,
    create_whole,
    is_blank,
    make_parent,
    make_private,
    open_error,
    remove_leftovers,
)

__all__ = ["Change", "Inbox", "InboxRow", "NewDelivery", "Write"]

APP_ID = "tickettailor-webhooks"
SCHEMA_VERSION = 1  # also written in _SCHEMA
KEEP_DAYS = 30.0
# Benchmarks only (bench/bench_webhooks.py): seconds slept inside every inbox
# transaction, holding the write lock just before COMMIT, where a real fsync takes its
# time. It emulates a disk whose fsync is that slow; 0 (always, outside the bench) adds
# nothing.
EMULATED_FSYNC = 0.0

_SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    resource TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'forwarded', 'kept', 'dead')),
    body BLOB NOT NULL,
    received_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX deliveries_queue ON deliveries (state, seq);
INSERT INTO meta VALUES ('app', 'tickettailor-webhooks'), ('schema_version', '1');
PRAGMA user_version = 1
"""
_WHAT = "webhook inbox"


Write = Callable[[sqlite3.Connection], object]  # a change made inside a transaction


@dataclass(frozen=True)
class Change:
    """A ``Write`` as data: one statement and its parameter rows. It pickles, so the
    feeder's process can hand its marks to the receiver's writer in another process."""

    sql: str
    rows: tuple[tuple[object, ...], ...]

    def __call__(self, conn: sqlite3.Connection) -> object:
        return conn.executemany(self.sql, self.rows)


@dataclass(frozen=True)
class NewDelivery:
    """What the receiver stores: ``resource`` None means kept, not forwarded."""

    id: str
    event: str
    resource: str | None
    body: bytes


@dataclass(frozen=True)
class InboxRow:
    """A pending row for the feeder."""

    seq: int
    id: str
    event: str
    resource: str
    body: bytes
    attempts: int


class Inbox:
    """The inbox file. ``Inbox.open(path)`` checks it is ours (or creates it)."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # Set by a running InboxWriter: the feeder's changes go through its thread
        # (``InboxWriter.write``).
        self.write_via: Callable[[Write, bool], Future[None]] | None = None
        # Delivery id -> (body, parsed delivery), left by the receiver for the feeder,
        # which uses it only for a row with those very bytes (else it parses the row).
        self.parsed: dict[str, tuple[bytes, Any]] = {}
        self.keep_parsed = True  # False where no feeder reads ``parsed`` (process.py)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, clock: Callable[[], float] = time.time) -> Inbox:
        inbox = cls(Path(path), clock)
        file = inbox.path
        exists = file.exists() and file.stat().st_size > 0
        if not exists:
            make_parent(file, _WHAT)
            create_whole(file, _create, what=_WHAT)
        # Before any pragma: a foreign file is left exactly as it is.
        elif _check(file):
            try:
                _finish(inbox._conn())
            except sqlite3.Error as exc:
                raise open_error(exc, file, _WHAT) from None
            finally:
                inbox.close()
        make_private(file)
        remove_leftovers(file)
        return inbox

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                # Each thread uses only its own connection; close() may run elsewhere.
                conn = sqlite3.connect(
                    self.path, isolation_level=None, timeout=10.0, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
            except sqlite3.Error as exc:
                raise open_error(exc, self.path, _WHAT) from None
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._conns.clear()
        self._local = threading.local()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if EMULATED_FSYNC:
            time.sleep(EMULATED_FSYNC)  # the bench's slow disk, see EMULATED_FSYNC
        conn.execute("COMMIT")

    # -- the receiver's side --------------------------------------------------------

    def add(self, deliveries: Sequence[NewDelivery], then: Sequence[Write] = ()) -> list[bool]:
        """Store deliveries, and make the changes ``then``, in one transaction (one
        fsync); True where a row is new."""
        now = self._clock()
        new: list[bool] = []
        with self._tx() as conn:
            for d in deliveries:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO deliveries (id, event, resource, state, body, "
                    "received_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (d.id, d.event, d.resource, "pending" if d.resource else "kept", d.body, now),
                )
                new.append(cur.rowcount == 1)
            for change in then:
                change(conn)
        return new

    def _write(self, change: Write, later: bool = False) -> None:
        """Make ``change`` in a transaction: the running writer's, if there is one
        (``later``: it may wait a moment to share the deliveries' commit)."""
        write_via = self.write_via
        if write_via is not None:
            write_via(change, later).result()
            return
        self.commit(change)

    def commit(self, change: Write) -> None:
        """Make ``change`` in a transaction of its own, on this thread's connection."""
        with self._tx() as conn:
            change(conn)

    # -- the feeder's side ----------------------------------------------------------

    def pending(self, resources: Sequence[str], limit: int = 500) -> list[InboxRow]:
        """Due pending rows for these watches, oldest first."""
        rows = (
            self._conn()
            .execute(
                "SELECT seq, id, event, resource, body, attempts FROM deliveries "
                "WHERE state = 'pending' AND next_at <= ? "
                "AND resource IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?",
                (self._clock(), json.dumps(list(resources)), limit),
            )
            .fetchall()
        )
        return [InboxRow(*row) for row in rows]

    def mark_forwarded(self, seqs: Sequence[int]) -> None:
        """Mark rows forwarded; with a running writer, in the commit of the deliveries
        that arrive next (within ``receiver.LINGER``), saving an fsync."""
        self._write(
            Change(
                "UPDATE deliveries SET state = 'forwarded', last_error = NULL WHERE seq = ?",
                tuple((s,) for s in seqs),
            ),
            later=True,
        )

    def mark_retry(self, seq: int, error: str, next_at: float) -> None:
        self._write(
            Change(
                "UPDATE deliveries SET attempts = attempts + 1, next_at = ?, last_error = ? "
                "WHERE seq = ?",
                ((next_at, error[:500], seq),),
            )
        )

    def mark_dead(self, seq: int, error: str) -> None:
        self._write(
            Change(
                "UPDATE deliveries SET state = 'dead', attempts = attempts + 1, "
                "last_error = ? WHERE seq = ?",
                ((error[:500], seq),),
            )
        )

    def prune(self, keep_days: float = KEEP_DAYS) -> int:
        """Forget settled rows older than ``keep_days`` (pending rows are kept).

        Ticket Tailor retries a delivery for about 3 days, so a month of ids still
        catches every retry; the watch state de-duplicates envelopes for good anyway.
        """
        with self._tx() as conn:
            cur = conn.execute(
                "DELETE FROM deliveries WHERE state != 'pending' AND received_at < ?",
                (self._clock() - keep_days * 86400,),
            )
        return cur.rowcount

    def counts(self) -> dict[str, int]:
        """Rows per state (pending, forwarded, kept, dead)."""
        rows = self._conn().execute("SELECT state, count(*) FROM deliveries GROUP BY state")
        return {state: int(n) for state, n in rows}

    def next_due(self) -> float | None:
        """When the earliest backing-off pending row is due, if any."""
        (due,) = (
            self._conn()
            .execute("SELECT min(next_at) FROM deliveries WHERE state = 'pending'")
            .fetchone()
        )
        return None if due is None else float(due)


def _create(conn: sqlite3.Connection) -> None:
    """Schema and meta, inside the caller's transaction."""
    for statement in _SCHEMA.split(";"):
        conn.execute(statement)


def _finish(conn: sqlite3.Connection) -> None:
    """Create the schema in a blank inbox (unless another process just did)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if is_blank(conn):
            _create(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _check(file: Path) -> bool:
    """Refuse anything but our own undamaged inbox at our version, leaving it
    untouched. True for a blank database (to be finished)."""
    try:
        conn = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error as exc:
        raise open_error(exc, file, _WHAT) from None
    try:
        if is_blank(conn):
            return True
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        meta = dict(conn.execute("SELECT k, v FROM meta").fetchall()) if "meta" in tables else {}
        if meta.get("app") == APP_ID:
            _check_version(file, meta)
            check_integrity(conn, file, _WHAT)
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode != sqlite3.SQLITE_NOTADB:
            raise open_error(exc, file, _WHAT) from None
        meta = {}  # not SQLite at all: reported below as not ours
    finally:
        conn.close()
    if meta.get("app") != APP_ID:
        raise StateError(
            f"{file} is not a tickettailor webhook inbox; pass another --state, or move "
            "the file away"
        )
    return False


def _check_version(file: Path, meta: dict[str, str]) -> None:
    schema = int(meta.get("schema_version", "0"))
    if schema > SCHEMA_VERSION:
        raise StateError(
            f"the webhook inbox {file} was written by a newer tickettailor (its schema is "
            f"{schema}; this version reads schemas up to {SCHEMA_VERSION}); upgrade "
            "tickettailor to use it"
        )
