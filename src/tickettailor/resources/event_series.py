"""Event series and what hangs off them: occurrences (events), ticket types, ticket
groups, bundles and overrides. Creating a series occurrence is the only way to create
an event; ticket types have no top-level path and are written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, TypedDict, Unpack

from tickettailor._core.errors import UsageError
from tickettailor.models import DeleteResult, Event, EventSeries, TicketGroup, TicketType, TTModel
from tickettailor.resources._base import (
    AsyncResource,
    Call,
    Listing,
    ListSpec,
    Resource,
    SyncResource,
    build_form,
    build_list,
    endpoint,
    lister,
    seg,
)
from tickettailor.resources._types import DayInput, IdList, Paging, TimeOfDay

__all__ = [
    "AsyncEventSeriesResource",
    "EventSeriesFields",
    "EventSeriesFilters",
    "EventSeriesResource",
    "OccurrenceFields",
    "TicketTypeCreate",
    "TicketTypeUpdate",
]


class EventSeriesFilters(Paging, total=False):
    status: IdList  # draft, published, sales_closed (one or several)
    name: str
    venue: str


class EventSeriesFields(TypedDict, total=False):
    name: str
    venue: str
    description: str
    currency: str  # lowercase ISO 4217
    country: str
    postal_code: str
    max_tickets_sold_per_occurrence: int
    online_platform: str
    access_code: str
    waitlist_active: str | bool  # true, false or no_tickets_available


class OccurrenceFields(TypedDict, total=False):
    start_date: DayInput
    end_date: DayInput
    start_time: TimeOfDay
    end_time: TimeOfDay
    start_timezone: str
    end_timezone: str
    hidden: bool
    unavailable: bool
    unavailable_status: str
    online_link: str
    override_id: str


class TicketTypeCreate(TypedDict, total=False):
    name: str
    price: int  # cents
    quantity: int
    description: str
    booking_fee: int
    max_per_order: int
    min_per_order: int
    discounts: Sequence[str]
    group_id: str
    access_code: str


class TicketTypeUpdate(TypedDict, total=False):
    name: str
    price: int
    description: str
    booking_fee: int
    max_per_order: int
    min_per_order: int
    modify_quantity: int | str  # a change, not a total: 10 adds ten, -5 removes five
    status: str  # on_sale, sold_out, unavailable, hidden, admin_only, locked


class TicketGroupFields(TypedDict, total=False):
    name: str
    max_per_order: int
    sort_order: int
    ticket_ids: Sequence[str]


class BundleFields(TypedDict, total=False):
    name: str
    description: str  # must not be empty
    price: int
    ticket_type_ids: Mapping[str, int]  # {tt_id: quantity}


class OverrideFields(TypedDict, total=False):
    name: str
    max_sellable_tickets: int


LIST = ListSpec("/event_series", filters=("status", "name", "venue"))
EVENTS = ListSpec("/event_series/{id}/events", filters=("override_id",))
OVERRIDES = ListSpec("/event_series/{id}/overrides")


def _series(event_series_id: str) -> str:
    return f"/event_series/{seg(event_series_id, 'event series id')}"


def _occurrence_form(fields: Mapping[str, Any]) -> dict[str, object]:
    """Occurrences take their dates as YYYY-MM-DD and times as HH:MM:SS, not unix."""
    data: dict[str, object] = {}
    for name, value in fields.items():
        if name in ("start_date", "end_date") and isinstance(value, date | datetime):
            value = (value.date() if isinstance(value, datetime) else value).isoformat()
        elif name in ("start_time", "end_time") and isinstance(value, time):
            value = value.replace(microsecond=0).isoformat()
        data[name] = value
    return build_form(data, tz=None)


def _ticket_type_form(fields: Mapping[str, Any]) -> dict[str, object]:
    data = dict(fields)
    change = data.get("modify_quantity")
    if isinstance(change, bool) or (change is not None and not isinstance(change, int | str)):
        raise UsageError(
            f"modify_quantity must be a whole number such as 10 or -5, not {change!r}."
        )
    if isinstance(change, int):
        data["modify_quantity"] = f"{change:+d}"  # the API wants the sign: "+10", "-5"
    return build_form(data, tz=None)


def _status(status: str) -> dict[str, object]:
    if not isinstance(status, str) or not status.strip():
        raise UsageError("status is empty: use draft, published or sales_closed.")
    return {"status": status.strip()}


class _EventSeriesResource(Resource):
    @lister
    def list(self, **filters: Unpack[EventSeriesFilters]) -> Listing[EventSeries]:
        return self._list(EventSeries, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, event_series_id: str) -> Call[EventSeries]:
        return self._call("GET", _series(event_series_id), EventSeries)

    @endpoint
    def create(self, **fields: Unpack[EventSeriesFields]) -> Call[EventSeries]:
        return self._call("POST", "/event_series", EventSeries, data=build_form(fields, tz=None))

    @endpoint
    def update(
        self, event_series_id: str, **fields: Unpack[EventSeriesFields]
    ) -> Call[EventSeries]:
        data = build_form(fields, tz=None)
        return self._call("POST", _series(event_series_id), EventSeries, data=data)

    @endpoint
    def delete(self, event_series_id: str) -> Call[DeleteResult]:
        """Delete the series and every occurrence of it."""
        return self._call("DELETE", _series(event_series_id), DeleteResult)

    @endpoint
    def set_status(self, event_series_id: str, status: str) -> Call[EventSeries]:
        """draft, published or sales_closed (setting the current one is an error)."""
        path = f"{_series(event_series_id)}/status"
        return self._call("POST", path, EventSeries, data=_status(status))

    # occurrences
    @lister
    def list_events(
        self, event_series_id: str, *, override_id: str | None = None, **paging: Unpack[Paging]
    ) -> Listing[Event]:
        path = f"{_series(event_series_id)}/events"
        filters = {"override_id": override_id, **paging}
        return self._list(Event, build_list(EVENTS, filters, tz=self._tz, path=path))

    @endpoint
    def get_event(self, event_series_id: str, event_id: str) -> Call[Event]:
        return self._call("GET", f"{_series(event_series_id)}/events/{seg(event_id)}", Event)

    @endpoint
    def create_event(self, event_series_id: str, **fields: Unpack[OccurrenceFields]) -> Call[Event]:
        """Add an occurrence (the only way to create an event)."""
        path = f"{_series(event_series_id)}/events"
        return self._call("POST", path, Event, data=_occurrence_form(fields))

    @endpoint
    def update_event(
        self, event_series_id: str, event_id: str, **fields: Unpack[OccurrenceFields]
    ) -> Call[Event]:
        path = f"{_series(event_series_id)}/events/{seg(event_id)}"
        return self._call("POST", path, Event, data=_occurrence_form(fields))

    @endpoint
    def delete_event(self, event_series_id: str, event_id: str) -> Call[DeleteResult]:
        path = f"{_series(event_series_id)}/events/{seg(event_id)}"
        return self._call("DELETE", path, DeleteResult)

    # ticket types
    @endpoint
    def create_ticket_type(
        self, event_series_id: str, **fields: Unpack[TicketTypeCreate]
    ) -> Call[TicketType]:
        path = f"{_series(event_series_id)}/ticket_types"
        return self._call("POST", path, TicketType, data=_ticket_type_form(fields))

    @endpoint
    def update_ticket_type(
        self, event_series_id: str, ticket_type_id: str, **fields: Unpack[TicketTypeUpdate]
    ) -> Call[TicketType]:
        path = f"{_series(event_series_id)}/ticket_types/{seg(ticket_type_id)}"
        return self._call("POST", path, TicketType, data=_ticket_type_form(fields))

    @endpoint
    def delete_ticket_type(self, event_series_id: str, ticket_type_id: str) -> Call[DeleteResult]:
        path = f"{_series(event_series_id)}/ticket_types/{seg(ticket_type_id)}"
        return self._call("DELETE", path, DeleteResult)

    # ticket groups; bundles and overrides (no typed model: their fields are in .raw)
    @endpoint
    def create_ticket_group(
        self, event_series_id: str, **fields: Unpack[TicketGroupFields]
    ) -> Call[TicketGroup]:
        path = f"{_series(event_series_id)}/ticket_groups"
        return self._call("POST", path, TicketGroup, data=build_form(fields, tz=None))

    @endpoint
    def update_ticket_group(
        self, event_series_id: str, ticket_group_id: str, **fields: Unpack[TicketGroupFields]
    ) -> Call[TicketGroup]:
        path = f"{_series(event_series_id)}/ticket_groups/{seg(ticket_group_id)}"
        return self._call("POST", path, TicketGroup, data=build_form(fields, tz=None))

    @endpoint
    def delete_ticket_group(self, event_series_id: str, ticket_group_id: str) -> Call[DeleteResult]:
        path = f"{_series(event_series_id)}/ticket_groups/{seg(ticket_group_id)}"
        return self._call("DELETE", path, DeleteResult)

    @endpoint
    def create_bundle(self, event_series_id: str, **fields: Unpack[BundleFields]) -> Call[TTModel]:
        path = f"{_series(event_series_id)}/bundles"
        return self._call("POST", path, TTModel, data=build_form(fields, tz=None))

    @endpoint
    def update_bundle(
        self, event_series_id: str, bundle_id: str, **fields: Unpack[BundleFields]
    ) -> Call[TTModel]:
        path = f"{_series(event_series_id)}/bundles/{seg(bundle_id)}"
        return self._call("POST", path, TTModel, data=build_form(fields, tz=None))

    @endpoint
    def delete_bundle(self, event_series_id: str, bundle_id: str) -> Call[DeleteResult]:
        path = f"{_series(event_series_id)}/bundles/{seg(bundle_id)}"
        return self._call("DELETE", path, DeleteResult)

    @lister
    def list_overrides(self, event_series_id: str, **paging: Unpack[Paging]) -> Listing[TTModel]:
        path = f"{_series(event_series_id)}/overrides"
        return self._list(TTModel, build_list(OVERRIDES, paging, tz=self._tz, path=path))

    @endpoint
    def create_override(
        self, event_series_id: str, **fields: Unpack[OverrideFields]
    ) -> Call[TTModel]:
        path = f"{_series(event_series_id)}/overrides"
        return self._call("POST", path, TTModel, data=build_form(fields, tz=None))

    @endpoint
    def update_override(
        self, event_series_id: str, override_id: str, **fields: Unpack[OverrideFields]
    ) -> Call[TTModel]:
        path = f"{_series(event_series_id)}/overrides/{seg(override_id)}"
        return self._call("POST", path, TTModel, data=build_form(fields, tz=None))


class EventSeriesResource(_EventSeriesResource, SyncResource):
    """EventSeries, blocking."""


class AsyncEventSeriesResource(_EventSeriesResource, AsyncResource):
    """EventSeries, for asyncio."""
