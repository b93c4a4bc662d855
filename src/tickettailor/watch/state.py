"""The durable state of one watch: position, seen records, outbox, lease.

One SQLite file per watch (WAL, ``synchronous=FULL``). Its tables:

- ``meta``: what the file is (application, schema version, resource, the API key's
  fingerprint, never the key). A file that is not ours, belongs to another key or
  resource, or comes from a newer version is refused with ``StateError`` and left as is.
- ``lease``: one writer at a time. Taking the lease bumps a fencing token and every
  write transaction checks it, so a writer that lost its lease cannot write any more.
  The holder is named by host, boot id, PID namespace, pid and process start time
  (``tickettailor.watch.holder``): a lease whose holder is provably gone is taken at
  once, any other waits for its expiry. A conflict raises ``LeaseError``.
- ``position``: per stream, the watermark (newest time fully scanned), the anchor id a
  scan starts after, the cursor of a scan in progress, and the start point's bounds.
- ``records``: every envelope ever stored, keyed by its idempotency key (the de-dup
  set, and the source of replays).
- ``outbox``: one row per (sink, record): pending, delivered or dead, and since when a
  pending row has been failing (the relay gives up on it after ``Backoff.dead_after``).
- ``status``: the last cycle's outcome (for ``watch status``), and when each periodic
  stream (the void scan) last completed a scan: ``scanned:<stream>``, written in the
  transaction of the scan's last page, so a crash before it means the scan is redone.

A page of records goes in with one transaction that inserts the unseen ones, their
outbox rows and the moved position together: either all of it survives a crash or none.

The file is created whole or not at all, owner-only, and checked on every open
(``tickettailor.watch.dbfile``); before each write the store checks that its path still
names the file it opened, so a state deleted or replaced under a running watch stops
it instead of leaving two writers. Schema 1 files are migrated to 2 on open.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tickettailor._core.errors import StateError
from tickettailor.watch import jsonfast
from tickettailor.watch.crash import crash_point
from tickettailor.watch.dbfile import (
    FileIdentity,
    check_integrity,
    create_whole,
    damage,
    is_blank,
    make_parent,
    make_private,
    open_error,
    remove_leftovers,
)
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.holder import Holder, holder_alive, this_process

__all__ = [
    "SCHEMA_VERSION",
    "LeaseError",
    "Pending",
    "Position",
    "SinkBacklog",
    "StateStatus",
    "StateStore",
    "StoredRecord",
]

SCHEMA_VERSION = 3
APP_ID = "tickettailor-watch"
_WHAT = "watch state"
_SCANNED = "scanned:"  # status key prefix: when a periodic stream last completed a scan

_SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE lease (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    token INTEGER NOT NULL, holder TEXT, pid INTEGER, host TEXT, expires_at REAL NOT NULL,
    boot_id TEXT, pid_ns TEXT, started TEXT
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
    last_error TEXT, done_at REAL, failing_since REAL, PRIMARY KEY (sink, seq)
) WITHOUT ROWID;
CREATE INDEX outbox_queue ON outbox (sink, state, seq);
CREATE TABLE status (k TEXT PRIMARY KEY, v TEXT);
CREATE INDEX records_by_id ON records (record_id);
CREATE TABLE content_hashes (
    record_id TEXT NOT NULL, hash TEXT NOT NULL, seen_at REAL NOT NULL,
    PRIMARY KEY (record_id, hash)
) WITHOUT ROWID;
INSERT INTO lease (one, token, expires_at) VALUES (1, 0, 0)
"""
# Schema 1 -> 2: the lease names its holder fully; pending rows know since when they fail.
_MIGRATE_TO_2 = (
    "ALTER TABLE lease ADD COLUMN boot_id TEXT",
    "ALTER TABLE lease ADD COLUMN pid_ns TEXT",
    "ALTER TABLE lease ADD COLUMN started TEXT",
    "ALTER TABLE outbox ADD COLUMN failing_since REAL",
)
# Schema 2 -> 3: every content seen per record (tickettailor.watch.changes); records of
# older states are hashed when first compared (StateStore._seed_hashes).
_MIGRATE_TO_3 = (
    "CREATE INDEX records_by_id ON records (record_id)",
    "CREATE TABLE content_hashes (record_id TEXT NOT NULL, hash TEXT NOT NULL, "
    "seen_at REAL NOT NULL, PRIMARY KEY (record_id, hash)) WITHOUT ROWID",
)


