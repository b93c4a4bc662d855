"""GET /v1/overview (reference §4.14): counts for the last four weeks by the sandbox
clock."""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

from typing import Any

from tickettailor.sandbox.api.reading import View
from tickettailor.sandbox.api.routes import Call, Endpoint
from tickettailor.sandbox.api.shapes import revenue


def _since(view: View, table: str, since: int) -> str:
    """A WHERE clause for ``created_at >= since`` (an id bound on time-ordered tables)."""
    if not view.store.time_ordered(view.box, table):
        return f"WHERE created_at >= {int(since)}"
    first = view.store.first_id_from(view.box, table, since)
    return "WHERE 0" if first is None else f"WHERE id >= {int(first)}"


def _counts(rows: list[tuple[Any, ...]]) -> dict[str, int]:
    return {str(status): int(n) for status, n in rows}


def overview(view: View) -> dict[str, Any]:
    since = view.settings.now - 28 * 86400
    orders_n, cents = view.one(
        "SELECT count(*), coalesce(sum(coalesce(total_paid, total) - refund_amount), 0) "
        "FROM {p}orders " + _since(view, "orders", since)
    ) or (0, 0)
    (tickets_n,) = view.one(
        "SELECT count(*) FROM {p}tickets "
        + _since(view, "tickets", since)
        + " AND status = 'valid'"
    ) or (0,)
    series = _counts(view.query("SELECT status, count(*) FROM {p}series GROUP BY status"))
    events = _counts(view.query("SELECT status, count(*) FROM {p}events GROUP BY status"))
    box = view.box.box
    return {
        "box_office_name": box["name"],
        "currency": {"code": box["currency"], "symbol": box["symbol"]},
        "event_occurrences_draft": events.get("draft", 0),
        "event_occurrences_published": events.get("published", 0),
        "event_series_draft": series.get("draft", 0),
        "event_series_published": series.get("published", 0),
        "orders_received": orders_n,
        "period": "four weeks",
        "revenue": revenue(cents),
        "total_issued_tickets": tickets_n,
    }


def _read(call: Call) -> Any:
    return overview(call.view)


ROUTES: list[Endpoint] = [Endpoint("GET", "overview", "overview", read=_read)]
