"""Connecting to the fleet's PostgreSQL: one sentence on failure, never the password."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from tickettailor._core.errors import StateError, UsageError

__all__ = ["DEFAULT_SCHEMA", "Db", "check_schema_name", "connect", "one", "where"]

DEFAULT_SCHEMA = "tickettailor"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_schema_name(schema: str) -> str:
    if not _SCHEMA_NAME.match(schema):
        raise UsageError(
            f"--schema {schema!r}: use lower-case letters, digits and _ (e.g. tickettailor)"
        )
    return schema


def where(dsn: str) -> str:
    """``user@host:port/dbname`` of a DSN, without its password (for messages)."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise UsageError(
            "--postgres: the DSN cannot be read; use postgresql://USER@HOST:PORT/DB "
            "or 'host=HOST dbname=DB user=USER'"
        ) from None
    user = f"{params['user']}@" if params.get("user") else ""
    port = f":{params['port']}" if params.get("port") else ""
    return f"{user}{params.get('host', '')}{port}/{params.get('dbname', '')}"


def connect(dsn: str, schema: str, *, timeout: float = 10.0) -> psycopg.Connection[Any]:
    """An autocommit connection whose search_path is the fleet's schema."""
    place = where(dsn)
    check_schema_name(schema)
    try:
        conn = psycopg.connect(
            dsn,
            autocommit=True,
            connect_timeout=max(1, int(timeout)),
            options=f"-c search_path={schema}",
            application_name="tickettailor-fleet",
        )
    except psycopg.Error as exc:
        raise StateError(
            f"cannot connect to PostgreSQL at {place}: {_first_line(exc, dsn)}; check "
            "--postgres (or TICKETTAILOR_POSTGRES) and that the server is up"
        ) from None
    # Lost connections surface as errors at once rather than hanging for minutes.
    conn.execute("SET idle_in_transaction_session_timeout = '60s'")
    return conn


def _first_line(exc: Exception, dsn: str) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    password = str(conninfo_to_dict(dsn).get("password") or "")
    return text.replace(password, "***") if len(password) >= 4 else text


def one(conn: Any, query: str, params: Any = None) -> tuple[Any, ...]:
    """The one row ``query`` returns (a count, a RETURNING); StateError if none."""
    row = conn.execute(query, params).fetchone()
    if row is None:
        raise StateError("the fleet database returned no row where one was expected")
    return tuple(row)


class Db:
    """One connection shared by the stores of one box office (they run in turn)."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str, place: str) -> None:
        self.conn = conn
        self.schema = schema
        self.place = place
        self.lock = threading.RLock()

    @classmethod
    def open(cls, dsn: str, schema: str = DEFAULT_SCHEMA) -> Db:
        return cls(connect(dsn, schema), schema, where(dsn))

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """A lost or refused database: one sentence, as a StateError."""
        try:
            yield
        except psycopg.Error as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StateError(
                f"the fleet database at {self.place} failed ({text}); nothing was lost: "
                "the work is retried"
            ) from exc

    @contextlib.contextmanager
    def tx(self) -> Iterator[psycopg.Connection[Any]]:
        with self.lock, self.errors(), self.conn.transaction():
            yield self.conn

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.conn.close()
