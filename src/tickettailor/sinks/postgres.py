"""``postgres:DSN``: upsert each envelope into a PostgreSQL table, exactly once by key.

The table (default ``tickettailor_events``, ``postgres,table=NAME:DSN`` to change it) is
created if missing: ``id`` text primary key (the envelope id), ``record_id``, ``type``,
``timestamp`` timestamptz, ``data`` jsonb, ``received_at``. Each envelope is one
committed ``INSERT ... ON CONFLICT (id) DO UPDATE``, so a replay leaves one row. The
DSN's password is used to connect and nowhere else: not in the name, reprs or errors.

``postgres,mode=current:DSN`` keeps instead one row per record (table
``tickettailor_current``): ``record_id`` primary key, ``object``, ``type``,
``envelope_id``, ``timestamp``, ``data`` jsonb, the version columns and ``written_at``;
an older envelope never replaces a newer row (_current.py).
"""

from __future__ import annotations

import threading
from typing import Any, NoReturn

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import Jsonb

from tickettailor._core.errors import UsageError
from tickettailor.sinks._common import (
    check_table,
    compact_json,
    parse_timestamp,
    record_id,
)
from tickettailor.sinks._current import check_mode, current_key, default_table, version
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import SinkError

__all__ = ["PostgresSink"]

_MIN_SCRUB = 4  # libpq never quotes the password; scrubbing a 1-letter one would garble

_CREATE = """
CREATE TABLE IF NOT EXISTS {table} (
    id          text PRIMARY KEY,
    record_id   text,
    type        text NOT NULL,
    "timestamp" timestamptz NOT NULL,
    data        jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
)
"""
_INDEX = "CREATE INDEX IF NOT EXISTS {index} ON {table} (record_id)"
_UPSERT = """
INSERT INTO {table} (id, record_id, type, "timestamp", data)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (id) DO UPDATE SET
    record_id = EXCLUDED.record_id, type = EXCLUDED.type,
    "timestamp" = EXCLUDED."timestamp", data = EXCLUDED.data
"""

_CREATE_CURRENT = """
CREATE TABLE IF NOT EXISTS {table} (
    record_id    text PRIMARY KEY,
    object       text NOT NULL,
    type         text NOT NULL,
    envelope_id  text NOT NULL,
    "timestamp"  timestamptz NOT NULL,
    data         jsonb NOT NULL,
    version_at   bigint NOT NULL,
    version_seq  bigint NOT NULL,
    version_rank integer NOT NULL,
    written_at   timestamptz NOT NULL DEFAULT now()
)
"""
# Newer wins; a tie rewrites the row only when the record differs (a replay writes nothing).
_UPSERT_CURRENT = """
INSERT INTO {table} AS old (record_id, object, type, envelope_id, "timestamp", data,
                            version_at, version_seq, version_rank)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (record_id) DO UPDATE SET
    object = EXCLUDED.object, type = EXCLUDED.type, envelope_id = EXCLUDED.envelope_id,
    "timestamp" = EXCLUDED."timestamp", data = EXCLUDED.data,
    version_at = EXCLUDED.version_at, version_seq = EXCLUDED.version_seq,
    version_rank = EXCLUDED.version_rank, written_at = now()
WHERE (EXCLUDED.version_at, EXCLUDED.version_seq, EXCLUDED.version_rank)
        > (old.version_at, old.version_seq, old.version_rank)
   OR ((EXCLUDED.version_at, EXCLUDED.version_seq, EXCLUDED.version_rank)
        = (old.version_at, old.version_seq, old.version_rank)
       AND EXCLUDED.data IS DISTINCT FROM old.data)
"""


def _read_dsn(dsn: str) -> dict[str, Any]:
    try:
        return conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        # libpq's message quotes the DSN, password included: say what to write instead.
        raise UsageError(
            "postgres sink: the DSN cannot be read; use postgres:postgresql://USER@HOST:PORT/DB "
            "or postgres:'host=HOST dbname=DB user=USER' (table: postgres,table=NAME:DSN)"
        ) from None


