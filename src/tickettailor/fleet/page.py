"""The fleet's status page: the fleet table and, per box office, two inline SVG charts
(orders per hour and delivery lag over the last 48 hours). Rendered on the server: no
JavaScript, no build step."""

from __future__ import annotations

import html
from collections.abc import Sequence

from tickettailor.fleet.db import Db
from tickettailor.fleet.status import HOURS, FleetRow, _rows, hourly

__all__ = ["render_page", "svg_chart"]

_W, _H, _PAD = 480, 120, 24


def svg_chart(values: Sequence[float | None], *, label: str, css: str) -> str:
    """A polyline of ``values`` (one point per value; None drawn as 0), with its label."""
    top = max((v for v in values if v is not None), default=0.0) or 1.0
    step = (_W - 2 * _PAD) / max(len(values) - 1, 1)
    points = " ".join(
        f"{_PAD + i * step:.1f},{_H - _PAD - (v or 0.0) / top * (_H - 2 * _PAD):.1f}"
        for i, v in enumerate(values)
    )
    return (
        f'<svg class="chart {css}" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
        f'role="img" aria-label="{html.escape(label)}">'
        f'<text x="{_PAD}" y="14" font-size="11">{html.escape(label)} (max {top:g})</text>'
        f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{points}"/>'
        "</svg>"
    )


def _lag_text(row: FleetRow) -> str:
    known = [v for v in row.lag.values() if v is not None]
    return f"{max(known):.0f} s" if known else "never polled"


def _row_html(row: FleetRow, orders: list[int], lag: list[float | None]) -> str:
    state = "paused" if row.paused else ("key refused" if row.refused else "active")
    cells = [
        row.name,
        row.box_office or "?",
        state,
        row.holder or "-",
        _lag_text(row),
        str(row.backlog),
        row.error or "",
    ]
    tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
    charts = svg_chart(orders, label="orders per hour, 48 h", css="orders") + svg_chart(
        lag, label="delivery lag (s) per hour, 48 h", css="lag"
    )
    return (
        f'<tr class="box-office" data-name="{html.escape(row.name)}">{tds}</tr>'
        f'<tr class="charts"><td colspan="7">{charts}</td></tr>'
    )


def render_page(dsn: str, schema: str) -> str:
    db = Db.open(dsn, schema)
    try:
        rows = _rows(db)
        body = "".join(_row_html(row, *hourly(db, row.name)) for row in rows)
    finally:
        db.close()
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Name", "Box office", "State", "Worker", "Lag", "Backlog", "Last error")
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>tickettailor fleet</title>"
        "<style>body{font:14px sans-serif;margin:1em}td,th{padding:2px 8px;text-align:left}"
        ".chart{color:#2563eb;margin-right:8px}.lag{color:#dc2626}</style></head><body>"
        f"<h1>tickettailor fleet</h1><p>{len(rows)} box offices; charts: last {HOURS} hours."
        f"</p><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )
