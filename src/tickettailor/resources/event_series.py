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
    """Filters of ``event_series.list()``; every one optional."""

    status: IdList
    """Only series with this status: draft, published, sales_closed (one or several)."""
    name: str
    """Only series with this name."""
    venue: str
    """Only series at this venue."""


class EventSeriesFields(TypedDict, total=False):
    """The fields of ``event_series.create()`` and ``update()``."""

    name: str
    """The name."""
    venue: str
    """The venue's name."""
    description: str
    """The description shown to buyers."""
    currency: str
    """The currency, a lowercase ISO 4217 code."""
    country: str
    """The country (ISO 3166 code)."""
    postal_code: str
    """The postal code."""
    max_tickets_sold_per_occurrence: int
    """The most tickets sold per occurrence (event)."""
    online_platform: str
    """The online platform, for an online event."""
    access_code: str
    """The access code that unlocks it."""
    waitlist_active: str | bool
    """Whether the waitlist is on: true, false or no_tickets_available."""


class OccurrenceFields(TypedDict, total=False):
    """The fields of an occurrence (``event_series.create_event()`` and ``update_event()``)."""

    start_date: DayInput
    """The day it starts."""
    end_date: DayInput
    """The day it ends."""
    start_time: TimeOfDay
    """The time of day it starts."""
    end_time: TimeOfDay
    """The time of day it ends."""
    start_timezone: str
    """The timezone of the start (e.g. Europe/London)."""
    end_timezone: str
    """The timezone of the end (e.g. Europe/London)."""
    hidden: bool
    """Hide it from the box office."""
    unavailable: bool
    """Mark it unavailable for sale."""
    unavailable_status: str
    """The status shown while it is unavailable."""
    online_link: str
    """The link to the online event."""
    override_id: str
    """The override (capacity and name) to apply to it."""


class TicketTypeCreate(TypedDict, total=False):
    """The fields of ``event_series.create_ticket_type()``."""

    name: str
    """The name."""
    price: int
    """The price, in cents."""
    quantity: int
    """How many are on sale."""
    description: str
    """The description shown to buyers."""
    booking_fee: int
    """The booking fee, in cents."""
    max_per_order: int
    """The most per order."""
    min_per_order: int
    """The fewest per order."""
    discounts: Sequence[str]
    """The ids of the discounts that apply to it."""
    group_id: str
    """The ticket group it belongs to."""
    access_code: str
    """The access code that unlocks it."""


class TicketTypeUpdate(TypedDict, total=False):
    """The fields of ``event_series.update_ticket_type()``; only those given are sent."""

    name: str
    """The name."""
    price: int
    """The price, in cents."""
    description: str
    """The description shown to buyers."""
    booking_fee: int
    """The booking fee, in cents."""
    max_per_order: int
    """The most per order."""
    min_per_order: int
    """The fewest per order."""
    modify_quantity: int | str
    """A change, not a total: 10 adds ten, -5 removes five."""
    status: str
    """The status: on_sale, sold_out, unavailable, hidden, admin_only, locked."""


class TicketGroupFields(TypedDict, total=False):
    """The fields of a ticket group."""

    name: str
    """The name."""
    max_per_order: int
    """The most per order."""
    sort_order: int
    """Its position among the groups."""
    ticket_ids: Sequence[str]
    """The ids of the ticket types in the group."""


class BundleFields(TypedDict, total=False):
    """The fields of a bundle."""

    name: str
    """The name."""
    description: str
    """The description; must not be empty."""
    price: int
    """The price, in cents."""
    ticket_type_ids: Mapping[str, int]
    """The ticket types in the bundle: {tt_id: quantity}."""


