"""Test helpers that add records to a running sandbox, as live sales would.

The sandbox's simulator (issue 5) is the long-term way; until then tests insert rows
into its store directly: copies of the newest order with a new id and ``created_at``
(ids and times rising together, as in the real API).
"""

from __future__ import annotations

import time

from tickettailor.sandbox import RunningSandbox


def add_orders(sb: RunningSandbox, count: int, *, at: int | None = None) -> list[str]:
    """Insert ``count`` orders created at ``at`` (default now); returns their ids."""
    store = sb.sandbox.store
    table = f"{store.boxes[0].prefix}orders"
    created = int(time.time()) if at is None else at
    ids = []
    with store.lock:
        cols = [r[1] for r in store.conn.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
        source = [("?" if c == "created_at" else c) for c in cols]
        (newest,) = store.conn.execute(f"SELECT max(id) FROM {table}").fetchone()  # noqa: S608  (our own table name)
        sql = (
            f"INSERT INTO {table} ({', '.join(cols)}) "  # noqa: S608  (our own table and columns)
            f"SELECT {', '.join(source)} FROM {table} WHERE id = ?"
        )
        for _ in range(count):
            cur = store.conn.execute(sql, (created, newest))
            ids.append(f"or_{cur.lastrowid}")
    return ids
