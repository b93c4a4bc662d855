"""Holds: seats kept off sale. List, get, create, update, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict, Unpack

from tickettailor._core.pagination import AsyncPager, Pager
from tickettailor.models import DeleteResult, Hold
from tickettailor.resources._base import (
    AsyncResource,
    ListSpec,
    SyncResource,
    build_form,
    build_list,
    seg,
)
from tickettailor.resources._types import CreatedFilters, DateInput, IdList

__all__ = ["AsyncHolds", "HoldFields", "HoldFilters", "Holds"]


class HoldFilters(CreatedFilters, total=False):
    """Filters of ``holds.list()``; every one optional."""

    event_id: IdList
    updated_at: DateInput
    updated_at_gt: DateInput
    updated_at_gte: DateInput
    updated_at_lt: DateInput
    updated_at_lte: DateInput


class HoldFields(TypedDict, total=False):
    """The fields of a hold: its note and seats per ticket type."""

    note: str
    ticket_type_id: Mapping[str, int]  # {ticket type id: quantity}; 0 removes it on update


LIST = ListSpec("/holds", filters=("event_id",), time_filters=("created_at", "updated_at"))


def _create_form(event_id: str, fields: Mapping[str, object], tz: str | None) -> dict[str, object]:
    seg(event_id, "event id")
    return build_form({"event_id": event_id, **fields}, tz=tz)


class Holds(SyncResource):
    """``client.holds``: the hold endpoints."""

    def list(self, **filters: Unpack[HoldFilters]) -> Pager[Hold]:
        """Holds across all pages (lazy, oldest first); filters as keywords."""
        return self._list(Hold, build_list(LIST, filters, tz=self._tz))

    def get(self, hold_id: str) -> Hold:
        """One hold by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/holds/{seg(hold_id)}", Hold)

    def create(self, event_id: str, **fields: Unpack[HoldFields]) -> Hold:
        """Hold seats: ``ticket_type_id={"tt_1": 2}`` holds two of tt_1."""
        data = _create_form(event_id, fields, self._tz)
        return self._call("POST", "/holds", Hold, data=data)

    def update(self, hold_id: str, **fields: Unpack[HoldFields]) -> Hold:
        """Change a hold: only the fields given are sent."""
        data = build_form(fields, tz=self._tz)
        return self._call("POST", f"/holds/{seg(hold_id)}", Hold, data=data)

    def delete(self, hold_id: str) -> DeleteResult:
        """Delete the hold; its seats are released."""
        return self._call("DELETE", f"/holds/{seg(hold_id)}", DeleteResult)


class AsyncHolds(AsyncResource):
    """``AsyncClient.holds``: the calls of ``Holds``, awaited."""

    def list(self, **filters: Unpack[HoldFilters]) -> AsyncPager[Hold]:
        """Holds across all pages (lazy, oldest first); filters as keywords."""
        return self._list(Hold, build_list(LIST, filters, tz=self._tz))

    async def get(self, hold_id: str) -> Hold:
        """One hold by id (``NotFoundError`` when there is none)."""
        return await self._call("GET", f"/holds/{seg(hold_id)}", Hold)

    async def create(self, event_id: str, **fields: Unpack[HoldFields]) -> Hold:
        """Hold seats: ``ticket_type_id={"tt_1": 2}`` holds two of tt_1."""
        data = _create_form(event_id, fields, self._tz)
        return await self._call("POST", "/holds", Hold, data=data)

    async def update(self, hold_id: str, **fields: Unpack[HoldFields]) -> Hold:
        """Change a hold: only the fields given are sent."""
        data = build_form(fields, tz=self._tz)
        return await self._call("POST", f"/holds/{seg(hold_id)}", Hold, data=data)

    async def delete(self, hold_id: str) -> DeleteResult:
        """Delete the hold; its seats are released."""
        return await self._call("DELETE", f"/holds/{seg(hold_id)}", DeleteResult)
