"""The /v1 API, one module per resource: each holds its routes, its queries, its
rendering and its writes. ``find_endpoint`` picks the endpoint for a request.

Shared pieces: ``reading`` (the view of a box office, lists and single records),
``writing`` (changes, transactions, ids), ``routes`` (the endpoint type), ``shapes``
(what all rendering shares) and ``inventory`` (seats and counters).
"""

from __future__ import annotations

from re import Match

from tickettailor.sandbox.api import (
    check_ins,
    discounts,
    event_series,
    events,
    holds,
    issued_tickets,
    memberships,
    orders,
    overview,
    products,
    series_parts,
    ticket_types,
    vouchers,
    waitlist_signups,
)
from tickettailor.sandbox.api.routes import Endpoint

ROUTES: list[Endpoint] = [
    *overview.ROUTES,
    *event_series.ROUTES,
    *events.ROUTES,
    *ticket_types.ROUTES,
    *series_parts.ROUTES,
    *waitlist_signups.ROUTES,
    *orders.ROUTES,
    *issued_tickets.ROUTES,
    *check_ins.ROUTES,
    *holds.ROUTES,
    *discounts.ROUTES,
    *vouchers.ROUTES,
    *products.ROUTES,
    *memberships.ROUTES,
]


def _index(routes: list[Endpoint]) -> dict[tuple[str, str], list[Endpoint]]:
    """Endpoints by (method, first path segment): a request tries only the few that can
    match (their patterns never overlap, so the order within a group does not matter)."""
    index: dict[tuple[str, str], list[Endpoint]] = {}
    for endpoint in routes:
        index.setdefault((endpoint.method, endpoint.first_segment), []).append(endpoint)
    return index


_INDEX = _index(ROUTES)


def find_endpoint(method: str, path: str) -> tuple[Endpoint, Match[str]] | None:
    """The endpoint for ``method`` and ``path`` (``/v1/...``; HEAD answers as GET)."""
    if method == "HEAD":
        method = "GET"
    segment = path[4:].split("/", 1)[0] if path.startswith("/v1/") else ""
    for endpoint in _INDEX.get((method, segment), ()):
        match = endpoint.pattern.fullmatch(path)
        if match is not None:
            return endpoint, match
    return None
