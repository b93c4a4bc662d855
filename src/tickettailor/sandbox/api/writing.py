"""What every change shares: a :class:`Change` (a view that can write and queue
webhooks), the transaction around it, id sequences, the answers of the write endpoints,
and the records kept as JSON in the ``objects`` table.

Every operation runs inside :func:`transaction` on a :class:`Change`. The webhooks a
change causes are collected in ``change.emits`` and sent by ``Sandbox.write`` after the
commit.
"""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tickettailor.sandbox.api.reading import View
from tickettailor.sandbox.api.shapes import generic
from tickettailor.sandbox.errors import ApiError, not_found, validation
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.params import parse_id
from tickettailor.sandbox.store import BoxOffice, Store

COMMON_READ_ONLY = frozenset({"id", "object", "created_at", "updated_at"})


@dataclass
class Emit:
    """One webhook to send after the commit: ``payload`` None means render the record."""

    event: str
    resource: str  # the path under /v1: orders, issued_tickets, events, issued_memberships
    oid: int
    payload: dict[str, Any] | None = None


class Change(View):
    """A request's view of one box office, able to write and to queue webhooks."""

    def __init__(self, store: Store, box: BoxOffice, now: int) -> None:
        super().__init__(store, box, now)
        self.now = now
        self.emits: list[Emit] = []

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self.store.lock:
            return self.store.conn.execute(sql.replace("{p}", self.prefix), args)

    def emit(
        self, event: str, resource: str, oid: int, payload: dict[str, Any] | None = None
    ) -> None:
        self.emits.append(Emit(event, resource, oid, payload))


# A write endpoint: the change, the request's form and the ids in its path -> the answer.
WriteHandler = Callable[[Change, Form, tuple[str, ...]], Any]


@contextmanager
def transaction(change: Change) -> Iterator[Change]:
    """All of one operation or none of it; other threads wait on the store's lock."""
    with change.store.lock:
        conn = change.store.conn
        nested = conn.in_transaction
        if not nested:
            conn.execute("BEGIN IMMEDIATE")
        try:
            yield change
        except BaseException:
            if not nested:
                conn.execute("ROLLBACK")
            change.emits.clear()
            raise
        if not nested:
            conn.execute("COMMIT")


# ---- answers -------------------------------------------------------------------------
def bad(field_name: str, message: str) -> ApiError:
    return validation([{"field": field_name, "messages": [message]}])


def conflict(message: str) -> ApiError:
    return ApiError(409, "CONFLICT", message)


def deleted(prefix: str, oid: int, kind: str) -> dict[str, str]:
    return {"id": f"{prefix}_{oid}", "object": kind, "deleted": "true"}


def voided(prefix: str, oid: int, kind: str) -> dict[str, str]:
    return {"id": f"{prefix}_{oid}", "object": kind, "voided": "true"}


def path_id(raw: str, prefix: str) -> int:
    """The number of an id in the path (``or_123`` -> 123), or the API's 404."""
    oid = parse_id(raw, prefix)
    if oid is None:
        raise not_found()
    return oid


