"""What every read endpoint shares: a request's view of one box office, the listable
:class:`Resource`, list pages (filters, cursors, links) and single records."""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tickettailor.sandbox.api.shapes import BoxSettings, generic
from tickettailor.sandbox.errors import ApiError, not_found, validation
from tickettailor.sandbox.params import (
    Filter,
    Where,
    apply_filters,
    parse_id,
    php_urlencode,
    recognised,
)
from tickettailor.sandbox.schema import ObjectRow, columns
from tickettailor.sandbox.store import BoxOffice, Store

Row = TypeVar("Row", bound=tuple[Any, ...])


class View:
    """One request's view of one box office. SQL names its tables ``{p}orders`` and so
    on; ``{p}`` becomes this box office's table prefix."""

    def __init__(self, store: Store, box: BoxOffice, now: int) -> None:
        self.store = store
        self.box = box
        self.prefix = box.prefix
        self.settings = BoxSettings(box.box, now)  # what rendering needs: zone, currency, ...

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.store.query(sql.replace("{p}", self.prefix), args)

    def one(self, sql: str, args: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        return self.store.one(sql.replace("{p}", self.prefix), args)

    def rows(self, row: type[Row], sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """``query`` with each row as ``row``, a row class of schema.py (a NamedTuple
        whose fields are the SELECT list)."""
        new = tuple.__new__  # what NamedTuple._make does, without its Python-level call
        return [new(row, found) for found in self.query(sql, args)]

    def row(self, row: type[Row], sql: str, args: Sequence[Any] = ()) -> Row | None:
        found = self.one(sql, args)
        return None if found is None else tuple.__new__(row, found)


def marks(ids: Sequence[Any]) -> str:
    """``?,?,?``: one placeholder per id, for ``IN (...)``."""
    return ",".join("?" * len(ids))


Render = Callable[[View, list[Any]], list[dict[str, Any]]]


def render_objects(kind: str, prefix: str) -> Render:
    """Rendering for records kept as a JSON body in ``objects`` (discounts, vouchers, ...)."""

    def render(_view: View, rows: list[ObjectRow]) -> list[dict[str, Any]]:
        return [generic(kind, prefix, row.id, row.body) for row in rows]

    return render


@dataclass(frozen=True)
class Resource:
    """A listable table. ``kind`` set means rows live in the shared ``objects`` table;
    ``row`` is the NamedTuple its rows are read as (schema.py)."""

    permission: str
    prefix: str
    table: str
    row: Any
    filters: tuple[Filter, ...]
    render: Render
    kind: str | None = None
    parent_column: str | None = None  # for nested lists: the column holding the parent id

    @property
    def columns(self) -> str:
        return columns(self.row)


# ---- lists --------------------------------------------------------------------------
def _limit(params: dict[str, str]) -> int:
    raw = params.get("limit")
    if raw is None:
        return 100
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100:
        raise validation([{
            "field": "limit", "value": raw,
            "messages": ["Value must be an integer between 1 and 100."],
        }])  # fmt: skip
    return int(raw)


def _cursor(params: dict[str, str], name: str, prefix: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    parsed = parse_id(raw, prefix)
    if parsed is None:
        raise validation([{
            "field": name, "value": raw,
            "messages": [f"Value must be an id of this list, like {prefix}_123."],
        }])  # fmt: skip
    return parsed


def list_page(
    view: View,
    resource: Resource,
    params: dict[str, str],
    link_path: str,
    parent: int | None = None,
) -> dict[str, Any]:
    """One page of ``resource``: ``{"data": [...], "links": {"next", "previous"}}``."""
    errors: list[dict[str, Any]] = []
    try:
        limit = _limit(params)
    except ApiError as e:
        errors.extend(e.errors or [])
        limit = 100
    where = apply_filters(params, resource.filters, view.box.box)
    errors.extend(where.errors)
    after = before = None
    for name in ("starting_after", "ending_before"):
        try:
            value = _cursor(params, name, resource.prefix)
        except ApiError as e:
            errors.extend(e.errors or [])
            continue
        if name == "starting_after":
            after = value
        else:
            before = value
    if errors:
        raise validation(errors)
    conds = [c.replace("{p}", view.prefix) for c in where.conds]
    args = list(where.args)
    if where.store_id is not None and where.store_id != f"st_{view.box.box['store_id']}":
        where.empty = True
    if resource.kind is not None:
        conds.insert(0, "kind = ?")
        args.insert(0, resource.kind)
    if resource.parent_column is not None:
        conds.append(f"{resource.parent_column} = ?")
        args.append(parent)
    if where.empty or not _time_bounds(view, resource, where, conds, args):
        rows: list[Any] = []
        more_after = more_before = False
    else:
        page = Page(view, resource, conds, args)
        rows, more_after, more_before = page.fetch(after, before, limit)
    data = resource.render(view, rows) if rows else []
    kept = recognised(params, resource.filters)
    return {
        "data": data,
        "links": {
            "next": _link(link_path, "starting_after", data[-1]["id"], kept)
            if more_after
            else None,
            "previous": _link(link_path, "ending_before", data[0]["id"], kept)
            if more_before
            else None,
        },
    }


def _time_bounds(
    view: View, resource: Resource, where: Where, conds: list[str], args: list[Any]
) -> bool:
    """Turn created_at bounds into conditions; False when nothing can match."""
    lo, hi = where.time_lo, where.time_hi
    if lo is None and hi is None:
        return True
    if lo is not None and hi is not None and lo > hi:
        return False
    store, table = view.store, resource.table
    if not store.time_ordered(view.box, table):
        if lo is not None:
            conds.append("created_at >= ?")
            args.append(lo)
        if hi is not None:
            conds.append("created_at <= ?")
            args.append(hi)
        return True
    # created_at never decreases as ids rise: the time range is an id range (found by
    # binary search on the primary key) and the page is one primary-key range scan.
    if lo is not None:
        first = store.first_id_from(view.box, table, lo)
        if first is None:
            return False
        conds.append("id >= ?")
        args.append(first)
    if hi is not None:
        last = store.last_id_until(view.box, table, hi)
        if last is None:
            return False
        conds.append("id <= ?")
        args.append(last)
    return True


class Page:
    """The SQL of one list page: the conditions, then id ranges for the cursors."""

    def __init__(self, view: View, resource: Resource, conds: list[str], args: list[Any]) -> None:
        self.view = view
        self.resource = resource
        self.table = f"{view.prefix}{resource.table}"
        self.where = " AND ".join(conds) if conds else "1"
        self.args = args

    def select(self, extra: str, extra_args: list[Any], order: str, count: int) -> list[Any]:
        sql = (
            f"SELECT {self.resource.columns} FROM {self.table} WHERE {self.where}{extra} "
            f"ORDER BY id {order} LIMIT {count}"
        )
        return self.view.rows(self.resource.row, sql, self.args + extra_args)

    def exists(self, op: str, pivot: int) -> bool:
        order = "ASC" if op == ">" else "DESC"
        sql = (
            f"SELECT 1 FROM {self.table} WHERE {self.where} AND id {op} ? "
            f"ORDER BY id {order} LIMIT 1"
        )
        return bool(self.view.query(sql, [*self.args, pivot]))

    def fetch(
        self, after: int | None, before: int | None, limit: int
    ) -> tuple[list[Any], bool, bool]:
        """The rows, and whether there are more after and before them."""
        if before is not None and after is None:
            rows = self.select(" AND id < ?", [before], "DESC", limit + 1)
            more_before = len(rows) > limit
            rows = rows[:limit][::-1]
            more_after = bool(rows) and self.exists(">", rows[-1].id)
            return rows, more_after, more_before
        extra, extra_args = "", []
        if after is not None:
            extra, extra_args = " AND id > ?", [after]
        if before is not None:
            extra, extra_args = extra + " AND id < ?", [*extra_args, before]
        rows = self.select(extra, extra_args, "ASC", limit + 1)
        more_after = len(rows) > limit
        rows = rows[:limit]
        if before is not None and rows:
            more_after = self.exists(">", rows[-1].id)
        more_before = after is not None and bool(rows) and self.exists("<", rows[0].id)
        return rows, more_after, more_before


def _link(path: str, cursor: str, cursor_id: str, kept: list[tuple[str, str]]) -> str:
    parts = [f"{cursor}={php_urlencode(cursor_id)}"]
    parts += [f"{php_urlencode(k)}={php_urlencode(v)}" for k, v in kept]
    return f"{path}?{'&'.join(parts)}"


# ---- single records -----------------------------------------------------------------
def get_one(
    view: View, resource: Resource, raw_id: str, parent: int | None = None
) -> dict[str, Any]:
    """The record ``raw_id`` (like ``or_123``) rendered, or the API's 404; with
    ``parent``, only if it belongs to that parent."""
    oid = parse_id(raw_id, resource.prefix)
    if oid is None:
        raise not_found()
    table = f"{view.prefix}{resource.table}"
    select = f"SELECT {resource.columns} FROM {table} WHERE "
    if resource.kind is not None:
        rows = view.rows(resource.row, select + "kind = ? AND id = ?", (resource.kind, oid))
    else:
        rows = view.rows(resource.row, select + "id = ?", (oid,))
    column = resource.parent_column
    if rows and column is not None and parent is not None and getattr(rows[0], column) != parent:
        rows = []
    if not rows:
        raise not_found()
    return resource.render(view, rows)[0]


def require_parent(
    view: View, table: str, prefix: str, raw_id: str, kind: str | None = None
) -> int:
    """The id of a nested list's parent (``es_1`` of /event_series/es_1/events), or 404."""
    oid = parse_id(raw_id, prefix)
    if oid is None:
        raise not_found()
    if kind is None:
        found = view.one(f"SELECT 1 FROM {{p}}{table} WHERE id = ?", (oid,))
    else:
        found = view.one("SELECT 1 FROM {p}objects WHERE kind = ? AND id = ?", (kind, oid))
    if found is None:
        raise not_found()
    return oid
