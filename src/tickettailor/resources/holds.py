"""Holds: seats kept off sale. List, get, create, update, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict, Unpack

from tickettailor.models import DeleteResult, Hold
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
from tickettailor.resources._types import CreatedFilters, DateInput, IdList

__all__ = ["AsyncHolds", "HoldFields", "HoldFilters", "Holds"]


class HoldFilters(CreatedFilters, total=False):
    """Filters of ``holds.list()``; every one optional."""

    event_id: IdList
    """Only these events (one id or several)."""
    updated_at: DateInput
    """Only holds updated on this day or at this instant."""
    updated_at_gt: DateInput
    """Only holds updated after this instant (a bare date means that whole day)."""
    updated_at_gte: DateInput
    """Only holds updated at or after this instant (a bare date means that whole day)."""
    updated_at_lt: DateInput
    """Only holds updated before this instant (a bare date means that whole day)."""
    updated_at_lte: DateInput
    """Only holds updated at or before this instant (a bare date means that whole day)."""


class HoldFields(TypedDict, total=False):
    """The fields of a hold: its note and seats per ticket type."""

    note: str
    """A note about the hold."""
    ticket_type_id: Mapping[str, int]
    """The tickets held: {ticket type id: quantity}; 0 removes one on update."""


LIST = ListSpec("/holds", filters=("event_id",), time_filters=("created_at", "updated_at"))


def _create_form(event_id: str, fields: Mapping[str, object], tz: str | None) -> dict[str, object]:
    seg(event_id, "event id")
    return build_form({"event_id": event_id, **fields}, tz=tz)


class _Holds(Resource):
    @lister
    def list(self, **filters: Unpack[HoldFilters]) -> Listing[Hold]:
        """Holds across all pages (lazy, oldest first); filters as keywords."""
        return self._list(Hold, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, hold_id: str) -> Call[Hold]:
        """One hold by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/holds/{seg(hold_id)}", Hold)

    @endpoint
    def create(self, event_id: str, **fields: Unpack[HoldFields]) -> Call[Hold]:
        """Hold seats: ``ticket_type_id={"tt_1": 2}`` holds two of tt_1."""
        data = _create_form(event_id, fields, self._tz)
        return self._call("POST", "/holds", Hold, data=data)

    @endpoint
    def update(self, hold_id: str, **fields: Unpack[HoldFields]) -> Call[Hold]:
        """Change a hold: only the fields given are sent."""
        data = build_form(fields, tz=self._tz)
        return self._call("POST", f"/holds/{seg(hold_id)}", Hold, data=data)

    @endpoint
    def delete(self, hold_id: str) -> Call[DeleteResult]:
        """Delete the hold; its seats are released."""
        return self._call("DELETE", f"/holds/{seg(hold_id)}", DeleteResult)


class Holds(_Holds, SyncResource):
    """Holds, blocking."""


class AsyncHolds(_Holds, AsyncResource):
    """Holds, for asyncio."""
