"""What ``fleet status``, ``/metrics`` and the status page show, read from the database."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tickettailor.fleet.db import Db

__all__ = ["HOURS", "FleetRow", "fleet_rows", "hourly"]

HOURS = 48  # the status page's charts cover the last 48 hours


@dataclass
class FleetRow:
    name: str
    box_office: str | None
    paused: bool
    refused: bool
    error: str | None
    holder: str | None  # the worker holding the lease while it is valid
    lag: dict[str, float | None] = field(default_factory=dict)  # resource -> s since last poll
    backlog_by_sink: dict[str, int] = field(default_factory=dict)

    @property
    def backlog(self) -> int:
        return sum(self.backlog_by_sink.values())


def fleet_rows(dsn: str, schema: str) -> list[FleetRow]:
    db = Db.open(dsn, schema)
    try:
        return _rows(db)
    finally:
        db.close()


def _rows(db: Db) -> list[FleetRow]:
    now = time.time()
    with db.tx() as conn:
        rows = {
            name: FleetRow(name, box, paused, refused, error, holder if expires > now else None)
            for name, box, paused, refused, error, holder, expires in conn.execute(
                "SELECT b.name, b.box_office, b.paused, b.refused, b.error, l.holder, "
                "coalesce(l.expires_at, 0) FROM box_offices b "
                "LEFT JOIN leases l ON l.name = b.name ORDER BY b.name"
            ).fetchall()
        }
        for name, resources in conn.execute("SELECT name, watches FROM box_offices").fetchall():
            for resource in resources:
                rows[name].lag[resource] = None
        for watch, value in conn.execute(
            "SELECT watch, v FROM status WHERE k = 'last_success_at'"
        ).fetchall():
            name, _, resource = watch.rpartition("/")
            if name in rows and value is not None:
                rows[name].lag[resource] = max(now - float(value), 0.0)
        for watch, sink, count in conn.execute(
            "SELECT watch, sink, count(*) FROM outbox WHERE state = 'pending' GROUP BY watch, sink"
        ).fetchall():
            name = watch.rpartition("/")[0]
            if name in rows:
                rows[name].backlog_by_sink[sink] = rows[name].backlog_by_sink.get(sink, 0) + count
    return list(rows.values())


def hourly(db: Db, name: str, now: float | None = None) -> tuple[list[int], list[float | None]]:
    """Per hour of the last ``HOURS`` (oldest first): orders created, and the mean
    delivery lag (seconds from an order's creation to its delivery; None: none delivered)."""
    now = time.time() if now is None else now
    first = int(now // 3600) - HOURS + 1
    orders = [0] * HOURS
    lag: list[float | None] = [None] * HOURS
    watch = f"{name}/orders"
    with db.tx() as conn:
        for hour, count in conn.execute(
            "SELECT floor(ts / 3600)::bigint AS h, count(*) FROM records "
            "WHERE watch = %s AND ts >= %s GROUP BY h",
            (watch, first * 3600),
        ).fetchall():
            if 0 <= hour - first < HOURS:
                orders[hour - first] = int(count)
        for hour, mean in conn.execute(
            "SELECT floor(o.done_at / 3600)::bigint AS h, avg(o.done_at - r.ts) FROM outbox o "
            "JOIN records r ON r.seq = o.seq WHERE o.watch = %s AND o.state = 'delivered' "
            "AND o.done_at >= %s AND r.ts >= %s GROUP BY h",  # a back-fill of old orders is no lag
            (watch, first * 3600, first * 3600),
        ).fetchall():
            if 0 <= hour - first < HOURS:
                lag[hour - first] = max(float(mean), 0.0)
    return orders, lag
