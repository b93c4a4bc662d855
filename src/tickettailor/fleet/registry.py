"""The fleet's box offices: added, listed, paused and removed in the database.

Each change sends a ``NOTIFY`` on the fleet's channel, so workers rebalance at once
instead of at their next tick.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from tickettailor._core.errors import UsageError
from tickettailor.fleet.db import Db
from tickettailor.fleet.schema import NOTIFY_CHANNEL, check_version
from tickettailor.fleet.secrets import Secrets

__all__ = [
    "WATCHABLE",
    "BoxOffice",
    "add",
    "get",
    "list_all",
    "remove",
    "set_paused",
    "set_webhook_secret",
]

WATCHABLE = ("orders", "issued-tickets", "check-ins", "events")


@dataclass(frozen=True)
class BoxOffice:
    """A row of ``box_offices`` with its secrets still sealed."""

    name: str
    key_secret: str
    key_fingerprint: str
    box_office: str | None
    base_url: str | None
    watches: tuple[str, ...]
    sinks_secret: str
    every: float
    start: str
    paused: bool
    error: str | None
    refused: bool
    webhook_secret_sealed: str | None = None

    def webhook_secret(self, secrets: Secrets) -> str | None:
        """The box office's webhook secret (None: it receives no webhooks)."""
        sealed = self.webhook_secret_sealed
        return (
            None
            if sealed is None
            else secrets.open(sealed, what=f"the webhook secret of {self.name}")
        )

    def api_key(self, secrets: Secrets) -> str:
        return secrets.open(self.key_secret, what=f"the API key of {self.name}")

    def sinks(self, secrets: Secrets) -> list[str]:
        specs = json.loads(secrets.open(self.sinks_secret, what=f"the sinks of {self.name}"))
        return [str(s) for s in specs]


_COLUMNS = (
    "name, key_secret, key_fingerprint, box_office, base_url, watches, sinks_secret, "
    "every, start, paused, error, refused, webhook_secret"
)


def _row(row: Any) -> BoxOffice:
    values = list(row)
    values[5] = tuple(values[5])
    return BoxOffice(*values)


def notify(conn: Any) -> None:
    conn.execute("SELECT pg_notify(%s, 'changed')", (NOTIFY_CHANNEL,))


def check_names(watches: list[str]) -> tuple[str, ...]:
    unknown = [w for w in watches if w not in WATCHABLE]
    if unknown or not watches:
        raise UsageError(
            f"--watch {','.join(unknown) or '(empty)'}: choose from {','.join(WATCHABLE)}"
        )
    return tuple(dict.fromkeys(watches))


def check_secret(conn: Any, secrets: Secrets) -> None:
    """Refuse a secret other than the one the existing box offices were sealed with."""
    row = conn.execute("SELECT name, key_secret FROM box_offices LIMIT 1").fetchone()
    if row is not None:
        secrets.open(row[1], what=f"the API key of {row[0]}")


def add(
    db: Db,
    secrets: Secrets,
    *,
    name: str,
    api_key: str,
    key_fingerprint: str,
    box_office: str | None,
    base_url: str | None,
    watches: tuple[str, ...],
    sinks: list[str],
    every: float,
    start: str,
    webhook_secret: str | None = None,
) -> None:
    with db.tx() as conn:
        check_version(conn, db.schema)
        check_secret(conn, secrets)
        if conn.execute("SELECT 1 FROM box_offices WHERE name = %s", (name,)).fetchone():
            raise UsageError(
                f"the fleet already has a box office named {name!r}: pick another name, "
                f"or `tickettailor fleet remove {name}` first"
            )
        conn.execute(
            "INSERT INTO box_offices (name, key_secret, key_fingerprint, box_office, base_url, "
            "watches, sinks_secret, every, start, added_at, webhook_secret) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                name,
                secrets.seal(api_key),
                key_fingerprint,
                box_office,
                base_url,
                list(watches),
                secrets.seal(json.dumps(sinks)),
                every,
                start,
                time.time(),
                None if webhook_secret is None else secrets.seal(webhook_secret),
            ),
        )
        notify(conn)


def list_all(db: Db) -> list[BoxOffice]:
    with db.tx() as conn:
        check_version(conn, db.schema)
        rows = conn.execute(f"SELECT {_COLUMNS} FROM box_offices ORDER BY name").fetchall()  # noqa: S608  (fixed columns)
    return [_row(r) for r in rows]


def get(db: Db, name: str) -> BoxOffice:
    with db.tx() as conn:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM box_offices WHERE name = %s",  # noqa: S608  (fixed columns)
            (name,),
        ).fetchone()
    if row is None:
        raise _unknown(name)
    return _row(row)


def _unknown(name: str) -> UsageError:
    return UsageError(f"the fleet has no box office named {name!r}: see `tickettailor fleet list`")


def remove(db: Db, name: str) -> None:
    """Forget a box office and its state (its lease holder stops at its next write)."""
    with db.tx() as conn:
        check_version(conn, db.schema)
        if conn.execute("DELETE FROM box_offices WHERE name = %s", (name,)).rowcount == 0:
            raise _unknown(name)
        # Bumping the token fences a worker still running it: its next write fails.
        conn.execute("UPDATE leases SET token = token + 1, holder = NULL WHERE name = %s", (name,))
        like = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        for table in ("outbox", "records", "position", "status", "meta", "content_hashes"):
            conn.execute(f"DELETE FROM {table} WHERE watch LIKE %s", (like,))  # noqa: S608  (fixed table names)
        conn.execute("DELETE FROM webhook_inbox WHERE box_office = %s", (name,))
        notify(conn)


def set_paused(db: Db, name: str, paused: bool) -> None:
    with db.tx() as conn:
        check_version(conn, db.schema)
        done = conn.execute(
            "UPDATE box_offices SET paused = %s WHERE name = %s", (paused, name)
        ).rowcount
        if done == 0:
            raise _unknown(name)
        notify(conn)


def set_webhook_secret(db: Db, secrets: Secrets, name: str, secret: str | None) -> None:
    """Set (or, with None, clear) a box office's webhook secret, sealed like its key."""
    with db.tx() as conn:
        check_version(conn, db.schema)
        check_secret(conn, secrets)
        sealed = None if secret is None else secrets.seal(secret)
        done = conn.execute(
            "UPDATE box_offices SET webhook_secret = %s WHERE name = %s", (sealed, name)
        ).rowcount
        if done == 0:
            raise _unknown(name)


def note_error(db: Db, name: str, error: str | None, *, refused: bool = False) -> None:
    """The last error of a box office (None: it works again), for status and metrics."""
    with db.tx() as conn:
        conn.execute(
            "UPDATE box_offices SET error = %s, error_at = %s, refused = %s WHERE name = %s",
            (error, time.time() if error else None, refused, name),
        )


def check_name(name: str) -> str:
    if not name or "/" in name or len(name) > 100 or not name.isprintable():
        raise UsageError(f"box office name {name!r}: use up to 100 printable characters, no '/'")
    return name
