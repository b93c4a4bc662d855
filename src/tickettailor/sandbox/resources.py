"""Every read endpoint: its filters, its SQL and its rendering (reference §3)."""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tickettailor.sandbox import render
from tickettailor.sandbox.errors import ApiError, not_found, validation
from tickettailor.sandbox.generate import barcode_ticket
from tickettailor.sandbox.params import (
    Filter,
    Where,
    apply_filters,
    enum_filter,
    id_list_filter,
    like,
    parse_id,
    php_urlencode,
    recognised,
    text_filter,
    time_filter,
)
from tickettailor.sandbox.store import BoxOffice, Store

Rows = list[tuple[Any, ...]]


class Ctx:
    """One request's view of one box office."""

    def __init__(self, store: Store, box: BoxOffice, now: int) -> None:
        self.store = store
        self.box = box
        self.p = box.prefix
        self.render = render.BoxContext(box.box, now)

    def q(self, sql: str, args: Sequence[Any] = ()) -> Rows:
        return self.store.query(sql.replace("{p}", self.p), args)

    def one(self, sql: str, args: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        return self.store.one(sql.replace("{p}", self.p), args)


def _in(ids: Sequence[int]) -> str:
    return ",".join("?" * len(ids))


# ---- batch renderers: rows of one table -> API objects -------------------------------
def _series_rows(ctx: Ctx, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    if not ids:
        return {}
    rows = ctx.q(f"SELECT * FROM {{p}}series WHERE id IN ({_in(ids)})", list(ids))
    return {r[0]: r for r in rows}


def _tts_by_series(ctx: Ctx, series_ids: Sequence[int]) -> dict[int, Rows]:
    out: dict[int, Rows] = {s: [] for s in series_ids}
    if not series_ids:
        return out
    rows = ctx.q(
        "SELECT series_id, id, name, price, booking_fee, sort_order, max_per_order, "
        f"min_per_order, type, status, capacity FROM {{p}}ticket_types "
        f"WHERE series_id IN ({_in(series_ids)}) ORDER BY sort_order, id",
        list(series_ids),
    )
    for r in rows:
        out[r[0]].append(r[1:])
    return out


def _tt_info(ctx: Ctx, tt_ids: set[int]) -> dict[int, tuple[str, int]]:
    if not tt_ids:
        return {}
    ids = sorted(tt_ids)
    rows = ctx.q(f"SELECT id, name, price FROM {{p}}ticket_types WHERE id IN ({_in(ids)})", ids)
    return {r[0]: (r[1], r[2]) for r in rows}


def _series_of(ctx: Ctx, event_ids: set[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    ids = sorted(event_ids)
    rows = ctx.q(f"SELECT id, series_id FROM {{p}}events WHERE id IN ({_in(ids)})", ids)
    return {r[0]: r[1] for r in rows}


def render_events(ctx: Ctx, rows: Rows) -> list[dict[str, Any]]:
    series_ids = sorted({r[1] for r in rows})
    series = _series_rows(ctx, series_ids)
    tts = _tts_by_series(ctx, series_ids)
    ev_ids = [r[0] for r in rows]
    inventory: dict[int, dict[int, tuple[int, int, int, int]]] = {e: {} for e in ev_ids}
    if ev_ids:
        for ev, tt, *vals in ctx.q(
            f"SELECT * FROM {{p}}inventory WHERE event_id IN ({_in(ev_ids)})", ev_ids
        ):
            inventory[ev][tt] = (vals[0], vals[1], vals[2], vals[3])
    out = [render.event(ctx.render, r, series[r[1]], tts[r[1]], inventory[r[0]]) for r in rows]
    _add_groups(ctx, out, series_ids, "event_series_id", "ticket_groups")
    return out


def _add_groups(
    ctx: Ctx, objs: list[dict[str, Any]], series_ids: Sequence[int], key: str, groups: str
) -> None:
    """Ticket groups and bundles written under a series (issue 5), embedded in its
    series and events; most series have none, so this is one indexed lookup."""
    if not series_ids:
        return
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for kind, oid, parent, body in ctx.q(
        "SELECT kind, id, parent_id, body FROM {p}objects WHERE kind IN ('ticket_group', "
        f"'bundle') AND parent_id IN ({_in(series_ids)}) ORDER BY id",
        list(series_ids),
    ):
        prefix = "tg" if kind == "ticket_group" else "bu"
        item = render.generic(kind, prefix, oid, body)
        found.setdefault((kind, f"es_{parent}"), []).append(item)
    for obj in objs:
        obj[groups] = found.get(("ticket_group", obj[key]), [])
        obj["bundles"] = found.get(("bundle", obj[key]), [])


def render_series(ctx: Ctx, rows: Rows) -> list[dict[str, Any]]:
    ids = [r[0] for r in rows]
    tts = _tts_by_series(ctx, ids)
    occ: dict[int, list[tuple[int, int, int]]] = {i: [] for i in ids}
    if ids:
        for sid, start, issued, rev in ctx.q(
            "SELECT series_id, start_at, total_issued, revenue_cents FROM {p}events "
            f"WHERE series_id IN ({_in(ids)})",
            ids,
        ):
            occ[sid].append((start, issued, rev))
    out = [render.event_series(ctx.render, r, tts[r[0]], occ[r[0]]) for r in rows]
    _add_groups(ctx, out, ids, "id", "default_ticket_groups")
    return out


def render_tickets(ctx: Ctx, rows: Rows) -> list[dict[str, Any]]:
    look = render.Lookups(
        ticket_types=_tt_info(ctx, {r[4] for r in rows}),
        series_of=_series_of(ctx, {r[2] for r in rows}),
    )
    order_ids = sorted({r[1] for r in rows if r[1] is not None and r[12] is None})
    if order_ids:
        for oid, first, last, email in ctx.q(
            f"SELECT id, first_name, last_name, email FROM {{p}}orders "
            f"WHERE id IN ({_in(order_ids)})",
            order_ids,
        ):
            look.holders[oid] = (first, last, email)
    return [render.issued_ticket(ctx.render, r, look) for r in rows]


def render_orders(ctx: Ctx, rows: Rows) -> list[dict[str, Any]]:
    if not rows:
        return []
    order_ids = [r[0] for r in rows]
    tickets: dict[int, Rows] = {o: [] for o in order_ids}
    for t in ctx.q(
        f"SELECT {render.TICKET_COLUMNS} FROM {{p}}tickets "
        f"WHERE order_id IN ({_in(order_ids)}) ORDER BY id",
        order_ids,
    ):
        tickets[t[1]].append(t)
    tt_ids = {t[4] for ts in tickets.values() for t in ts}
    for r in rows:
        for item in r[18].split(";") if r[18] else ():
            tt_ids.add(int(item.split(":")[1]))
    ev_ids = sorted({r[2] for r in rows})
    events: dict[int, tuple[Any, ...]] = {
        e[0]: e
        for e in ctx.q(
            f"SELECT id, series_id, start_at, end_at FROM {{p}}events WHERE id IN ({_in(ev_ids)})",
            ev_ids,
        )
    }
    look = render.Lookups(
        ticket_types=_tt_info(ctx, tt_ids),
        series_of={eid: int(e[1]) for eid, e in events.items()},
        holders={r[0]: (r[5], r[6], r[7]) for r in rows},
    )
    series = _series_rows(ctx, sorted(set(look.series_of.values())))
    summaries = {
        eid: render.event_summary(ctx.render, e, series[e[1]]) for eid, e in events.items()
    }
    out = []
    for r in rows:
        its = [render.issued_ticket(ctx.render, t, look) for t in tickets[r[0]]]
        out.append(render.order(ctx.render, r, dict(summaries[r[2]]), its, look))
    return out


def render_check_ins(ctx: Ctx, rows: Rows) -> list[dict[str, Any]]:
    look = render.Lookups(series_of=_series_of(ctx, {r[3] for r in rows}))
    return [render.check_in(r, look) for r in rows]


def render_holds(_ctx: Ctx, rows: Rows) -> list[dict[str, Any]]:
    # objects columns: kind, id, created_at, updated_at, parent_id, event_id, code, body
    return [render.hold(r[1], r[2], r[3], r[5], r[7]) for r in rows]


def _generic(kind: str, prefix: str) -> Callable[[Ctx, Rows], list[dict[str, Any]]]:
    def fn(_ctx: Ctx, rows: Rows) -> list[dict[str, Any]]:
        return [render.generic(kind, prefix, r[1], r[7]) for r in rows]

    return fn


# ---- the resources ------------------------------------------------------------------
@dataclass(frozen=True)
class Resource:
    """A listable table. ``kind`` set means rows live in the shared ``objects`` table."""

    permission: str
    prefix: str
    table: str
    columns: str
    filters: tuple[Filter, ...]
    render: Callable[[Ctx, Rows], list[dict[str, Any]]]
    kind: str | None = None
    parent_column: str | None = None  # for nested lists: the column holding the parent id


_ORDER_STATUS = {"completed": "completed", "pending": "pending", "cancelled": "cancelled",
                 "canceled": "cancelled"}  # fmt: skip
_SERIES_STATUS = {"draft": "draft", "published": "published", "sales_closed": "sales_closed",
                  "close_sales": "sales_closed"}  # fmt: skip
_TICKET_STATUS = {"valid": "valid", "voided": "voided"}


def _series_by(column: str) -> str:
    return f"series_id IN (SELECT id FROM {{p}}series WHERE {column} LIKE ? ESCAPE '\\')"


# Series filters go through the events table (event_id is indexed everywhere).
_BY_SERIES = "event_id IN (SELECT id FROM {{p}}events WHERE series_id IN ({marks}))"
# Generated tickets store no holder: NULL name/email mean the order's buyer.
_TICKET_EMAIL = (
    "(email = ? COLLATE NOCASE OR (email IS NULL AND order_id IN "
    "(SELECT id FROM {p}orders WHERE email = ? COLLATE NOCASE)))"
)
_TICKET_NAME = (
    "((first_name || ' ' || last_name) LIKE ? ESCAPE '\\' OR (first_name IS NULL AND "
    "order_id IN (SELECT id FROM {p}orders WHERE (first_name || ' ' || last_name) "
    "LIKE ? ESCAPE '\\')))"
)
_TICKET_BARCODE = "((id = ? AND barcode IS NULL) OR barcode = ?)"


def _barcode_filter(sql: str) -> Filter:
    """Generated barcodes are derived from the ticket id, so invert the code to an id;
    tickets issued with their own barcode store it."""

    def apply(w: Where, _pname: str, value: str) -> None:
        ticket = barcode_ticket(value, int(w.box.get("salt", 0)))
        w.add(sql, -1 if ticket is None else ticket, value)

    return Filter(("barcode",), apply)


def _store_filter() -> Filter:
    # Every generated order comes from the box office's one store.
    def apply(w: Where, _pname: str, value: str) -> None:
        w.store_id = value

    return Filter(("store_id",), apply)


ORDERS = Resource(
    "orders", "or", "orders", render.ORDER_COLUMNS,
    (
        time_filter("created_at", "created_at", id_range=True),
        id_list_filter("event_id", "event_id", "ev"),
        id_list_filter("event_series_id", "series_id", "es", _BY_SERIES),
        enum_filter("status", "status", _ORDER_STATUS),
        text_filter("email", "email = ? COLLATE NOCASE"),
        text_filter("name", "(first_name || ' ' || last_name) LIKE ? ESCAPE '\\'", like),
        text_filter("txn_id", "txn_id = ?"),
        _barcode_filter(f"id IN (SELECT order_id FROM {{p}}tickets WHERE {_TICKET_BARCODE})"),
        text_filter("referral_tag", "referral_tag = ?"),
        _store_filter(),
    ),
    render_orders,
)  # fmt: skip
ISSUED_TICKETS = Resource(
    "issued_tickets", "it", "tickets", render.TICKET_COLUMNS,
    (
        time_filter("created_at", "created_at", id_range=True),
        id_list_filter("event_id", "event_id", "ev"),
        id_list_filter("event_series_id", "series_id", "es", _BY_SERIES),
        id_list_filter("order_id", "order_id", "or"),
        _barcode_filter(_TICKET_BARCODE),
        text_filter("name", _TICKET_NAME, like),
        text_filter("email", _TICKET_EMAIL),
        text_filter("reference", "reference = ?"),
        enum_filter("status", "status", _TICKET_STATUS),
    ),
    render_tickets,
)  # fmt: skip
CHECK_INS = Resource(
    "check_ins", "ch", "check_ins",
    "id, created_at, check_in_at, event_id, series_id, ticket_id, quantity",
    (
        id_list_filter("event_id", "event_id", "ev"),
        id_list_filter("event_series_id", "series_id", "es", _BY_SERIES),
        id_list_filter("issued_ticket_id", "ticket_id", "it"),
        time_filter("created_at", "created_at", id_range=True),
        time_filter("check_in_at", "check_in_at"),
    ),
    render_check_ins,
)  # fmt: skip
EVENTS = Resource(
    "events", "ev", "events", "*",
    (
        time_filter("start_at", "start_at"),
        time_filter("end_at", "end_at"),
        enum_filter("status", "status", _SERIES_STATUS),
        text_filter("name", _series_by("name"), like),
        text_filter("venue", _series_by("venue"), like),
        id_list_filter("event_series_id", "series_id", "es"),
    ),
    render_events,
)  # fmt: skip
SERIES_EVENTS = Resource(
    "events", "ev", "events", "*",
    (id_list_filter("override_id", "override_id", "ov"),),
    render_events, parent_column="series_id",
)  # fmt: skip
EVENT_SERIES = Resource(
    "event_series", "es", "series", "*",
    (
        enum_filter("status", "status", _SERIES_STATUS),
        text_filter("name", "name LIKE ? ESCAPE '\\'", like),
        text_filter("venue", "venue LIKE ? ESCAPE '\\'", like),
    ),
    render_series,
)  # fmt: skip
_OBJ = "kind, id, created_at, updated_at, parent_id, event_id, code, body"
HOLDS = Resource(
    "holds", "ho", "objects", _OBJ,
    (
        id_list_filter("event_id", "event_id", "ev"),
        time_filter("created_at", "created_at"),
        time_filter("updated_at", "updated_at"),
    ),
    render_holds, kind="hold",
)  # fmt: skip
DISCOUNTS = Resource(
    "discounts", "di", "objects", _OBJ, (text_filter("code", "code = ?"),),
    _generic("discount", "di"), kind="discount",
)  # fmt: skip
VOUCHERS = Resource("vouchers", "vo", "objects", _OBJ, (), _generic("voucher", "vo"),
                    kind="voucher")  # fmt: skip
VOUCHER_CODES = Resource("vouchers", "vc", "objects", _OBJ, (),
                         _generic("voucher_code", "vc"), kind="voucher_code",
                         parent_column="parent_id")  # fmt: skip
PRODUCTS = Resource("products", "pr", "objects", _OBJ, (), _generic("product", "pr"),
                    kind="product")  # fmt: skip
MEMBERSHIP_TYPES = Resource("memberships", "mt", "objects", _OBJ, (),
                            _generic("membership_type", "mt"), kind="membership_type")  # fmt: skip
ISSUED_MEMBERSHIPS = Resource("memberships", "im", "objects", _OBJ, (),
                              _generic("issued_membership", "im"),
                              kind="issued_membership")  # fmt: skip
WAITLIST_SIGNUPS = Resource("waitlist_signups", "ws", "objects", _OBJ, (),
                            _generic("waitlist_signup", "ws"), kind="waitlist_signup",
                            parent_column="parent_id")  # fmt: skip
OVERRIDES = Resource("event_series", "ov", "objects", _OBJ, (),
                     _generic("override", "ov"), kind="override",
                     parent_column="parent_id")  # fmt: skip


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
    ctx: Ctx,
    res: Resource,
    params: dict[str, str],
    link_path: str,
    parent: int | None = None,
) -> dict[str, Any]:
    """One page of ``res``: ``{"data": [...], "links": {"next", "previous"}}``."""
    errors: list[dict[str, Any]] = []
    try:
        limit = _limit(params)
    except ApiError as e:
        errors.extend(e.errors or [])
        limit = 100
    where = apply_filters(params, res.filters, ctx.box.box)
    errors.extend(where.errors)
    after = before = None
    for name in ("starting_after", "ending_before"):
        try:
            value = _cursor(params, name, res.prefix)
        except ApiError as e:
            errors.extend(e.errors or [])
            continue
        if name == "starting_after":
            after = value
        else:
            before = value
    if errors:
        raise validation(errors)
    table = f"{ctx.p}{res.table}"
    conds = [c.replace("{p}", ctx.p) for c in where.conds]
    args = list(where.args)
    if where.store_id is not None and where.store_id != f"st_{ctx.box.box['store_id']}":
        where.empty = True
    if res.kind is not None:
        conds.insert(0, "kind = ?")
        args.insert(0, res.kind)
    if res.parent_column is not None:
        conds.append(f"{res.parent_column} = ?")
        args.append(parent)
    if where.empty or not _time_bounds(ctx, res, where, conds, args):
        rows: Rows = []
        more_after = more_before = False
    else:
        rows, more_after, more_before = _page(ctx, table, res.columns, conds, args,
                                              after, before, limit)  # fmt: skip
    data = res.render(ctx, rows) if rows else []
    kept = recognised(params, res.filters)
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


def _time_bounds(ctx: Ctx, res: Resource, where: Where, conds: list[str], args: list[Any]) -> bool:
    """Turn created_at bounds into conditions; False when nothing can match."""
    lo, hi = where.time_lo, where.time_hi
    if lo is None and hi is None:
        return True
    if lo is not None and hi is not None and lo > hi:
        return False
    if not ctx.store.time_ordered(ctx.box, res.table):
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
        first = ctx.store.first_id_from(ctx.box, res.table, lo)
        if first is None:
            return False
        conds.append("id >= ?")
        args.append(first)
    if hi is not None:
        last = ctx.store.last_id_until(ctx.box, res.table, hi)
        if last is None:
            return False
        conds.append("id <= ?")
        args.append(last)
    return True


def _page(
    ctx: Ctx,
    table: str,
    columns: str,
    conds: list[str],
    args: list[Any],
    after: int | None,
    before: int | None,
    limit: int,
) -> tuple[Rows, bool, bool]:
    base = " AND ".join(conds) if conds else "1"

    def select(extra: str, extra_args: list[Any], order: str, n: int, cols: str) -> Rows:
        sql = f"SELECT {cols} FROM {table} WHERE {base}{extra} ORDER BY id {order} LIMIT {n}"
        return ctx.q(sql, args + extra_args)

    def exists(op: str, pivot: int) -> bool:
        order = "ASC" if op == ">" else "DESC"
        return bool(select(f" AND id {op} ?", [pivot], order, 1, "1"))

    if before is not None and after is None:
        rows = select(" AND id < ?", [before], "DESC", limit + 1, columns)
        more_before = len(rows) > limit
        rows = rows[:limit][::-1]
        more_after = bool(rows) and exists(">", _row_id(rows[-1], table))
        return rows, more_after, more_before
    extra, extra_args = "", []
    if after is not None:
        extra, extra_args = " AND id > ?", [after]
    if before is not None:
        extra, extra_args = extra + " AND id < ?", [*extra_args, before]
    rows = select(extra, extra_args, "ASC", limit + 1, columns)
    more_after = len(rows) > limit
    rows = rows[:limit]
    if before is not None and rows:
        more_after = exists(">", _row_id(rows[-1], table))
    more_before = after is not None and bool(rows) and exists("<", _row_id(rows[0], table))
    return rows, more_after, more_before


def _row_id(row: tuple[Any, ...], table: str) -> int:
    # objects rows start with kind; every other table starts with the id
    return int(row[1] if table.endswith("objects") else row[0])


def _link(path: str, cursor: str, cursor_id: str, kept: list[tuple[str, str]]) -> str:
    parts = [f"{cursor}={php_urlencode(cursor_id)}"]
    parts += [f"{php_urlencode(k)}={php_urlencode(v)}" for k, v in kept]
    return f"{path}?{'&'.join(parts)}"


# ---- single objects -----------------------------------------------------------------
def get_one(ctx: Ctx, res: Resource, raw_id: str, parent: int | None = None) -> dict[str, Any]:
    oid = parse_id(raw_id, res.prefix)
    if oid is None:
        raise not_found()
    table = f"{ctx.p}{res.table}"
    if res.kind is not None:
        rows = ctx.q(f"SELECT {res.columns} FROM {table} WHERE kind = ? AND id = ?",
                     (res.kind, oid))  # fmt: skip
    else:
        rows = ctx.q(f"SELECT {res.columns} FROM {table} WHERE id = ?", (oid,))
    if rows and res.parent_column is not None and parent is not None:
        cols = [c.strip() for c in res.columns.split(",")]
        if res.columns == "*" or res.parent_column not in cols:
            check = ctx.one(f"SELECT {res.parent_column} FROM {table} WHERE id = ?", (oid,))
            if check is None or check[0] != parent:
                rows = []
    if not rows:
        raise not_found()
    return res.render(ctx, rows)[0]


def require_parent(ctx: Ctx, table: str, prefix: str, raw_id: str, kind: str | None = None) -> int:
    oid = parse_id(raw_id, prefix)
    if oid is None:
        raise not_found()
    if kind is None:
        found = ctx.one(f"SELECT 1 FROM {{p}}{table} WHERE id = ?", (oid,))
    else:
        found = ctx.one("SELECT 1 FROM {p}objects WHERE kind = ? AND id = ?", (kind, oid))
    if found is None:
        raise not_found()
    return oid


def _since(ctx: Ctx, table: str, since: int) -> str:
    """A WHERE clause for ``created_at >= since`` (an id bound on time-ordered tables)."""
    if not ctx.store.time_ordered(ctx.box, table):
        return f"WHERE created_at >= {int(since)}"
    first = ctx.store.first_id_from(ctx.box, table, since)
    return "WHERE 0" if first is None else f"WHERE id >= {int(first)}"


def _counts(rows: Rows) -> dict[str, int]:
    out: dict[str, int] = {}
    for status, n in rows:
        out[str(status)] = int(n)
    return out


def overview(ctx: Ctx) -> dict[str, Any]:
    """Counts for the last four weeks by the sandbox clock (reference §4.14)."""
    since = ctx.render.now - 28 * 86400
    orders_n, revenue = ctx.one(
        "SELECT count(*), coalesce(sum(coalesce(total_paid, total) - refund_amount), 0) "
        "FROM {p}orders " + _since(ctx, "orders", since)
    ) or (0, 0)
    (tickets_n,) = ctx.one(
        "SELECT count(*) FROM {p}tickets " + _since(ctx, "tickets", since) + " AND status = 'valid'"
    ) or (0,)
    series = _counts(ctx.q("SELECT status, count(*) FROM {p}series GROUP BY status"))
    events = _counts(ctx.q("SELECT status, count(*) FROM {p}events GROUP BY status"))
    box = ctx.box.box
    return {
        "box_office_name": box["name"],
        "currency": {"code": box["currency"], "symbol": box["symbol"]},
        "event_occurrences_draft": events.get("draft", 0),
        "event_occurrences_published": events.get("published", 0),
        "event_series_draft": series.get("draft", 0),
        "event_series_published": series.get("published", 0),
        "orders_received": orders_n,
        "period": "four weeks",
        "revenue": render.revenue(revenue),
        "total_issued_tickets": tickets_n,
    }