class LeaseError(StateError):
    """Another watcher holds this state's lease, or took it from this one.

    The command line exits with 75 (EX_TEMPFAIL: try again later) for it.
    """


@dataclass
class Position:
    """Where one stream stands. ``floor``/``min_id`` bound what the start point allows."""

    stream: str
    watermark: int | None = None
    anchor: str | None = None
    cursor: str | None = None
    scan_max: int | None = None
    floor: int = 0
    min_id: int | None = None


@dataclass(frozen=True)
class StoredRecord:
    """A record ready for the outbox: its envelope plus what the position needs."""

    envelope: Envelope
    record_num: int | None
    ts: int
    # With changes watched (tickettailor.watch.changes): the record's content hash and
    # its .updated envelope, stored instead of ``envelope`` when the record is known and
    # this content is new.
    change: Envelope | None = None
    digest: str | None = None


@dataclass(frozen=True)
class Pending:
    """An outbox row waiting for its sink."""

    seq: int
    envelope: Envelope
    attempts: int
    next_at: float
    failing_since: float | None = None  # first failed attempt of this row, if failing


@dataclass(frozen=True)
class SinkBacklog:
    """What ``watch status`` shows per sink."""

    sink: str
    pending: int
    dead: int
    delivered: int
    oldest_pending: str | None  # envelope timestamp of the oldest pending record
    last_error: str | None
    failing_since: float | None = None  # since when its oldest failing row fails


@dataclass(frozen=True)
class StateStatus:
    """Everything ``watch status`` shows."""

    path: str
    resource: str
    positions: list[Position]
    sinks: list[SinkBacklog]
    records: int
    last_error: str | None
    last_error_at: float | None
    last_success_at: float | None
    holder: str | None  # "pid N on HOST" while a watcher holds the lease
    scanned_at: dict[str, float] = field(default_factory=dict)  # periodic streams' last scans
    stale_holder: str | None = None  # "pid N gone": the lease is held by a dead process


