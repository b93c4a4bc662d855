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
    start_at: DateInput
    start_at_gt: DateInput
    start_at_gte: DateInput
    start_at_lt: DateInput
    start_at_lte: DateInput
    end_at: DateInput
    end_at_gt: DateInput
    end_at_gte: DateInput
    end_at_lt: DateInput
    end_at_lte: DateInput
    status: IdList  # draft, published, sales_closed ... (one or several)
    name: str
    venue: str
    event_series_id: IdList


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
        return self._call("GET", f"/events/{seg(event_id)}", Event)


class Events(_Events, SyncResource):
    """Events, blocking."""


class AsyncEvents(_Events, AsyncResource):
    """Events, for asyncio."""
