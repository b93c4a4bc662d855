"""The sandbox's data: one SQLite database, one set of tables per box office.

All access goes through :class:`Store` under one lock, so the HTTP handlers, the
background simulator of issue 5 and tests can share it from several threads.
"""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tickettailor.sandbox.config import KeySpec, SandboxConfig
from tickettailor.sandbox.generate import generate

DATA_VERSION = 1  # bump when the generator changes, so saved databases are rebuilt

# Tables whose created_at never decreases as the id rises (true of generated data and of
# records created "now"). For these a created_at range becomes an id range, so a page
# is one primary-key range scan however large the table is. Issue 5: a back-dated
# insert must call Store.mark_unordered(table).
ORDERED_BY_TIME = ("orders", "tickets", "check_ins")


@dataclass
class BoxOffice:
    number: int
    prefix: str
    spec: KeySpec
    box: dict[str, Any]


class Store:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        specs = config.key_specs()
        self.anchor = config.anchor_time()
        fingerprint = json.dumps(
            [DATA_VERSION, config.seed, config.orders, config.events, self.anchor, len(specs)]
        )
        path = config.db or ":memory:"
        if config.db and os.path.exists(config.db) and _fingerprint(config.db) != fingerprint:
            os.remove(config.db)  # another data set: rebuild rather than mix
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.fresh = _fingerprint_conn(self.conn) != fingerprint  # generated just now?
        if self.fresh:
            self._generate(specs, fingerprint)
        if config.db:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.boxes = [self._load_box(i, spec) for i, spec in enumerate(specs)]
        self.by_key = {b.spec.key: b for b in self.boxes}
        self.unordered: set[tuple[str, str]] = set()
        for b in self.boxes:
            for table in ORDERED_BY_TIME:
                if not b.box.get(f"ordered_{table}", True):
                    self.unordered.add((b.prefix, table))

    def _generate(self, specs: Sequence[KeySpec], fingerprint: str) -> None:
        conn = self.conn
        # A bulk load: no journal, and index sorts in memory rather than temp files.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("BEGIN")
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            conn.execute(f'DROP TABLE "{name}"')
        conn.execute("CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT)")
        for i in range(len(specs)):
            generate(
                conn,
                f"b{i}_",
                seed=self.config.seed,
                number=i,
                anchor=self.anchor,
                orders=self.config.orders,
                events=self.config.events,
            )
        conn.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
        conn.execute("COMMIT")
        conn.execute("ANALYZE")

    def _load_box(self, number: int, spec: KeySpec) -> BoxOffice:
        prefix = f"b{number}_"
        rows = self.conn.execute(f"SELECT k, v FROM {prefix}box").fetchall()
        return BoxOffice(number, prefix, spec, {k: json.loads(v) for k, v in rows})

    # ---- queries ----------------------------------------------------------------
    def query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    def one(self, sql: str, args: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self.lock:
            row: tuple[Any, ...] | None = self.conn.execute(sql, args).fetchone()
            return row

    def mark_unordered(self, box: BoxOffice, table: str) -> None:
        """Record that ``table`` now has a row whose created_at is out of id order."""
        with self.lock:
            self.unordered.add((box.prefix, table))
            # From now on time filters need a real index.
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {box.prefix}{table}_created "
                f"ON {box.prefix}{table}(created_at)"
            )
            self.conn.execute(
                f"INSERT OR REPLACE INTO {box.prefix}box VALUES (?, 'false')",
                (f"ordered_{table}",),
            )

    def time_ordered(self, box: BoxOffice, table: str) -> bool:
        return table in ORDERED_BY_TIME and (box.prefix, table) not in self.unordered

    def first_id_from(self, box: BoxOffice, table: str, moment: int) -> int | None:
        """Smallest id whose created_at >= moment, on a table in time order.

        A binary search over the primary key (about 22 point reads for a million rows),
        so the time-ordered tables need no created_at index at all.
        """
        sql = f"SELECT id, created_at FROM {box.prefix}{table} WHERE id BETWEEN ? AND ? "
        with self.lock:
            lo, hi = self._id_span(box, table)
            best = None
            while lo <= hi:
                mid = (lo + hi) // 2
                row = self.conn.execute(sql + "ORDER BY id LIMIT 1", (mid, hi)).fetchone()
                if row is None:
                    hi = mid - 1
                elif row[1] >= moment:
                    best, hi = row[0], mid - 1
                else:
                    lo = row[0] + 1
            return best

    def last_id_until(self, box: BoxOffice, table: str, moment: int) -> int | None:
        """Largest id whose created_at <= moment, on a table in time order."""
        sql = f"SELECT id, created_at FROM {box.prefix}{table} WHERE id BETWEEN ? AND ? "
        with self.lock:
            lo, hi = self._id_span(box, table)
            best = None
            while lo <= hi:
                mid = (lo + hi + 1) // 2
                row = self.conn.execute(sql + "ORDER BY id DESC LIMIT 1", (lo, mid)).fetchone()
                if row is None:
                    lo = mid + 1
                elif row[1] <= moment:
                    best, lo = row[0], mid + 1
                else:
                    hi = row[0] - 1
            return best

    def _id_span(self, box: BoxOffice, table: str) -> tuple[int, int]:
        # Two queries on purpose: SQLite answers a lone min() or max() from the b-tree
        # edge, but scans the whole table for "SELECT min(id), max(id)".
        low = self.conn.execute(f"SELECT min(id) FROM {box.prefix}{table}").fetchone()
        high = self.conn.execute(f"SELECT max(id) FROM {box.prefix}{table}").fetchone()
        if low is None or low[0] is None or high is None:
            return 1, 0
        return int(low[0]), int(high[0])

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def _fingerprint_conn(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT v FROM meta WHERE k='fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None else str(row[0])


def _fingerprint(path: str) -> str | None:
    try:
        conn = sqlite3.connect(path)
    except sqlite3.DatabaseError:
        return None
    try:
        return _fingerprint_conn(conn)
    finally:
        conn.close()