class StateStore:
    """One watch's state file. Open it with ``StateStore.open``."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        resource: str,
        *,
        clock: Callable[[], float] = time.time,
        lease_ttl: float = 60.0,
    ) -> None:
        self._conn = conn
        self.path = path
        self.resource = resource
        self._clock = clock
        self.lease_ttl = lease_ttl
        self._token: int | None = None
        self._holder = uuid.uuid4().hex
        self._me = this_process()
        self._lock = threading.RLock()
        self._identity = FileIdentity.of(path)
        self.changes_stored = 0  # .updated envelopes stored by this store, ever

    # -- opening --------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        resource: str,
        key_fingerprint: str | None,
        create: bool = True,
        clock: Callable[[], float] = time.time,
        lease_ttl: float = 60.0,
    ) -> StateStore:
        """Open (or create) the state at ``path`` after checking it is ours.

        ``key_fingerprint`` None skips the key check (read-only inspection).
        """
        file = Path(path)
        exists = file.exists() and file.stat().st_size > 0
        if not exists and not create:
            raise StateError(f"no watch state at {file}: run the watch first, or pass --state")
        if not exists:
            make_parent(file, _WHAT)
            create_whole(file, lambda conn: _create(conn, resource, key_fingerprint), what=_WHAT)
        elif not os.access(file, os.R_OK | os.W_OK):
            raise StateError(
                f"cannot read and write the watch state {file}: fix its permissions "
                "or pass another --state"
            )
        try:
            # One watch may be driven from several threads in turn (async drivers run
            # each cycle in a worker thread); transactions are serialised by _lock.
            conn = sqlite3.connect(
                file, isolation_level=None, timeout=10.0, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise open_error(exc, file, _WHAT) from None
        try:
            _prepare(conn, file, resource, key_fingerprint)
        except BaseException:
            conn.close()
            raise
        make_private(file)
        remove_leftovers(file)
        return cls(conn, file, resource, clock=clock, lease_ttl=lease_ttl)

    def close(self) -> None:
        """Give the lease back (if held) and close the file."""
        with contextlib.suppress(sqlite3.Error, StateError):
            self.release()
        self._conn.close()

    # -- the lease --------------------------------------------------------------------

    @property
    def token(self) -> int | None:
        """The fencing token while this store holds the lease."""
        return self._token

    def acquire(self, *, wait: float = 0.0, poll: float = 0.2) -> None:
        """Take the lease, waiting up to ``wait`` seconds; else raise LeaseError."""
        deadline = time.monotonic() + wait
        while True:
            busy_with = self._try_acquire()
            if busy_with is None:
                return
            if time.monotonic() >= deadline:
                raise LeaseError(
                    f"the watch state {self.path} is in use by another watcher "
                    f"({busy_with}); stop it first, or pass --wait SECONDS to wait for it"
                )
            time.sleep(poll)

    def _try_acquire(self) -> str | None:
        now = self._clock()
        me = self._me
        with self._tx():
            token, holder, expires, *who = self._conn.execute(
                "SELECT token, holder, expires_at, pid, host, boot_id, pid_ns, started FROM lease"
            ).fetchone()
            other = _holder(*who)
            if holder is not None and holder != self._holder and expires > now:
                alive = None if other is None else holder_alive(other, me)
                if alive is not False:
                    return _busy_text(other, alive, expires - now)
            self._conn.execute(
                "UPDATE lease SET token = ?, holder = ?, pid = ?, host = ?, boot_id = ?, "
                "pid_ns = ?, started = ?, expires_at = ?",
                (
                    token + 1,
                    self._holder,
                    me.pid,
                    me.host,
                    me.boot_id,
                    me.pid_ns,
                    me.started,
                    now + self.lease_ttl,
                ),
            )
            self._token = token + 1
        return None

    def renew(self) -> None:
        """Extend the lease; StateError if another watcher has taken it."""
        with self._write():
            self._conn.execute(
                "UPDATE lease SET expires_at = ? WHERE token = ?",
                (self._clock() + self.lease_ttl, self._token),
            )

    def release(self) -> None:
        """Give the lease back so another watcher can start at once."""
        if self._token is None:
            return
        with self._tx():
            self._conn.execute(
                "UPDATE lease SET holder = NULL, expires_at = 0 WHERE token = ?", (self._token,)
            )
        self._token = None

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        with self._lock, self._sqlite_errors():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextlib.contextmanager
    def _sqlite_errors(self) -> Iterator[None]:
        """A full disk, a file locked for too long or a damaged page: one sentence, not
        a traceback."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise StateError(
                f"the watch state {self.path} could not be written ({exc}); nothing was "
                "lost: fix the cause and run the watch again"
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise damage(self.path, _WHAT, str(exc)) from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """A write transaction fenced by our lease token, on the file we opened."""
        self._identity.check(self.path, _WHAT)
        with self._tx():
            (token,) = self._conn.execute("SELECT token FROM lease").fetchone()
            if self._token is None or token != self._token:
                self._token = None
                raise LeaseError(
                    f"this watcher lost the lease on {self.path} to another watcher; "
                    "it stops here without writing"
                )
            # Every write renews the lease, so a long cycle (a big catch-up, a slow
            # sink) keeps it without a timer.
            self._conn.execute("UPDATE lease SET expires_at = ?", (self._clock() + self.lease_ttl,))
            yield

    # -- position ---------------------------------------------------------------------

    def positions(self) -> dict[str, Position]:
        """Every stream's position."""
        with self._sqlite_errors():
            rows = self._conn.execute(
                "SELECT stream, watermark, anchor, cursor, scan_max, floor, min_id FROM position"
            ).fetchall()
        return {row[0]: Position(*row) for row in rows}

    def init_positions(self, positions: Sequence[Position]) -> None:
        """Store the start positions of streams that have none yet."""
        with self._write():
            for pos in positions:
                self._conn.execute(
                    "INSERT OR IGNORE INTO position VALUES (?, ?, ?, ?, ?, ?, ?)",
                    _position_row(pos),
                )

    def scanned_at(self, stream: str) -> float | None:
        """When a full scan of ``stream`` last completed (periodic streams), or None."""
        with self._sqlite_errors():
            row = self._conn.execute(
                "SELECT v FROM status WHERE k = ?", (_SCANNED + stream,)
            ).fetchone()
        return _float(row[0]) if row else None

    def store_page(
        self,
        records: Sequence[StoredRecord],
        position: Position,
        sinks: Sequence[str],
        *,
        scanned_at: float | None = None,
        seen: Sequence[tuple[str, str]] = (),
    ) -> int:
        """Insert unseen records with their outbox rows and move the position, atomically.

        ``scanned_at``: this page completes a scan of a periodic stream begun then; it
        is kept with the position, in the same transaction. Records with a ``change``
        are stored as a creation when new, as their change when their content is new
        (``changes_stored`` counts those); ``seen``: (id, hash) pairs to remember in the
        same transaction. Returns how many were new.
        """
        now = self._clock()
        new = 0
        with self._write():
            self._remember(seen, now)
            for rec in records:
                if rec.change is not None:
                    new += self._store_versioned(rec, sinks, now)
                    continue
                new += self._insert(rec.envelope, rec.record_num, rec.ts, sinks, now)
            crash_point("after_outbox_insert")
            self._conn.execute(
                "INSERT OR REPLACE INTO position VALUES (?, ?, ?, ?, ?, ?, ?)",
                _position_row(position),
            )
            if scanned_at is not None:
                self._conn.execute(
                    "INSERT OR REPLACE INTO status VALUES (?, ?)",
                    (_SCANNED + position.stream, str(float(scanned_at))),
                )
            crash_point("before_position_commit")
        crash_point("after_position_commit")
        return new

    # -- outbox -----------------------------------------------------------------------

    def pending(self, sink: str, limit: int) -> list[Pending]:
        """The oldest ``limit`` pending rows of ``sink``, in order."""
        with self._sqlite_errors():
            rows = self._conn.execute(
                "SELECT o.seq, r.envelope, o.attempts, o.next_at, o.failing_since FROM outbox o "
                "JOIN records r ON r.seq = o.seq "
                "WHERE o.sink = ? AND o.state = 'pending' ORDER BY o.seq LIMIT ?",
                (sink, limit),
            ).fetchall()
        return [
            Pending(seq, jsonfast.loads(env), attempts, nxt, since)
            for seq, env, attempts, nxt, since in rows
        ]

    def mark_delivered(self, sink: str, seqs: Sequence[int]) -> None:
        """The sink confirmed these envelopes."""
        now = self._clock()
        with self._write():
            self._conn.executemany(
                "UPDATE outbox SET state = 'delivered', done_at = ?, last_error = NULL, "
                "failing_since = NULL WHERE sink = ? AND seq = ?",
                [(now, sink, seq) for seq in seqs],
            )

    def mark_retry(self, sink: str, seq: int, error: str, next_at: float) -> None:
        """A retryable failure: try again at ``next_at``."""
        with self._write():
            self._conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ?, "
                "failing_since = coalesce(failing_since, ?) WHERE sink = ? AND seq = ?",
                (next_at, error[:500], self._clock(), sink, seq),
            )

    def mark_dead(self, sink: str, seq: int, error: str) -> None:
        """A permanent failure: park the envelope as a dead letter."""
        with self._write():
            self._conn.execute(
                "UPDATE outbox SET state = 'dead', attempts = attempts + 1, "
                "last_error = ?, done_at = ? WHERE sink = ? AND seq = ?",
                (error[:500], self._clock(), sink, seq),
            )

    def requeue_dead(self, sinks: Sequence[str]) -> int:
        """Queue the dead letters of ``sinks`` again, as new (same keys); how many."""
        with self._write():
            cur = self._conn.executemany(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_at = 0, "
                "last_error = NULL, done_at = NULL, failing_since = NULL "
                "WHERE sink = ? AND state = 'dead'",
                [(sink,) for sink in sinks],
            )
        return max(cur.rowcount, 0)

    def dead_letters(self) -> dict[str, int]:
        """Dead letters per sink (sinks without any are left out)."""
        with self._sqlite_errors():
            rows = self._conn.execute(
                "SELECT sink, count(*) FROM outbox WHERE state = 'dead' GROUP BY sink"
            ).fetchall()
        return {sink: int(n) for sink, n in rows}

    def backlog(self) -> int:
        """Pending outbox rows over all sinks."""
        with self._sqlite_errors():
            (count,) = self._conn.execute(
                "SELECT count(*) FROM outbox WHERE state = 'pending'"
            ).fetchone()
        return int(count)

    def replay(self, since_ts: int, sinks: Sequence[str]) -> int:
        """Queue every record with time >= ``since_ts`` again for ``sinks``, same keys."""
        with self._write():
            seqs = [
                row[0]
                for row in self._conn.execute(
                    "SELECT seq FROM records WHERE ts >= ? ORDER BY seq", (since_ts,)
                )
            ]
            self._conn.executemany(
                "INSERT OR REPLACE INTO outbox (sink, seq, state) VALUES (?, ?, 'pending')",
                [(sink, seq) for seq in seqs for sink in sinks],
            )
        return len(seqs)

    def reset(self) -> None:
        """Forget position, records and outbox (the watch starts over)."""
        with self._write():
            for table in ("outbox", "records", "position", "status", "content_hashes"):
                self._conn.execute(f"DELETE FROM {table}")  # noqa: S608  (fixed table names)

    # -- status -----------------------------------------------------------------------

    def note(self, *, error: str | None = None) -> None:
        """Record the outcome of a cycle for ``watch status``."""
        now = str(self._clock())
        items = [("last_error", error), ("last_error_at", now)] if error else []
        if error is None:
            items = [("last_success_at", now)]
        with self._write():
            self._conn.executemany("INSERT OR REPLACE INTO status VALUES (?, ?)", items)

    def status(self) -> StateStatus:
        """A snapshot for ``watch status``."""
        with self._sqlite_errors():
            return self._status()

    def _status(self) -> StateStatus:
        info = dict(self._conn.execute("SELECT k, v FROM status").fetchall())
        sinks = [
            self._sink_backlog(sink)
            for (sink,) in self._conn.execute("SELECT DISTINCT sink FROM outbox ORDER BY sink")
        ]
        (records,) = self._conn.execute("SELECT count(*) FROM records").fetchone()
        holder, stale = self._lease_status()
        return StateStatus(
            path=str(self.path),
            resource=self.resource,
            positions=list(self.positions().values()),
            sinks=sinks,
            records=int(records),
            last_error=info.get("last_error"),
            last_error_at=_float(info.get("last_error_at")),
            last_success_at=_float(info.get("last_success_at")),
            holder=holder,
            scanned_at={
                k.removeprefix(_SCANNED): float(v)
                for k, v in info.items()
                if k.startswith(_SCANNED)
            },
            stale_holder=stale,
        )

    # -- key changes, sink clean-up, webhook coverage (added for the watch engine) ----

    def meta(self) -> dict[str, str]:
        """The file's ``meta`` entries: what it is, whose key, which box office."""
        return dict(self._conn.execute("SELECT k, v FROM meta").fetchall())

    def set_meta(self, **values: str | None) -> None:
        """Set ``meta`` entries (None removes one), fenced by the lease."""
        with self._write():
            for k, v in values.items():
                if v is None:
                    self._conn.execute("DELETE FROM meta WHERE k = ?", (k,))
                else:
                    self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, v))

    def status_value(self, key: str) -> str | None:
        """One entry of the ``status`` table, or None."""
        row = self._conn.execute("SELECT v FROM status WHERE k = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_status(self, key: str, value: str, *, keep: bool = False) -> None:
        """Set a ``status`` entry (fenced by the lease); ``keep``: unless already set."""
        verb = "INSERT OR IGNORE" if keep else "INSERT OR REPLACE"
        with self._write():
            self._conn.execute(f"{verb} INTO status VALUES (?, ?)", (key, value))

    def pending_by_sink(self) -> dict[str, int]:
        """Pending outbox rows per sink (sinks with none are left out)."""
        rows = self._conn.execute(
            "SELECT sink, count(*) FROM outbox WHERE state = 'pending' GROUP BY sink"
        ).fetchall()
        return {str(sink): int(count) for sink, count in rows}

    def drop_sink(self, sink: str) -> int:
        """Forget ``sink``: every outbox row it has. Returns how many were pending."""
        with self._write():
            (pending,) = self._conn.execute(
                "SELECT count(*) FROM outbox WHERE sink = ? AND state = 'pending'", (sink,)
            ).fetchone()
            self._conn.execute("DELETE FROM outbox WHERE sink = ?", (sink,))
        return int(pending)

    def newest_record(self, record_type: str) -> tuple[str, int] | None:
        """The id and time of the newest stored record of ``record_type``, or None."""
        row = self._conn.execute(
            "SELECT record_id, ts FROM records WHERE type = ? ORDER BY seq DESC LIMIT 1",
            (record_type,),
        ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def earliest_ts(self) -> int | None:
        """The oldest record time stored, or None when there are no records."""
        (ts,) = self._conn.execute("SELECT min(ts) FROM records").fetchone()
        return None if ts is None else int(ts)

    @staticmethod
    def peek_meta(path: str | os.PathLike[str]) -> dict[str, str]:
        """The ``meta`` entries of a state file without opening it as a watch ({} when
        it is not one of ours or cannot be read)."""
        try:
            # read-only: peeking must never create the file or its -wal/-shm
            uri = Path(path).resolve().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=10.0)
        except sqlite3.Error:
            return {}
        try:
            return dict(conn.execute("SELECT k, v FROM meta").fetchall())
        except sqlite3.Error:
            return {}
        finally:
            conn.close()

    def _sink_backlog(self, sink: str) -> SinkBacklog:
        counts = dict(
            self._conn.execute(
                "SELECT state, count(*) FROM outbox WHERE sink = ? GROUP BY state", (sink,)
            ).fetchall()
        )
        oldest = self._conn.execute(
            "SELECT r.envelope FROM outbox o JOIN records r ON r.seq = o.seq "
            "WHERE o.sink = ? AND o.state = 'pending' ORDER BY o.seq LIMIT 1",
            (sink,),
        ).fetchone()
        error = self._conn.execute(
            "SELECT last_error FROM outbox WHERE sink = ? AND last_error IS NOT NULL "
            "ORDER BY coalesce(done_at, next_at) DESC LIMIT 1",
            (sink,),
        ).fetchone()
        (failing,) = self._conn.execute(
            "SELECT min(failing_since) FROM outbox WHERE sink = ? AND state = 'pending'",
            (sink,),
        ).fetchone()
        return SinkBacklog(
            sink=sink,
            pending=counts.get("pending", 0),
            dead=counts.get("dead", 0),
            delivered=counts.get("delivered", 0),
            oldest_pending=json.loads(oldest[0])["timestamp"] if oldest else None,
            last_error=error[0] if error else None,
            failing_since=failing,
        )

    def _lease_status(self) -> tuple[str | None, str | None]:
        """(who runs it, or None; "pid N gone" when the holder is provably dead)."""
        row = self._conn.execute(
            "SELECT holder, expires_at, pid, host, boot_id, pid_ns, started FROM lease"
        ).fetchone()
        return describe_lease(row, self._clock(), self._holder, self._me)

    # -- changes (tickettailor.watch.changes) -----------------------------------------

    def _insert(
        self, envelope: Envelope, record_num: int | None, ts: int, sinks: Sequence[str], now: float
    ) -> int:
        """Insert one envelope unless its key is known, with its outbox rows; 1 if new."""
        cur = self._conn.execute(
            "INSERT OR IGNORE INTO records "
            "(key, type, record_id, record_num, ts, envelope, stored_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                envelope["id"],
                envelope["type"],
                str(envelope["data"]["id"]),
                record_num,
                ts,
                jsonfast.dumps(envelope),
                now,
            ),
        )
        if cur.rowcount != 1:
            return 0
        self._conn.executemany(
            "INSERT INTO outbox (sink, seq, state) VALUES (?, ?, 'pending')",
            [(sink, cur.lastrowid) for sink in sinks],
        )
        return 1

    def _store_versioned(self, rec: StoredRecord, sinks: Sequence[str], now: float) -> int:
        """``rec`` as its creation when the record is new, as its change when its
        content was never seen; 1 when an envelope was queued (caller's transaction)."""
        record_id = str(rec.envelope["data"]["id"])
        self._seed_hashes(record_id, now)
        fresh = self._remember([(record_id, str(rec.digest))], now)
        if not fresh and rec.envelope is rec.change:  # a change-only stream: content seen
            return 0
        if self._insert(rec.envelope, rec.record_num, rec.ts, sinks, now):
            self.changes_stored += rec.envelope is rec.change
            return 1
        if not fresh or rec.change is None:
            return 0
        # An update's time is when it was seen: orders and events carry no time of change.
        new = self._insert(rec.change, rec.record_num, int(now), sinks, now)
        self.changes_stored += new
        return new

    def _seed_hashes(self, record_id: str, now: float) -> None:
        """A record stored before changes were watched: its stored contents count as
        seen (hashed here, once)."""
        from tickettailor.watch.changes import content_hash  # changes imports this module

        known = self._conn.execute(
            "SELECT 1 FROM content_hashes WHERE record_id = ? LIMIT 1", (record_id,)
        ).fetchone()
        if known:
            return
        rows = self._conn.execute(
            "SELECT envelope FROM records WHERE record_id = ?", (record_id,)
        ).fetchall()
        self._remember([(record_id, content_hash(json.loads(env)["data"])) for (env,) in rows], now)

    def _remember(self, pairs: Sequence[tuple[str, str]], now: float) -> bool:
        """Note (record id, hash) pairs as seen; True when any was new."""
        fresh = False
        for record_id, digest in pairs:
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO content_hashes VALUES (?, ?, ?)", (record_id, digest, now)
            )
            fresh = fresh or cur.rowcount == 1
        return fresh

    def unseen(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (record id, hash) pairs this state has not seen yet."""
        with self._sqlite_errors():
            return [
                pair
                for pair in pairs
                if not self._conn.execute(
                    "SELECT 1 FROM content_hashes WHERE record_id = ? AND hash = ?", pair
                ).fetchone()
            ]

    def last_hash(self, record_id: str) -> str | None:
        """The content hash last seen for ``record_id`` (None: none yet)."""
        with self._sqlite_errors():
            row = self._conn.execute(
                "SELECT hash FROM content_hashes WHERE record_id = ? ORDER BY seen_at DESC LIMIT 1",
                (record_id,),
            ).fetchone()
        return None if row is None else str(row[0])

    def count_records(self, record_type: str, since_ts: int) -> int:
        """Records of ``record_type`` with a time at or after ``since_ts``."""
        with self._sqlite_errors():
            (count,) = self._conn.execute(
                "SELECT count(*) FROM records WHERE type = ? AND ts >= ?", (record_type, since_ts)
            ).fetchone()
        return int(count)


def _float(value: str | None) -> float | None:
    return None if value is None else float(value)


def _position_row(pos: Position) -> tuple[Any, ...]:
    return (pos.stream, pos.watermark, pos.anchor, pos.cursor, pos.scan_max, pos.floor, pos.min_id)


def _holder(
    pid: int | None, host: str | None, boot_id: str | None, pid_ns: str | None, started: str | None
) -> Holder | None:
    """The lease's holder as stored (None if the row names none)."""
    if pid is None or host is None:
        return None
    return Holder(pid, host, boot_id, pid_ns, started)


def _busy_text(other: Holder | None, alive: bool | None, left: float) -> str:
    who = other.describe() if other is not None else "a watcher"
    if alive:
        return f"{who}, lease valid for {left:.0f} s more"
    # Another machine or PID namespace: its pid means nothing here, only the expiry.
    return (
        f"{who}, in another PID namespace or on another machine, lease valid for "
        f"{left:.0f} s more; if that watcher was killed, the lease is free then"
    )


def _create(conn: sqlite3.Connection, resource: str, key_fingerprint: str | None) -> None:
    """Schema, meta and version, inside the caller's transaction."""
    meta = {
        "app": APP_ID,
        "schema_version": str(SCHEMA_VERSION),
        "resource": resource,
        "key_fingerprint": key_fingerprint or "",
        "created_at": str(time.time()),
    }
    for statement in _SCHEMA.split(";"):
        conn.execute(statement)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _prepare(
    conn: sqlite3.Connection, file: Path, resource: str, key_fingerprint: str | None
) -> None:
    """Check an existing file, finish or migrate it, and set the connection up."""
    try:
        blank = _check(conn, file, resource, key_fingerprint)
        if not blank:
            check_integrity(conn, file, _WHAT)  # before anything is written to it
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        _upgrade(conn, resource, key_fingerprint)
    except sqlite3.Error as exc:
        raise open_error(exc, file, _WHAT) from None


def _upgrade(conn: sqlite3.Connection, resource: str, key_fingerprint: str | None) -> None:
    """Finish a blank file (an older version killed while creating it), or migrate an
    older schema, in one transaction; another process may be doing the same."""
    if not is_blank(conn) and _version(conn) == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        if is_blank(conn):
            _create(conn, resource, key_fingerprint)
        else:
            steps = [(2, _MIGRATE_TO_2), (3, _MIGRATE_TO_3)]
            for statement in [s for v, group in steps if _version(conn) < v for s in group]:
                conn.execute(statement)
            conn.execute("UPDATE meta SET v = ? WHERE k = 'schema_version'", (str(SCHEMA_VERSION),))
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")


def _version(conn: sqlite3.Connection) -> int:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    return int(version)


def _check(
    conn: sqlite3.Connection, file: Path, resource: str, key_fingerprint: str | None
) -> bool:
    """Refuse anything but our own state, for this resource and key, at a version we
    read. True for a blank database (to be finished)."""
    try:
        if is_blank(conn):
            return True
        version = _version(conn)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        meta = dict(conn.execute("SELECT k, v FROM meta").fetchall()) if "meta" in tables else {}
    except sqlite3.DatabaseError as exc:
        raise open_error(exc, file, _WHAT) from None
    if meta.get("app") != APP_ID:
        raise StateError(
            f"{file} is not a tickettailor watch state (it holds other data); "
            "pass another --state, or move the file away"
        )
    schema = max(version, int(meta.get("schema_version", "0")))
    if schema > SCHEMA_VERSION:
        raise StateError(
            f"the watch state {file} was written by a newer tickettailor (its schema is "
            f"{schema}; this version reads schemas up to {SCHEMA_VERSION}); upgrade "
            "tickettailor to use it"
        )
    if meta.get("resource") != resource:
        raise StateError(
            f"the watch state {file} belongs to a watch of {meta.get('resource')}, "
            f"not {resource}; pass another --state"
        )
    stored = meta.get("key_fingerprint") or None
    if key_fingerprint is not None and stored is not None and stored != key_fingerprint:
        raise StateError(
            f"the watch state {file} belongs to another API key (fingerprint {stored}, "
            f"this key's is {key_fingerprint}); pass another --state or use that key"
        )
    return False


def describe_lease(
    row: Sequence[Any], now: float, mine: str, me: Holder
) -> tuple[str | None, str | None]:
    """A lease row (holder, expires_at, pid, host, boot_id, pid_ns, started) as status
    shows it: (who runs it, or None; "pid N gone" when the holder is provably dead).
    Shared with the fleet's PostgreSQL store."""
    holder, expires, *who = row
    left = expires - now
    other = _holder(*who)
    if holder is None or left <= 0 or other is None:
        return None, None
    alive = True if holder == mine else holder_alive(other, me)
    if alive is False:
        return None, f"pid {other.pid} gone"
    if alive is None:
        return _busy_text(other, None, left), None
    return other.describe(), None