def _where(params: dict[str, Any]) -> str:
    """``user@host:port/dbname`` from the DSN, without the password (for names/errors)."""
    user = f"{params['user']}@" if params.get("user") else ""
    port = f":{params['port']}" if params.get("port") else ""
    return f"{user}{params.get('host', '')}{port}/{params.get('dbname', '')}"


class PostgresSink:
    """Upsert envelopes into ``table`` (``NAME`` or ``SCHEMA.NAME``) of the ``dsn`` database;
    with ``mode="current"``, the current state of each record."""

    def __init__(
        self,
        dsn: str,
        *,
        table: str | None = None,
        mode: str = "log",
        connect_timeout: float = 10.0,
    ) -> None:
        params = _read_dsn(dsn)
        # Shown in pg_stat_activity; an application_name in the DSN wins.
        labelled = "application_name" in params
        self._dsn = dsn if labelled else make_conninfo(dsn, application_name="tickettailor")
        self._password = str(params.get("password") or "")
        self._connect_timeout = max(1, round(connect_timeout))  # libpq wants whole seconds
        self.mode = check_mode("postgres", mode)
        current = self.mode == "current"
        named = table or default_table(mode)
        self.table = ".".join(check_table("postgres", named, schema_allowed=True))
        self.where = _where(params)
        self.name = f"postgres:{self.where}#{self.table}"
        table_id = sql.Identifier(*self.table.split("."))
        index_id = sql.Identifier(f"{self.table.split('.')[-1]}_record_id_idx")
        self._create = sql.SQL(_CREATE_CURRENT if current else _CREATE).format(table=table_id)
        # The current-state table's primary key is the record id: no other index.
        self._index = None if current else sql.SQL(_INDEX).format(table=table_id, index=index_id)
        self._upsert = sql.SQL(_UPSERT_CURRENT if current else _UPSERT).format(table=table_id)
        self._conn: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgresSink({self.where!r}, table={self.table!r}, mode={self.mode!r})"

    def _row(self, envelope: Envelope) -> tuple[Any, ...]:
        # Jsonb with our encoder: the same compact JSON every other sink writes.
        data = Jsonb(envelope["data"], dumps=lambda value: compact_json(value, envelope))
        when = parse_timestamp(envelope)
        if self.mode == "log":
            return (envelope["id"], record_id(envelope), envelope["type"], when, data)
        rid, kind = current_key(envelope)
        return (rid, kind, envelope["type"], envelope["id"], when, data, *version(envelope))

    def send(self, envelope: Envelope) -> None:
        row = self._row(envelope)
        with self._lock:
            reused = self._conn is not None
            try:
                self._upsert_row(row)
                return
            except psycopg.OperationalError as exc:
                if not reused:
                    self._on_error(exc)
                self._drop()
            except psycopg.Error as exc:
                self._on_error(exc)
            # A kept connection can die unseen (server restart, idle timeout): one more
            # try on a new one. The upsert is idempotent: a COMMIT lost with it is harmless.
            try:
                self._upsert_row(row)
            except psycopg.Error as exc:
                self._on_error(exc)

    def _upsert_row(self, row: tuple[Any, ...]) -> None:
        conn = self._connect()
        with conn.transaction():
            conn.execute(self._upsert, row)

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _connect(self) -> psycopg.Connection[Any]:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        conn = psycopg.connect(
            self._dsn,
            autocommit=True,  # each send opens its own transaction block
            connect_timeout=self._connect_timeout,
        )
        try:
            with conn.transaction():
                # Two workers creating the table at once would race in the catalog.
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.table,))
                conn.execute(self._create)
                if self._index is not None:
                    conn.execute(self._index)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _on_error(self, exc: psycopg.Error) -> NoReturn:
        """Raise a SinkError: bad data is permanent, anything else is retried."""
        if not isinstance(exc, psycopg.DataError):
            self._drop()  # reconnect next time: the connection may be broken
        message = str(exc).strip() or type(exc).__name__
        if len(self._password) >= _MIN_SCRUB:
            message = message.replace(self._password, "***")
        text = f"postgres sink {self.where} table {self.table}: {message}"
        raise SinkError(text, permanent=isinstance(exc, psycopg.DataError)) from None

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()