class OverrideFields(TypedDict, total=False):
    """The fields of an override."""

    name: str
    """The name."""
    max_sellable_tickets: int
    """The most tickets the override lets sell."""


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
        """Event series across all pages (lazy, oldest first); filters as keywords."""
        return self._list(EventSeries, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, event_series_id: str) -> Call[EventSeries]:
        """One event series by id (``NotFoundError`` when there is none)."""
        return self._call("GET", _series(event_series_id), EventSeries)

    @endpoint
    def create(self, **fields: Unpack[EventSeriesFields]) -> Call[EventSeries]:
        """Create an event series from the fields given."""
        return self._call("POST", "/event_series", EventSeries, data=build_form(fields, tz=None))

    @endpoint
    def update(
        self, event_series_id: str, **fields: Unpack[EventSeriesFields]
    ) -> Call[EventSeries]:
        """Change an event series: only the fields given are sent."""
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
        """The occurrences of a series across all pages (lazy)."""
        path = f"{_series(event_series_id)}/events"
        filters = {"override_id": override_id, **paging}
        return self._list(Event, build_list(EVENTS, filters, tz=self._tz, path=path))

    @endpoint
    def get_event(self, event_series_id: str, event_id: str) -> Call[Event]:
        """One occurrence of a series."""
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
        """Change an occurrence: only the fields given are sent."""
        path = f"{_series(event_series_id)}/events/{seg(event_id)}"
        return self._call("POST", path, Event, data=_occurrence_form(fields))

    @endpoint
    def delete_event(self, event_series_id: str, event_id: str) -> Call[DeleteResult]:
        """Delete an occurrence."""
        path = f"{_series(event_series_id)}/events/{seg(event_id)}"
        return self._call("DELETE", path, DeleteResult)

    # ticket types
    @endpoint
    def create_ticket_type(
        self, event_series_id: str, **fields: Unpack[TicketTypeCreate]
    ) -> Call[TicketType]:
        """Add a ticket type to a series."""
        path = f"{_series(event_series_id)}/ticket_types"
        return self._call("POST", path, TicketType, data=_ticket_type_form(fields))

    @endpoint
    def update_ticket_type(
        self, event_series_id: str, ticket_type_id: str, **fields: Unpack[TicketTypeUpdate]
    ) -> Call[TicketType]:
        """Change a series' ticket type (capacity: ``modify_quantity``, signed)."""
        path = f"{_series(event_series_id)}/ticket_types/{seg(ticket_type_id)}"
        return self._call("POST", path, TicketType, data=_ticket_type_form(fields))

    @endpoint
    def delete_ticket_type(self, event_series_id: str, ticket_type_id: str) -> Call[DeleteResult]:
        """Delete a series' ticket type."""
        path = f"{_series(event_series_id)}/ticket_types/{seg(ticket_type_id)}"
        return self._call("DELETE", path, DeleteResult)

    # ticket groups; bundles and overrides (no typed model: their fields are in .raw)
    @endpoint
    def create_ticket_group(
        self, event_series_id: str, **fields: Unpack[TicketGroupFields]
    ) -> Call[TicketGroup]:
        """Add a ticket group to a series."""
        path = f"{_series(event_series_id)}/ticket_groups"
        return self._call("POST", path, TicketGroup, data=build_form(fields, tz=None))

    @endpoint
    def update_ticket_group(
        self, event_series_id: str, ticket_group_id: str, **fields: Unpack[TicketGroupFields]
    ) -> Call[TicketGroup]:
        """Change a series' ticket group."""
        path = f"{_series(event_series_id)}/ticket_groups/{seg(ticket_group_id)}"
        return self._call("POST", path, TicketGroup, data=build_form(fields, tz=None))

    @endpoint
    def delete_ticket_group(self, event_series_id: str, ticket_group_id: str) -> Call[DeleteResult]:
        """Delete a series' ticket group."""
        path = f"{_series(event_series_id)}/ticket_groups/{seg(ticket_group_id)}"
        return self._call("DELETE", path, DeleteResult)

    @endpoint
    def create_bundle(self, event_series_id: str, **fields: Unpack[BundleFields]) -> Call[TTModel]:
        """Add a bundle to a series (no typed model: read ``.raw``)."""
        path = f"{_series(event_series_id)}/bundles"
        return self._call("POST", path, TTModel, data=build_form(fields, tz=None))

    @endpoint
    def update_bundle(
        self, event_series_id: str, bundle_id: str, **fields: Unpack[BundleFields]
    ) -> Call[TTModel]:
        """Change a series' bundle (no typed model: read ``.raw``)."""
        path = f"{_series(event_series_id)}/bundles/{seg(bundle_id)}"
        return self._call("POST", path, TTModel, data=build_form(fields, tz=None))

    @endpoint
    def delete_bundle(self, event_series_id: str, bundle_id: str) -> Call[DeleteResult]:
        """Delete a series' bundle."""
        path = f"{_series(event_series_id)}/bundles/{seg(bundle_id)}"
        return self._call("DELETE", path, DeleteResult)

    @lister
    def list_overrides(self, event_series_id: str, **paging: Unpack[Paging]) -> Listing[TTModel]:
        """The overrides of a series, all pages (lazy; read ``.raw``)."""
        path = f"{_series(event_series_id)}/overrides"
        return self._list(TTModel, build_list(OVERRIDES, paging, tz=self._tz, path=path))

    @endpoint
    def create_override(
        self, event_series_id: str, **fields: Unpack[OverrideFields]
    ) -> Call[TTModel]:
        """Add an override to a series (no typed model: read ``.raw``)."""
        path = f"{_series(event_series_id)}/overrides"
        return self._call("POST", path, TTModel, data=build_form(fields, tz=None))

    @endpoint
    def update_override(
        self, event_series_id: str, override_id: str, **fields: Unpack[OverrideFields]
    ) -> Call[TTModel]:
        """Change a series' override (no typed model: read ``.raw``)."""
        path = f"{_series(event_series_id)}/overrides/{seg(override_id)}"
        return self._call("POST", path, TTModel, data=build_form(fields, tz=None))


class EventSeriesResource(_EventSeriesResource, SyncResource):
    """EventSeries, blocking."""


class AsyncEventSeriesResource(_EventSeriesResource, AsyncResource):
    """EventSeries, for asyncio."""
