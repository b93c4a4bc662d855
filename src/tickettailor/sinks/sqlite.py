"""``sqlite:PATH``: upsert each envelope into a table keyed by its idempotency key.

Columns: ``id`` (the envelope id, primary key), ``record_id``, ``type``, ``timestamp``
(ISO 8601 text), ``data`` (the record as JSON text; query it with ``json_extract``) and
``received_at`` (first arrival). Applying an envelope twice leaves one row. The database
is in WAL mode with ``synchronous=FULL``, so a committed row survives a power cut. A new
database file (and so its ``-wal`` and ``-shm``) is readable by its owner only.

Each ``send`` commits (and so syncs) its row; inside ``deferred()`` (the relay holds it
around a batch) rows are written in one open transaction that ``flush()`` commits: one
sync per batch. The relay marks a batch delivered only after ``flush()`` returned; when
a failed ``send`` rolled back rows sent before it in the batch, the next ``flush()``
says so (SinkError) and the relay sends them again.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from tickettailor.sinks._common import (
    Batching,
    check_file_target,
    check_table,
    compact_json,
    record_id,
)
from tickettailor.sinks._current import check_mode, current_key, default_table, version
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import SinkError

__all__ = ["SqliteSink"]

_LOCK_TIMEOUT = 30.0  # seconds to wait for another writer of the same file
COLUMNS = ("id", "record_id", "type", "timestamp", "data", "received_at")
CURRENT_COLUMNS = (
    "record_id", "object", "type", "envelope_id", "timestamp", "data",
    "version_at", "version_seq", "version_rank", "written_at",
)  # fmt: skip
_NEWER = (
    "(excluded.version_at, excluded.version_seq, excluded.version_rank) {op} "
    '("{t}".version_at, "{t}".version_seq, "{t}".version_rank)'
)


def _log_sql(table: str) -> tuple[str, str]:
    create = (
        f'CREATE TABLE IF NOT EXISTS "{table}" ('
        "id TEXT PRIMARY KEY, record_id TEXT, type TEXT NOT NULL, "
        "timestamp TEXT NOT NULL, data TEXT NOT NULL, received_at TEXT NOT NULL)"
    )
    upsert = (
        f'INSERT INTO "{table}" ({", ".join(COLUMNS)}) '  # noqa: S608 - checked name
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "record_id = excluded.record_id, type = excluded.type, "
        "timestamp = excluded.timestamp, data = excluded.data"
    )
    return create, upsert


def _current_sql(table: str) -> tuple[str, str]:
    create = (
        f'CREATE TABLE IF NOT EXISTS "{table}" ('
        "record_id TEXT PRIMARY KEY, object TEXT NOT NULL, type TEXT NOT NULL, "
        "envelope_id TEXT NOT NULL, timestamp TEXT NOT NULL, data TEXT NOT NULL, "
        "version_at INTEGER NOT NULL, version_seq INTEGER NOT NULL, "
        "version_rank INTEGER NOT NULL, written_at TEXT NOT NULL)"
    )
    changed = ", ".join(f"{c} = excluded.{c}" for c in CURRENT_COLUMNS[1:])
    # Newer wins; a tie rewrites the row only when the record differs.
    newer = _NEWER.format(op=">", t=table)
    tie = _NEWER.format(op="=", t=table) + f' AND excluded.data IS NOT "{table}".data'
    upsert = (
        f'INSERT INTO "{table}" ({", ".join(CURRENT_COLUMNS)}) '  # noqa: S608 - checked name
        f"VALUES ({', '.join('?' * len(CURRENT_COLUMNS))}) ON CONFLICT(record_id) "
        f"DO UPDATE SET {changed} WHERE {newer} OR ({tie})"
    )
    return create, upsert


class SqliteSink(Batching):
    """Upsert envelopes into ``table`` (default ``tickettailor_events``) of ``path``;
    with ``mode="current"``, the current state of each record (default table
    ``tickettailor_current``)."""

    def __init__(
        self, path: str | os.PathLike[str], *, table: str | None = None, mode: str = "log"
    ) -> None:
        self.path = check_file_target("sqlite", path)
        self.mode = check_mode("sqlite", mode)
        current = self.mode == "current"
        self.table = check_table("sqlite", table or default_table(mode))[0]
        self.name = f"sqlite:{self.path}#{self.table}"
        self._conn: sqlite3.Connection | None = None
        # The table name matched a strict identifier pattern: safe to put in the SQL.
        self._create, self._upsert = (_current_sql if current else _log_sql)(self.table)
        self._columns = CURRENT_COLUMNS if current else COLUMNS
        self._lock = threading.Lock()  # one connection, possibly used from relay threads
        self._deferring = False
        self._written = 0  # rows written under deferred() and not committed yet
        self._lost = False  # such rows were rolled back (the next flush says so)

    def __repr__(self) -> str:
        return f"SqliteSink({str(self.path)!r}, table={self.table!r}, mode={self.mode!r})"

    def _row(self, envelope: Envelope) -> tuple[object, ...]:
        data = compact_json(envelope["data"], envelope)
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        if self.mode == "log":
            rid = record_id(envelope)
            return (envelope["id"], rid, envelope["type"], envelope["timestamp"], data, now)
        rid, kind = current_key(envelope)
        at, seq, rank = version(envelope)
        return (rid, kind, envelope["type"], envelope["id"], envelope["timestamp"], data,
                at, seq, rank, now)  # fmt: skip

    def send(self, envelope: Envelope) -> None:
        row = self._row(envelope)
        with self._lock:
            try:
                conn = self._connect()
                if self._deferring:  # committed by flush(), with the rest of the batch
                    conn.execute(self._upsert, row)
                    self._written += 1
                    return
                with conn:  # one transaction, committed (and synced) before we return
                    conn.execute(self._upsert, row)
            except sqlite3.Error as exc:
                self._drop()
                raise SinkError(f"sqlite sink {self.path}: {exc}") from exc

    def _abandon(self) -> None:
        self._drop()  # rolled back: those rows are not marked delivered anyway
        self._lost = False

    def flush(self) -> None:
        """Commit every row sent so far (one sync); SinkError if that cannot be done."""
        with self._lock:
            lost, self._lost = self._lost, False
            if lost:
                raise SinkError(
                    f"sqlite sink {self.path}: rows of this batch were rolled back; "
                    "they are sent again"
                )
            conn = self._conn
            if conn is None or not conn.in_transaction:
                return
            try:
                conn.commit()
                self._written = 0
            except sqlite3.Error as exc:
                self._drop()
                self._lost = False  # said here
                raise SinkError(f"sqlite sink {self.path}: cannot commit: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        _create_owner_only(self.path)
        conn = sqlite3.connect(self.path, timeout=_LOCK_TIMEOUT, check_same_thread=False)
        try:
            _enable_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
            with conn:
                conn.execute(self._create)
                self._check_columns(conn)
                if self.mode == "log":
                    conn.execute(
                        f'CREATE INDEX IF NOT EXISTS "{self.table}_record_id" '
                        f'ON "{self.table}" (record_id)'
                    )
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _check_columns(self, conn: sqlite3.Connection) -> None:
        found = {row[1] for row in conn.execute(f'PRAGMA table_info("{self.table}")')}
        missing = [column for column in self._columns if column not in found]
        if missing:
            raise sqlite3.OperationalError(
                f"table {self.table} exists without the columns {', '.join(missing)}; "
                f"pick another table with sqlite,table=NAME:{self.path}"
            )

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._lost = self._lost or self._written > 0  # closing rolls them back
            self._written = 0
            conn.close()


def _create_owner_only(path: Path) -> None:
    """Create a missing database file readable by its owner only (records hold buyers'
    names and emails). SQLite gives its -wal and -shm files the database file's mode;
    an existing file keeps the mode its owner chose."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL, waiting out another connection doing the same."""
    deadline = time.monotonic() + _LOCK_TIMEOUT
    while True:
        try:
            mode = str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
            break
        except sqlite3.OperationalError as exc:
            # The switch needs an exclusive lock and SQLite answers "locked" at once,
            # without its busy handler, when two connections open a new file together.
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)
    if mode.lower() != "wal":
        raise sqlite3.OperationalError(
            f"WAL mode is not available here (journal mode stays {mode}); "
            "put the database on a local file system"
        )
