"""Events (occurrences) across the whole box office: list and get.

Events are created, changed and deleted under their series: see ``event_series``.
"""

from __future__ import annotations

from typing import Unpack

from tickettailor.models import Event
from tickettailor.resources._base import (
    AsyncResource,
    Call,
    Listing,
    ListSpec,
    Resource,
    SyncResource,
    build_list,
    endpoint,
    lister,
    seg,
)
from tickettailor.resources._types import DateInput, IdList, Paging

__all__ = ["AsyncEvents", "EventFilters", "Events"]


class EventFilters(Paging, total=False):
    """Filters of ``events.list()``; every one optional."""

    start_at: DateInput
    """Only events starting on this day or at this instant."""
    start_at_gt: DateInput
    """Only events starting after this instant (a bare date means that whole day)."""
    start_at_gte: DateInput
    """Only events starting at or after this instant (a bare date means that whole day)."""
    start_at_lt: DateInput
    """Only events starting before this instant (a bare date means that whole day)."""
    start_at_lte: DateInput
    """Only events starting at or before this instant (a bare date means that whole day)."""
    end_at: DateInput
    """Only events ending on this day or at this instant."""
    end_at_gt: DateInput
    """Only events ending after this instant (a bare date means that whole day)."""
    end_at_gte: DateInput
    """Only events ending at or after this instant (a bare date means that whole day)."""
    end_at_lt: DateInput
    """Only events ending before this instant (a bare date means that whole day)."""
    end_at_lte: DateInput
    """Only events ending at or before this instant (a bare date means that whole day)."""
    status: IdList
    """Only events with this status: draft, published, sales_closed ... (one or several)."""
    name: str
    """Only events with this name."""
    venue: str
    """Only events at this venue."""
    event_series_id: IdList
    """Only these event series (one id or several)."""


LIST = ListSpec(
    "/events",
    filters=("status", "name", "venue", "event_series_id"),
    time_filters=("start_at", "end_at"),
)


class _Events(Resource):
    @lister
    def list(self, **filters: Unpack[EventFilters]) -> Listing[Event]:
        """Events, oldest first, across all pages (lazy)."""
        return self._list(Event, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, event_id: str) -> Call[Event]:
        """One event by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/events/{seg(event_id)}", Event)


class Events(_Events, SyncResource):
    """Events, blocking."""


class AsyncEvents(_Events, AsyncResource):
    """Events, for asyncio."""