def set_given(body: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` only when the request gave a value."""
    if value is not None:
        body[key] = value


def api_bool(value: bool | None) -> str | None:
    """The API's booleans are the texts "true" and "false"."""
    return None if value is None else ("true" if value else "false")


def date_marker(change: Change, unix: int | None) -> dict[str, Any] | None:
    """A stored date, rendered as the API's date object in the box office's zone."""
    return None if unix is None else {"$date": unix, "$tz": change.settings.tz}


def link_ids(body: dict[str, Any], key: str, prefix: str, changes: dict[int, int] | None) -> None:
    """Association map on update: ``[id]=1`` links, ``[id]=0`` unlinks, others stay."""
    if changes is None:
        return
    linked = {int(x.split("_")[1]) for x in body.get(key) or []}
    for oid, on in changes.items():
        (linked.add if on else linked.discard)(oid)
    body[key] = [f"{prefix}_{x}" for x in sorted(linked)]


# ---- ids -----------------------------------------------------------------------------
# Where each id sequence lives, for a first value when the generator left none.
_ID_TABLES = {
    "or": ("orders", None),
    "it": ("tickets", None),
    "ch": ("check_ins", None),
    "ev": ("events", None),
    "es": ("series", None),
    "tt": ("ticket_types", None),
    "ho": ("objects", "hold"),
    "discount": ("objects", "discount"),
    "voucher": ("objects", "voucher"),
    "voucher_code": ("objects", "voucher_code"),
    "product": ("objects", "product"),
    "membership_type": ("objects", "membership_type"),
    "issued_membership": ("objects", "issued_membership"),
    "override": ("objects", "override"),
    "waitlist_signup": ("objects", "waitlist_signup"),
    "ticket_group": ("objects", "ticket_group"),
    "bundle": ("objects", "bundle"),
    "li": (None, None),
    "redemption": (None, None),
}


def take_id(change: Change, key: str) -> int:
    """The next id of a sequence: above every id ever given (deleted ones included)."""
    box = change.box.box
    next_ids: dict[str, int] = box.setdefault("next_ids", {})
    checked: list[str] = box.setdefault("_checked_ids", [])
    current = next_ids.get(key)
    if current is None or key not in checked:
        table, kind = _ID_TABLES.get(key, (None, None))
        floor = 1000 + change.box.number * 40_000_000
        if table is not None:
            sql = f"SELECT max(id) FROM {{p}}{table}" + (" WHERE kind = ?" if kind else "")
            found = change.one(sql, (kind,) if kind else ())
            if found is not None and found[0] is not None:
                floor = max(floor, int(found[0]) + 1)
        current = max(current or 0, floor)
        checked.append(key)
    next_ids[key] = current + 1
    change.execute("INSERT OR REPLACE INTO {p}box VALUES ('next_ids', ?)", (json.dumps(next_ids),))
    return current


def keep_time_order(change: Change, table: str, created_at: int) -> None:
    """Before inserting a row stamped ``created_at`` with a fresh (highest) id: if that
    time is before the newest row's, the table's time order no longer follows its ids,
    so time filters must stop using id ranges (store.py)."""
    if not change.store.time_ordered(change.box, table):
        return
    last = change.one(f"SELECT created_at FROM {{p}}{table} ORDER BY id DESC LIMIT 1")
    if last is not None and last[0] is not None and created_at < int(last[0]):
        change.store.mark_unordered(change.box, table)


# ---- records kept as JSON in ``objects`` (discounts, vouchers, products, ...) --------
def read_object(change: Change, kind: str, oid: int) -> tuple[dict[str, Any], int | None]:
    """The body and parent id of one record of ``kind``, or the API's 404."""
    found = change.one(
        "SELECT body, parent_id FROM {p}objects WHERE kind = ? AND id = ?", (kind, oid)
    )
    if found is None:
        raise not_found()
    return json.loads(found[0]), found[1]


def insert_object(
    change: Change,
    kind: str,
    oid: int,
    body: dict[str, Any],
    *,
    parent: int | None = None,
    event: int | None = None,
    code: str | None = None,
) -> None:
    change.execute(
        "INSERT INTO {p}objects VALUES (?,?,?,?,?,?,?,?)",
        (kind, oid, change.now, change.now, parent, event, code, json.dumps(body)),
    )


def save_object(
    change: Change, kind: str, oid: int, body: dict[str, Any], code: str | None = None
) -> None:
    change.execute(
        "UPDATE {p}objects SET body = ?, updated_at = ?, code = coalesce(?, code) "
        "WHERE kind = ? AND id = ?",
        (json.dumps(body), change.now, code, kind, oid),
    )


def render_object(change: Change, kind: str, prefix: str, oid: int) -> dict[str, Any]:
    body, _parent = read_object(change, kind, oid)
    return generic(kind, prefix, oid, json.dumps(body))


def delete_object(kind: str, prefix: str) -> WriteHandler:
    """DELETE /v1/<kind>s/{id} for a record with nothing hanging off it."""

    def handler(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
        oid = path_id(ids[0], prefix)
        read_object(change, kind, oid)
        change.execute("DELETE FROM {p}objects WHERE kind = ? AND id = ?", (kind, oid))
        return deleted(prefix, oid, kind)

    return handler
